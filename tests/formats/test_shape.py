"""One shape, every format: a letter's .docx, plain text, Markdown and the preview's page hold the
same lines in the same order, for every example. Only each format's own marks differ: the numbers
and list labels Word and the browser draw themselves (paragraph numbering, "a)" items),
Markdown's markup, and the preview's notes of where each passage came from."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import lxml.html
import pytest

from letters.composition import Letter, compose
from letters.formats import markdown, plain_text
from letters.library import Library
from letters.loading import load_case
from letters.provenance import provenance_of
from letters.web.preview_pages import page
from letters.web.preview_views import letter_blocks
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


def preview_lines(letter: Letter) -> list[str]:
    """The lines of the preview's page of a letter as a browser shows them: each block and
    each item of a list a line, the notes of origin (shown beside, on demand) left out."""
    html = page("letter_body.html", problem=None, blocks=letter_blocks(provenance_of(letter)))
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for note in root.xpath('//*[contains(concat(" ", @class, " "), " origin ")]'):
        note.drop_tree()
    for item in root.xpath("//li/ol | //li/ul"):  # a list in a paragraph: its items are lines
        item.addprevious(lxml.html.fromstring("<br>"))
    for br in root.xpath("//br"):
        br.tail = "\n" + (br.tail or "")
    blocks = root.xpath("//p | //h1 | //h2 | //h3 | //h4 | //h5 | //h6 | //li")
    text: list[str] = []
    for block in blocks:
        own = copy.deepcopy(block)
        for inner in own.xpath(".//li | .//ol | .//ul"):
            inner.drop_tree()
        text += own.text_content().split("\n")
    return _lines(text)


@pytest.mark.parametrize("path", ALL, ids=lambda path: path.stem)
def test_every_format_holds_the_same_lines_in_the_same_order(
    live_library: Library, path: Path
) -> None:
    letter = compose(load_case(path), live_library)
    docx = docx_lines(letter)
    assert text_lines(letter) == docx
    assert markdown_lines(letter) == docx
    assert preview_lines(letter) == docx


def test_a_line_missing_from_one_format_is_seen(live_library: Library) -> None:
    letter = compose(load_case(EXAMPLES / "cpc-report-defamation.json"), live_library)
    assert text_lines(letter)[1:] != docx_lines(letter)
    assert preview_lines(letter)[1:] != docx_lines(letter)
