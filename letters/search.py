"""Finding wording: which clause, and which of its variants, holds a sentence.

The search ignores how lines are wrapped, curly or straight quotes and apostrophes, and case, and
shows the sentence that matched. With a case, it searches the wording as filled for that case,
so a sentence copied from a letter finds its clause.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from attrs import frozen

from letters.composition import compose_clause
from letters.library import Clause, Library, Variant
from letters.model import Case, ClauseUse
from letters.problems import LettersError

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z‘“'\"(])")


def normalised(text: str) -> str:
    """Text as the search compares it: straight quotes, one space, lower case."""
    return " ".join(text.translate(_QUOTES).split()).casefold()


@frozen
class Match:
    """A clause variant whose wording holds the text searched for, and the sentence it is in."""

    clause: str
    variant: str
    file: str
    line: int
    sentence: str

    def as_json(self) -> dict[str, Any]:
        return {
            "clause": self.clause,
            "variant": self.variant,
            "file": self.file,
            "line": self.line,
            "sentence": self.sentence,
        }

    def __str__(self) -> str:
        return f"{self.clause} ({self.variant}), {self.file} line {self.line}: {self.sentence}"


def find_wording(library: Library, text: str, case: Case | None = None) -> list[Match]:
    """Every clause variant whose wording holds ``text``; with a case, as filled for it."""
    wanted = normalised(text)
    if not wanted:
        return []
    found = []
    for clause in library:
        for variant in clause.variants:
            wording = _wording(library, clause, variant, case)
            if wording is None:
                continue
            sentence = _sentence(wording, wanted)
            if sentence is not None:
                found.append(Match(clause.id, variant.name, clause.path, variant.line, sentence))
    return found


def _wording(library: Library, clause: Clause, variant: Variant, case: Case | None) -> str | None:
    if case is None:
        return " ".join(variant.text.split())
    try:
        paragraphs = compose_clause(case, library, ClauseUse(clause.id, variant.name))
    except LettersError:
        return None  # a clause this case cannot fill (a parameter it lacks): not its wording
    return " ".join(paragraph.text for paragraph in paragraphs)


def _sentence(wording: str, wanted: str) -> str | None:
    if wanted not in normalised(wording):
        return None
    for sentence in _sentences(wording):
        if wanted in normalised(sentence):
            return sentence
    return " ".join(wording.split())  # the text runs across sentences: show it all


def _sentences(wording: str) -> Iterator[str]:
    yield from (" ".join(part.split()) for part in _SENTENCE.split(" ".join(wording.split())))
