"""letters: compose decision letters from a plain-text clause library and JSON case files.

The whole pipeline, from case file to Word document::

    import letters

    case = letters.load_case("examples/cpc-report-defamation.json")
    letter = letters.compose(case, letters.Library.load())
    letters.write_atomic("letter.docx", letters.render(letter))

or, for many letters, ``letters.Renderer`` (the library and template read once) and
``letters.render_files`` (case files to letter files, in parallel if asked).

Every problem a user can fix raises a LettersError whose message names the file and the field.

The names below are bound when one of them is first used, so that ``letters --help`` need not
import the template and clause machinery. Import a function by name (``from letters import
compose``), not through its module (``import letters.compose`` binds the module under that name).
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

_MODULES = (
    "letters.batch",
    "letters.clauses",
    "letters.compose",
    "letters.errors",
    "letters.lint",
    "letters.loading",
    "letters.model",
    "letters.output",
    "letters.render",
    "letters.schema",
)

__all__ = [
    "Body",
    "Case",
    "CaseError",
    "Clause",
    "ClauseError",
    "ClauseUse",
    "Complaint",
    "Finding",
    "Letter",
    "LetterParagraph",
    "LettersError",
    "LettersErrors",
    "Library",
    "Origin",
    "Outcome",
    "OutputError",
    "Param",
    "Person",
    "Problem",
    "Pronouns",
    "Reason",
    "Renderer",
    "Section",
    "SectionPlan",
    "TemplateError",
    "Text",
    "UsageError",
    "Variant",
    "WordTemplate",
    "case_schema",
    "compose",
    "compose_clause",
    "find_template",
    "lint",
    "load_case",
    "parse_case",
    "parse_clause",
    "read_case_text",
    "render",
    "render_files",
    "validate_files",
    "write_atomic",
]


class _Package(types.ModuleType):
    """The package, whose public names are imported on first use.

    A public name always means the public object: importing a module such as letters.compose
    binds that module's name on the package too, which would hide the function compose.
    """

    def __getattribute__(self, name: str) -> Any:
        if name in _EXPORTS:
            cache = _BOUND.get(name)
            if cache is None:
                _bind_all()
                cache = _BOUND[name]
            return cache
        return super().__getattribute__(name)


_EXPORTS = frozenset(__all__)
_BOUND: dict[str, Any] = {}


def _bind_all() -> None:
    modules = [importlib.import_module(module) for module in _MODULES]
    for name in __all__:
        owner = next(module for module in modules if name in vars(module) and _is_own(module, name))
        _BOUND[name] = vars(owner)[name]


def _is_own(module: types.ModuleType, name: str) -> bool:
    """Whether the module defines the name itself, rather than importing it from elsewhere."""
    value = vars(module)[name]
    return getattr(value, "__module__", module.__name__) == module.__name__


def __dir__() -> list[str]:
    return list(__all__)


sys.modules[__name__].__class__ = _Package


if TYPE_CHECKING:
    from letters.batch import Outcome, Problem, Renderer, render_files, validate_files
    from letters.clauses import Clause, Library, Param, Variant, parse_clause
    from letters.compose import (
        Letter,
        LetterParagraph,
        Origin,
        Section,
        Text,
        compose,
        compose_clause,
    )
    from letters.errors import (
        CaseError,
        ClauseError,
        LettersError,
        LettersErrors,
        OutputError,
        TemplateError,
        UsageError,
    )
    from letters.lint import Finding, lint
    from letters.loading import load_case, parse_case, read_case_text
    from letters.model import (
        Body,
        Case,
        ClauseUse,
        Complaint,
        Person,
        Pronouns,
        Reason,
        SectionPlan,
    )
    from letters.output import write_atomic
    from letters.render import WordTemplate, find_template, render
    from letters.schema import case_schema
