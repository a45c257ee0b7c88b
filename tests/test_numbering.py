"""Numbering per section: each paragraph's label, worked out once in composition, by its
section's numbering (continue, restart, none, letters); and a section that is only a heading."""

from __future__ import annotations

import pytest

from letters.composition import Letter, compose
from letters.library import Library
from letters.model import Case, Complaint, Person, Pronouns
from letters.outline import parse_outline
from tests.conftest import library_of

CLAUSES = {
    f"{section}__{number}": f"---\ntitle: t\n---\n{section.title()} paragraph {number}.\n"
    for section in ("approach", "findings", "orders", "more")
    for number in (1, 2)
}
HEADINGS = {
    f"headings__{section}": f"---\ntitle: h\n---\n{section.title()}\n"
    for section in ("approach", "findings", "orders", "more", "report")
}


def _library(outline: str) -> Library:
    library = library_of(**CLAUSES, **HEADINGS)
    return Library(
        dict(library.clauses),
        outlines={"report": parse_outline(outline, name="report", path="report.yaml")},
    )


def _case(**given: object) -> Case:
    return Case(
        complainant=Person("Ms A", Pronouns.SHE),
        complaint=Complaint(about="repairs"),
        outline="report",
        **given,  # type: ignore[arg-type]
    )


def _section(name: str, numbering: str | None) -> str:
    items = f"[{name}/1, {name}/2]"
    if numbering is None:
        return f"  {name}: {items}\n"
    return f"  {name}:\n    numbering: {numbering}\n    items: {items}\n"


def _labels(letter: Letter) -> dict[str, list[str]]:
    return {
        section.id: [paragraph.label for paragraph in section.paragraphs]
        for section in letter.sections
    }


@pytest.mark.parametrize(
    ("numberings", "labels"),
    [
        (
            (None, None, None, None),
            [["1.", "2."], ["3.", "4."], ["5.", "6."], ["7.", "8."]],
        ),
        (
            ("continue", "restart", "continue", "restart"),
            [["1.", "2."], ["1.", "2."], ["3.", "4."], ["1.", "2."]],
        ),
        (
            ("none", "continue", "none", "continue"),
            [["", ""], ["1.", "2."], ["", ""], ["3.", "4."]],
        ),
        (
            ("none", None, "letters", "letters"),
            [["", ""], ["1.", "2."], ["a.", "b."], ["a.", "b."]],
        ),
        (
            ("letters", "continue", "letters", "restart"),
            [["a.", "b."], ["1.", "2."], ["a.", "b."], ["1.", "2."]],
        ),
    ],
    ids=["continue-by-default", "restart", "none-leaves-the-count", "letters", "mixed"],
)
def test_each_paragraph_is_labelled_by_its_sections_numbering(
    numberings: tuple[str | None, ...], labels: list[list[str]]
) -> None:
    sections = "".join(
        _section(name, numbering)
        for name, numbering in zip(
            ("approach", "findings", "orders", "more"), numberings, strict=True
        )
    )
    letter = compose(_case(), _library(f"title: R\nsections:\n{sections}"))
    assert list(_labels(letter).values()) == labels


def test_a_numbered_section_goes_on_from_where_the_count_stood_before_an_unnumbered_one() -> None:
    outline = "title: R\nsections:\n" + "".join(
        (_section("findings", None), _section("approach", "none"), _section("orders", None))
    )
    letter = compose(_case(), _library(outline))
    assert _labels(letter) == {
        "findings": ["1.", "2."],
        "approach": ["", ""],
        "orders": ["3.", "4."],
    }


def test_an_outline_not_numbered_leaves_unnumbered_the_sections_that_do_not_say() -> None:
    outline = "title: R\nnumbered: false\nsections:\n" + "".join(
        (_section("approach", None), _section("orders", "letters"))
    )
    letter = compose(_case(), _library(outline))
    assert _labels(letter) == {"approach": ["", ""], "orders": ["a.", "b."]}
    assert [section.numbering for section in letter.sections] == ["none", "letters"]


def test_a_case_that_asks_for_no_numbers_has_none_in_any_section() -> None:
    outline = "title: R\nsections:\n" + "".join(
        (_section("approach", "restart"), _section("orders", "letters"))
    )
    letter = compose(_case(numbered=False), _library(outline))
    assert _labels(letter) == {"approach": ["", ""], "orders": ["", ""]}


@pytest.mark.parametrize("written", ["  report: []\n", "  report:\n    items: []\n"])
def test_a_section_of_no_items_is_kept_as_a_heading_over_the_sections_after_it(
    written: str,
) -> None:
    outline = f"title: R\nsections:\n{written}" + _section("findings", None)
    letter = compose(_case(), _library(outline))
    assert [(section.heading, len(section.paragraphs)) for section in letter.sections] == [
        ("Report", 0),
        ("Findings", 2),
    ]
    assert _labels(letter)["findings"] == ["1.", "2."]


def test_a_section_whose_items_place_nothing_for_the_case_still_goes() -> None:
    outline = (
        "title: R\nsections:\n  approach:\n    - clause: approach/1\n      when: 'false'\n"
        + _section("findings", None)
    )
    letter = compose(_case(), _library(outline))
    assert [section.id for section in letter.sections] == ["findings"]
