"""What the register records of one letter: the letter and its bytes, the clauses and variants
its wording came from, and the rows a feature adds beside its record.

A letter is made the same way when it is issued and when its record is made again
(``make_letter``), so that the bytes reproduced are the bytes issued. A ``Recorder`` adds rows
of its own for each letter (the remedies it sets out, say), seeing the letter as an
``IssuedLetter``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import sqlalchemy as sa
from attrs import frozen

from letters.composition import Letter, Origin, compose
from letters.formats import markdown, plain_text
from letters.limits import budget
from letters.model import Case
from letters.register.versions import sha256
from letters.rendering import Renderer


@frozen
class IssuedLetter:
    """A letter as it is being recorded: what a recorder sees to add rows of its own (made
    with the letter, before its record is numbered)."""

    case: Case
    letter: Letter
    source: str


class Recorder(Protocol):
    """Rows a feature adds to the register for each letter issued, in the same transaction as
    the letter's record (a remedy and its due date, say): each row is a table and its values,
    and ``letter_id`` is filled in. A recorder that fails fails its letter's case alone.
    ``rows`` is called where the letter is made, in a worker process for a batch: it should
    only return rows (anything else it does stays in that process)."""

    def rows(self, issued: IssuedLetter) -> Iterable[tuple[sa.Table, dict[str, Any]]]: ...


def make_letter(
    renderer: Renderer, case: Case, output_format: str, source: str
) -> tuple[Letter, bytes]:
    """The letter for a case and its bytes in the format, within the letter's limits."""
    with budget(renderer.limits):
        letter = compose(case, renderer.library, source=source)
        if output_format == "txt":
            return letter, plain_text(letter).encode("utf-8")
        if output_format == "md":
            return letter, markdown(letter).encode("utf-8")
        return letter, renderer.template.render(letter)


def clause_uses(
    letter: Letter, library: Any, known: dict[tuple[str, str], str] | None = None
) -> tuple[tuple[str, str, str], ...]:
    """Every clause and variant the letter took wording from, with its wording's SHA-256, in
    order; ``known`` keeps the hashes of wordings met before (the library does not change)."""
    known = {} if known is None else known
    seen: dict[tuple[str, str], str] = {}

    def note(origin: Origin | None) -> None:
        if origin is None or origin.clause is None:
            return
        key = (origin.clause, origin.variant or "default")
        if key in seen:
            return
        digest = known.get(key)
        if digest is None:
            clause = library[origin.clause]
            text = next((v.text for v in clause.variants if v.name == key[1]), "")
            digest = known[key] = sha256(text.encode("utf-8"))
        seen[key] = digest

    note(letter.title_origin)
    paragraphs = [letter.sign_off, *([letter.summary] if letter.summary else [])]
    for section in letter.sections:
        note(section.heading_origin)
        paragraphs.extend(section.paragraphs)
    for paragraph in paragraphs:
        for run in paragraph.runs:
            note(run.origin)
            for included in run.includes:
                note(included)
    return tuple((clause, variant, digest) for (clause, variant), digest in sorted(seen.items()))


def clause_set_hash(uses: Sequence[tuple[str, str, str]]) -> str:
    """The hash a set of clause uses is kept under: of each clause, variant and wording hash."""
    return sha256("".join(f"{c}\0{v}\0{d}\n" for c, v, d in uses).encode("utf-8"))
