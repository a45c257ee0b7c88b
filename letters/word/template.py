"""A Word template: where templates are found, reading and checking one, and filling it.

A template is an ordinary .docx a user can restyle in Word or LibreOffice. It shows the letter
with docxtpl tags: ``{{ letter.reference }}``, and paragraph loops such as
``{%p for section in letter.sections %}``. Case text reaches it only as values, escaped for XML,
never as template source (``context.py``: what a template sees). A template is checked before
it is trusted (``checking.py``): one whose tags would not work, or whose package is not a sound
Word file, is refused when it is read.

A template is read once and then fills any number of letters: prepared (``prepared.py``), with
docxtpl's work on its tags done once; templates with tables or pictures in the body, whose XML
docxtpl also rewrites after rendering, and those that show the letter's pictures
(``letter.pictures``, added to the package as they are shown), are filled by docxtpl itself
(``docxtpl_adapter.py``). Either way the .docx is deterministic: the same letter gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jinja2

from letters.composition import Letter
from letters.configuration import bundled, settings
from letters.library import Library
from letters.limits import DEFAULT, Limits, read_bounded
from letters.problems import LettersError, Location, Problem, TemplateError
from letters.word import ooxml
from letters.word.checking import declared_by, problems_in
from letters.word.context import template_context
from letters.word.docxtpl_adapter import render_with_docxtpl, syntax_error
from letters.word.pictures import Picture
from letters.word.prepared import PreparedTemplate
from letters.wording import MissingFact

TEMPLATES = bundled("templates")
"""The Word templates that come with letters; ``--template NAME`` looks here by default."""

DEFAULT_TEMPLATE = "decision"


def templates_folder() -> Path:
    """Where ``--template NAME`` looks: as configured (``$LETTERS_TEMPLATES``,
    ``letters.toml``), else the templates that come with letters."""
    return Path(settings()["templates"].value)


def find_template(template: str | Path | None = None) -> Path:
    """The template file: a path to a .docx, or the name of one in the templates folder;
    by default the configured template (``$LETTERS_TEMPLATE``, ``letters.toml``: decision)."""
    name = str(template) if template is not None else str(settings()["template"].value)
    if name.lower().endswith(".docx") or "/" in name or "\\" in name:
        return Path(name)
    folder = templates_folder()
    path = folder / f"{name}.docx"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in folder.glob("*.docx"))) or "none"
        raise TemplateError(f"no template named {name!r} (templates in {folder}: {known})")
    return path


def check_template(
    path: str | Path, *, limits: Limits = DEFAULT, library: Library | None = None
) -> list[Problem]:
    """Every problem found in a template file, errors first; an unreadable package is raised.
    With ``library``, a fact, a record's field or a named line it does not declare that the
    template asks for is an error too."""
    path = Path(path)
    parts = ooxml.read_package(_read_docx(path, limits), source=str(path), limits=limits)
    declared = declared_by(library) if library is not None else None
    return [problem.at(str(path)) for problem in problems_in(parts, declared=declared)]


class WordTemplate:
    """A Word template, read, checked and prepared once, used for as many letters as needed."""

    def __init__(self, path: str | Path, *, limits: Limits = DEFAULT):
        self.path = Path(path)
        self.data = _read_docx(self.path, limits)
        source = str(self.path)
        parts = ooxml.read_package(self.data, source=source, limits=limits)
        errors = [problem for problem in problems_in(parts, compiling=False) if problem.is_error]
        if errors:
            raise TemplateError(problems=[problem.at(source) for problem in errors])
        self._fill: Callable[[dict[str, Any]], bytes]
        try:
            document = parts[ooxml.DOCUMENT].decode("utf-8")
            if ooxml.has_tables_or_pictures(document) or _shows_pictures(parts):
                self._fill = self._fill_with_docxtpl
            else:
                self._fill = PreparedTemplate(parts).fill
        except LettersError as error:
            raise error.at(source) from None

    def render(self, letter: Letter, *, pictures: Mapping[str, Picture] | None = None) -> bytes:
        """The letter as .docx bytes; ``pictures``: those the edge rendering it drew for it,
        by name, which the template shows where it asks for ``letter.pictures.NAME``."""
        try:
            return self._fill(template_context(letter, pictures))
        except LettersError as error:
            raise error.at(str(self.path)) from None
        except MissingFact as error:
            raise TemplateError(
                f"the template uses {error.name!r}, which a letter does not have "
                "(letters templates check lists what it has)",
                Location(file=str(self.path)),
            ) from None
        except jinja2.TemplateSyntaxError as error:
            raise syntax_error(error).at(str(self.path)) from None
        except RecursionError:
            raise TemplateError(
                "the template's tags call themselves too deeply", Location(file=str(self.path))
            ) from None
        except Exception as error:  # refused by the sandbox, or a filter given the wrong value
            raise TemplateError(
                f"a tag of the template failed: {type(error).__name__}: {error}",
                Location(file=str(self.path)),
            ) from None

    def _fill_with_docxtpl(self, context: dict[str, Any]) -> bytes:
        return render_with_docxtpl(self.data, context)


def _shows_pictures(parts: Mapping[str, bytes]) -> bool:
    """Whether a template asks for the letter's pictures (``letter.pictures``) in a part:
    docxtpl adds each picture it shows to the package (a media part and its relationship),
    which a prepared template does not. Looked for in the parts' text, where a tag Word split
    across runs is still whole."""
    return any("pictures" in ooxml.text_of(parts[name]) for name in ooxml.templated_parts(parts))


def render(letter: Letter, template: WordTemplate | str | Path | None = None) -> bytes:
    """Fill a Word template with the letter: a WordTemplate, a path, a name, or the default."""
    if not isinstance(template, WordTemplate):
        template = WordTemplate(find_template(template))
    return template.render(letter)


def _read_docx(path: Path, limits: Limits) -> bytes:
    """A template file's bytes: five times the file size limit at most, as its parts may be."""
    return read_bounded(
        path, 5 * limits.file_size, TemplateError, "template file", times="five times "
    )
