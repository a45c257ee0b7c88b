"""An outline's section written as a mapping: how its paragraphs are numbered (``numbering``)
and its ``items``; a section of no items is only a heading. Each problem at its line."""

from __future__ import annotations

import pytest

from letters.outline import parse_outline
from letters.problems import LettersError


def test_a_section_says_its_numbering_beside_sections_written_as_lists() -> None:
    outline = parse_outline(
        "title: T\nsections:\n"
        "  approach:\n    numbering: none\n    items: [approach/how]\n"
        "  findings: [findings/one]\n"
        "  orders:\n    numbering: letters\n    items:\n      - text\n",
        name="t",
        path="t.yaml",
    )
    assert outline.numbering == (("approach", "none"), ("orders", "letters"))
    assert [
        (name, line, [item.clause for item in items]) for name, line, items in outline.sections
    ] == [
        ("approach", 3, ["approach/how"]),
        ("findings", 6, ["findings/one"]),
        ("orders", 7, [None]),
    ]
    assert outline.headings == ()


@pytest.mark.parametrize("numbering", ["continue", "restart", "none", "letters"])
def test_each_numbering_is_read(numbering: str) -> None:
    outline = parse_outline(
        f"title: T\nsections:\n  a:\n    numbering: {numbering}\n    items: [x]\n",
        name="t",
        path="t.yaml",
    )
    assert outline.numbering == (("a", numbering),)


def test_a_section_written_with_no_items_is_only_a_heading() -> None:
    outline = parse_outline(
        "title: T\nsections:\n  report: []\n  findings:\n    items: []\n  orders: [x]\n",
        name="t",
        path="t.yaml",
    )
    assert outline.headings == ("report", "findings")
    assert outline.as_json()["headings"] == ["report", "findings"]


@pytest.mark.parametrize(
    ("sections", "problems"),
    [
        (
            "  a:\n    numbering: roman\n    items: [x]\n",
            ["line 4: section 'a': 'numbering' must be one of continue, restart, none, letters"],
        ),
        (
            "  a:\n    numbering: true\n    items: [x]\n",
            ["line 4: section 'a': 'numbering' must be one of continue, restart, none, letters"],
        ),
        (
            "  a:\n    numbering: none\n",
            [
                "line 3: section 'a' needs 'items': its paragraphs ([] for a section that is "
                "only a heading)"
            ],
        ),
        (
            "  a:\n    items: [x]\n    numbred: none\n",
            ["line 5: unknown key 'numbred' in section 'a' (expected: numbering, items, sections)"],
        ),
        (
            "  a:\n    numbering: none\n    items: x\n",
            ["line 5: section 'a' must list its paragraphs"],
        ),
        (
            "  a:\n    items:\n      - 5\n",
            ["line 5: expected a clause id, 'text', or a clause with 'when', 'variant', 'params'"],
        ),
    ],
    ids=[
        "unknown-numbering",
        "yes-no-numbering",
        "no-items",
        "unknown-key",
        "items-not-a-list",
        "bad-item",
    ],
)
def test_a_wrong_section_is_said_at_its_line(sections: str, problems: list[str]) -> None:
    with pytest.raises(LettersError) as raised:
        parse_outline(f"title: T\nsections:\n{sections}", name="t", path="t.yaml")
    assert [
        f"line {problem.location.line}: {problem.message}" for problem in raised.value.problems
    ] == problems
