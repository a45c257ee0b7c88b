"""Plain text and Markdown: the same letter, for case systems and review."""

from __future__ import annotations

import re

import pytest

from letters.composition import compose
from letters.formats.text import escape, markdown, plain_text
from letters.library import Library
from letters.loading import load_case
from tests.conftest import EXAMPLES, GOLDEN, normalise
from tests.test_golden import GOLDEN_PAIRS


@pytest.mark.parametrize(("example", "reference"), GOLDEN_PAIRS)
def test_plain_text_reads_as_the_published_decision(
    live_library: Library, example: str, reference: str
) -> None:
    text = plain_text(compose(load_case(EXAMPLES / f"{example}.json"), live_library))
    lines = [re.sub(r"^\d+\. ", "", line) for line in text.splitlines()]
    expected = normalise((GOLDEN / f"{reference}.txt").read_text(encoding="utf-8").splitlines())
    letter = normalise(lines)
    assert letter[letter.index(expected[0]) :] == expected


def test_plain_text_numbers_paragraphs_across_sections(live_library: Library) -> None:
    text = plain_text(compose(load_case(EXAMPLES / "cpc-report-defamation.json"), live_library))
    numbers = [int(m) for m in re.findall(r"^(\d+)\. ", text, re.MULTILINE)]
    assert numbers == list(range(1, 10))
    assert "\n\nThe complaint\n\n1. The complainant, Mrs X" in text


def test_markdown_has_headings_and_numbered_paragraphs(live_library: Library) -> None:
    text = markdown(
        compose(load_case(EXAMPLES / "stratford-asb-no-evidence-of-fault.json"), live_library)
    )
    assert "# The Ombudsman's final decision" in text.splitlines()  # a mirror copy's title
    assert "## The complaint" in text.splitlines()
    assert "\n\n2. We investigate complaints" in text
    assert "person who complained.  \n   (Local Government Act 1974" in text
    assert text.rstrip().endswith("*Investigator's decision on behalf of the Ombudsman*")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("*bold* _it_ `code` [link](x) <b>", r"\*bold\* \_it\_ \`code\` \[link\](x) \<b>"),
        ("# not a heading", r"\# not a heading"),
        ("1. not a list", r"1\. not a list"),
        ("A > B & C &amp;", r"A > B & C \&amp;"),
    ],
)
def test_markdown_escapes_what_would_be_markup(text: str, shown: str) -> None:
    assert escape(text) == shown
