"""A letter whose outline numbers its sections differently (unnumbered, continuing, lettered,
restarted) prints the same labels in plain text, Markdown and the .docx: Word numbers the
paragraphs its own count gives, and the stock template prints every other label as text."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from letters.composition import Letter, compose
from letters.formats import markdown, plain_text
from letters.library import Library
from letters.model import Case, Complaint, Person, Pronouns
from letters.word import render
from tests.conftest import FIXTURE_LIBRARY, W, document_xml, letter_lines

OUTLINE = """\
title: A housing report
sections:
  report: []
  approach:
    numbering: none
    items: [approach/1, approach/2]
  findings: [findings/1, findings/2]
  orders:
    numbering: letters
    items: [orders/1, orders/2]
  more:
    numbering: restart
    items: [more/1]
"""


def report_library(folder: Path) -> Path:
    """The fixture library copied into ``folder``, with the sections and outline above."""
    shutil.copytree(FIXTURE_LIBRARY, folder)
    for section in ("report", "approach", "findings", "orders", "more"):
        (folder / "headings" / f"{section}.txt").write_text(
            f"---\ntitle: h\n---\n{section.title()}\n", encoding="utf-8"
        )
        (folder / section).mkdir(exist_ok=True)
        for number in (1, 2):
            (folder / section / f"{number}.txt").write_text(
                f"---\ntitle: t\n---\n{section.title()} paragraph {number}.\n", encoding="utf-8"
            )
    (folder / "outlines" / "report.yaml").write_text(OUTLINE, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def letter(tmp_path_factory: pytest.TempPathFactory) -> Letter:
    folder = report_library(tmp_path_factory.mktemp("library") / "library")
    case = Case(
        complainant=Person("Ms A", Pronouns.SHE),
        complaint=Complaint(about="repairs"),
        outline="report",
    )
    return compose(case, Library.load(Path(folder)))


BODY = [
    "Report",
    "Approach",
    "Approach paragraph 1.",
    "Approach paragraph 2.",
    "Findings",
    "1. Findings paragraph 1.",
    "2. Findings paragraph 2.",
    "Orders",
    "a. Orders paragraph 1.",
    "b. Orders paragraph 2.",
    "More",
    "1. More paragraph 1.",
]


def _body(lines: list[str]) -> list[str]:
    found = [re.sub(r"\s+", " ", line).strip() for line in lines]
    found = [line for line in found if line]
    return found[found.index("Report") : found.index("More") + 2]


def test_plain_text_prints_each_sections_labels(letter: Letter) -> None:
    assert _body(plain_text(letter).splitlines()) == BODY


def test_markdown_prints_the_same_labels(letter: Letter) -> None:
    lines = [re.sub(r"^#+ ", "", line) for line in markdown(letter).splitlines()]
    assert _body(lines) == BODY


def test_the_docx_holds_the_same_lines_word_numbering_the_continuing_paragraphs(
    letter: Letter,
) -> None:
    docx = render(letter)
    word_numbered = {"1. Findings paragraph 1.", "2. Findings paragraph 2."}
    assert _body(letter_lines(docx)) == [
        line.split(" ", 1)[1] if line in word_numbered else line for line in BODY
    ]
    styles = {
        "".join(t.text or "" for t in paragraph.iter(W + "t")): style.get(W + "val")
        for paragraph in document_xml(docx).iter(W + "p")
        for style in paragraph.iter(W + "pStyle")
    }
    assert styles["Findings paragraph 1."] == "NumberedParagraph"
    assert styles["Approach paragraph 1."] == "Paragraph"
    assert styles["a.Orders paragraph 1."] == "LabelledParagraph"
    assert styles["1.More paragraph 1."] == "LabelledParagraph"
