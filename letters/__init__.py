"""letters: compose decision letters from a plain-text clause library and JSON case files.

The whole pipeline, from case file to Word document::

    import letters

    case = letters.load_case("examples/cpc-report-defamation.json")
    letter = letters.compose(case, letters.Library.load())
    letters.write_atomic("letter.docx", letters.render(letter))

or, for many letters, ``letters.Renderer`` (the library and template read once) and
``letters.render_files`` (case files to letter files, in parallel if asked).

Every problem a user can fix raises a ``LettersError`` whose ``problems`` say where (a
``Location``: file, line, field, template part) and what.

The public API is the table below: each name and the module that defines it. Names are imported
on first use, so that ``letters --help`` need not load the template and clause machinery.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_API = {
    # the case
    "Body": "letters.model",
    "Case": "letters.model",
    "ClauseUse": "letters.model",
    "Complaint": "letters.model",
    "Person": "letters.model",
    "Pronouns": "letters.model",
    "Reason": "letters.model",
    "SectionPlan": "letters.model",
    "load_case": "letters.loading",
    "parse_case": "letters.loading",
    "read_case_text": "letters.loading",
    "case_schema": "letters.schema",
    # the clause library
    "Clause": "letters.library",
    "Library": "letters.library",
    "Param": "letters.library",
    "Variant": "letters.library",
    "parse_clause": "letters.library",
    "lint": "letters.linting",
    # composition
    "Letter": "letters.composition",
    "LetterParagraph": "letters.composition",
    "Origin": "letters.composition",
    "Section": "letters.composition",
    "Text": "letters.composition",
    "compose": "letters.composition",
    "compose_clause": "letters.composition",
    # Word templates and output
    "WordTemplate": "letters.word",
    "find_template": "letters.word",
    "render": "letters.word",
    "check_template": "letters.word",
    "Renderer": "letters.rendering",
    "Outcome": "letters.outcomes",
    "render_files": "letters.batch",
    "validate_files": "letters.batch",
    "write_atomic": "letters.output",
    "provenance_of": "letters.provenance",
    "impact_of": "letters.impact",
    "Limits": "letters.limits",
    # the register of issued letters (SQLAlchemy is imported on first use)
    "Register": "letters.register",
    "Query": "letters.register",
    "Record": "letters.register",
    "Summary": "letters.register",
    "IssueOutcome": "letters.register",
    "IssuedLetter": "letters.register",
    "Recorder": "letters.register",
    "Reproduction": "letters.register",
    "IssuedImpact": "letters.register",
    "impact_since": "letters.register",
    "RegisterError": "letters.problems",
    # problems
    "Location": "letters.problems",
    "Problem": "letters.problems",
    "Severity": "letters.problems",
    "LettersError": "letters.problems",
    "CaseError": "letters.problems",
    "ClauseError": "letters.problems",
    "TemplateError": "letters.problems",
    "OutputError": "letters.problems",
    "LimitError": "letters.problems",
    "UsageError": "letters.problems",
}

__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'letters' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # bound once: later look-ups do not come here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:
    from letters.batch import render_files as render_files
    from letters.batch import validate_files as validate_files
    from letters.composition import Letter as Letter
    from letters.composition import LetterParagraph as LetterParagraph
    from letters.composition import Origin as Origin
    from letters.composition import Section as Section
    from letters.composition import Text as Text
    from letters.composition import compose as compose
    from letters.composition import compose_clause as compose_clause
    from letters.impact import impact_of as impact_of
    from letters.library import Clause as Clause
    from letters.library import Library as Library
    from letters.library import Param as Param
    from letters.library import Variant as Variant
    from letters.library import parse_clause as parse_clause
    from letters.limits import Limits as Limits
    from letters.linting import lint as lint
    from letters.loading import load_case as load_case
    from letters.loading import parse_case as parse_case
    from letters.loading import read_case_text as read_case_text
    from letters.model import Body as Body
    from letters.model import Case as Case
    from letters.model import ClauseUse as ClauseUse
    from letters.model import Complaint as Complaint
    from letters.model import Person as Person
    from letters.model import Pronouns as Pronouns
    from letters.model import Reason as Reason
    from letters.model import SectionPlan as SectionPlan
    from letters.outcomes import Outcome as Outcome
    from letters.output import write_atomic as write_atomic
    from letters.problems import CaseError as CaseError
    from letters.problems import ClauseError as ClauseError
    from letters.problems import LettersError as LettersError
    from letters.problems import LimitError as LimitError
    from letters.problems import Location as Location
    from letters.problems import OutputError as OutputError
    from letters.problems import Problem as Problem
    from letters.problems import RegisterError as RegisterError
    from letters.problems import Severity as Severity
    from letters.problems import TemplateError as TemplateError
    from letters.problems import UsageError as UsageError
    from letters.provenance import provenance_of as provenance_of
    from letters.register import IssuedImpact as IssuedImpact
    from letters.register import IssuedLetter as IssuedLetter
    from letters.register import IssueOutcome as IssueOutcome
    from letters.register import Query as Query
    from letters.register import Record as Record
    from letters.register import Recorder as Recorder
    from letters.register import Register as Register
    from letters.register import Reproduction as Reproduction
    from letters.register import Summary as Summary
    from letters.register import impact_since as impact_since
    from letters.rendering import Renderer as Renderer
    from letters.schema import case_schema as case_schema
    from letters.word import WordTemplate as WordTemplate
    from letters.word import check_template as check_template
    from letters.word import find_template as find_template
    from letters.word import render as render
