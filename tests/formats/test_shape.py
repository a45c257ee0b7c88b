"""One shape, every format: a letter's .docx, plain text and Markdown hold the same lines in the
same order, for every example. Only each format's own marks differ: the numbers and list labels
Word draws itself (paragraph numbering, "a)" items), and Markdown's markup."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from letters.composition import Letter, compose
from letters.formats import markdown, plain_text
from letters.library import Library
from letters.loading import load_case
from letters.word import render
from tests.conftest import EXAMPLES, letter_lines

pytestmark = pytest.mark.golden  # the live library's letters

ALL = sorted(EXAMPLES.glob("*.json"))
_NUMBER = re.compile(r"^(\d+\.|[a-z]\)|[ivx]+\)|[•◦▪-]) ")  # a paragraph's number, an item's label
_MARKUP = re.compile(r"^#+ |\*\*|(?<!\\)\*")
_ESCAPE = re.compile(r"\\([\\`*_\[\]<|~#>+.-])")


def _lines(text: list[str]) -> list[str]:
    return [line for line in (re.sub(r"\s+", " ", line).strip() for line in text) if line]


def docx_lines(letter: Letter) -> list[str]:
    return _lines(letter_lines(render(letter)))


def text_lines(letter: Letter) -> list[str]:
    return [_NUMBER.sub("", line) for line in _lines(plain_text(letter).splitlines())]


def markdown_lines(letter: Letter) -> list[str]:
    lines = _lines(markdown(letter).splitlines())
    return [_ESCAPE.sub(r"\1", _MARKUP.sub("", _NUMBER.sub("", line))) for line in lines]


@pytest.mark.parametrize("path", ALL, ids=lambda path: path.stem)
def test_every_format_holds_the_same_lines_in_the_same_order(
    live_library: Library, path: Path
) -> None:
    letter = compose(load_case(path), live_library)
    docx = docx_lines(letter)
    assert text_lines(letter) == docx
    assert markdown_lines(letter) == docx


def test_a_line_missing_from_one_format_is_seen(live_library: Library) -> None:
    letter = compose(load_case(EXAMPLES / "cpc-report-defamation.json"), live_library)
    assert text_lines(letter)[1:] != docx_lines(letter)
