"""The Renderer: a clause library and a Word template read once, for any number of letters.

It is the front end the command line, the HTTP service and scripts share: it composes a case's
letter within the letter limits and writes it as .docx, plain text or Markdown (PDF is made from
the .docx by ``formats.pdf``, many letters at a time).
"""

from __future__ import annotations

from pathlib import Path

from letters.composition import Letter, compose
from letters.formats import markdown, plain_text
from letters.library import Library
from letters.limits import Limits, budget
from letters.loading import load_case
from letters.model import Case
from letters.output import write_atomic
from letters.output_formats import FORMATS
from letters.problems import UsageError
from letters.provenance import provenance_of
from letters.word import WordTemplate, embed_provenance, find_template


class Renderer:
    """The clause library and Word template, read once, for rendering any number of cases."""

    def __init__(
        self,
        clauses: str | Path | Library | None = None,
        template: str | Path | WordTemplate | None = None,
        *,
        limits: Limits | None = None,
    ):
        self.limits = limits if limits is not None else Limits.from_environment()
        self.library = (
            clauses if isinstance(clauses, Library) else Library.load(clauses, limits=self.limits)
        )
        self.template = (
            template
            if isinstance(template, WordTemplate)
            else WordTemplate(find_template(template), limits=self.limits)
        )

    def compose(self, case: Case, *, source: str | None = None) -> Letter:
        """The letter for a case, composed from the library within the letter's limits."""
        with budget(self.limits):
            return compose(case, self.library, source=source)

    def render(self, case: Case, *, source: str | None = None) -> bytes:
        """The letter for a case, as .docx bytes."""
        return self.render_as(case, "docx", source=source)

    def render_as(
        self, case: Case, output_format: str, *, source: str | None = None, embed: bool = False
    ) -> bytes:
        """The letter for a case as .docx, plain text or Markdown (PDF: see ``render_files``).

        ``embed`` carries the letter's provenance inside the .docx. The time limit covers
        composing and filling the template together.
        """
        if output_format not in FORMATS or output_format == "pdf":
            raise UsageError(f"render_as makes docx, txt or md, not {output_format!r}")
        with budget(self.limits):
            letter = compose(case, self.library, source=source)
            if output_format == "txt":
                return plain_text(letter).encode("utf-8")
            if output_format == "md":
                return markdown(letter).encode("utf-8")
            document = self.template.render(letter)
        if embed:
            document = embed_provenance(document, provenance_of(letter, case=source))
        return document

    def render_file(self, case: str | Path, target: str | Path) -> None:
        """Read a case file and write its letter; the file is written whole or not at all."""
        write_atomic(target, self.render(load_case(case, limits=self.limits), source=str(case)))
