"""The outline format: an outline file read into its sections and items, each problem at its line."""

from __future__ import annotations

import pytest

from letters.outline import parse_outline
from letters.problems import LettersError


@pytest.mark.parametrize(
    ("outline", "problems"),
    [
        (
            "- a\n",
            [
                "line 1: an outline is lines of 'name: value' (title, when, summary, sections, header, "
                "heading, sign_off)"
            ],
        ),
        (
            "sections: {a: [x]}\n",
            ["line 1: the outline needs a 'title': what kind of decision it plans"],
        ),
        (
            "title: T\nnumbered: maybe\nsections: {a: [x]}\n",
            ["line 2: 'numbered' must be true or false"],
        ),
        (
            "title: T\nneeds: late\nsections: {a: [x]}\n",
            ["line 2: 'needs' must list the facts a case of this kind must give"],
        ),
        (
            "title: T\nsections: []\n",
            ["line 2: the outline needs 'sections': each section's name and its paragraphs"],
        ),
        (
            "title: T\nsections: {a: x}\n",
            ["line 2: section 'a' must list its paragraphs"],
        ),
        (
            "title: T\nwhen: 5\nsections: {a: [x]}\n",
            ["line 2: 'when' must be a condition, such as facts.defamation or 'late' in reasons"],
        ),
        (
            "title: T\nsummary: x\nsections: {a: [x]}\n",
            ["line 2: expected a list of clauses"],
        ),
        (
            "title: T\nsummary:\n  - join: [a, b]\nsections: {a: [x]}\n",
            ["line 3: the Summary is one paragraph already: list its clauses without 'join'"],
        ),
        (
            "title: T\nsections:\n  a:\n    - 5\n",
            ["line 4: expected a clause id, 'text', or a clause with 'when', 'variant', 'params'"],
        ),
        (
            "title: T\nsections:\n  a:\n    - params: {x: 1}\n",
            ["line 4: expected 'clause': the id of a clause"],
        ),
        (
            "title: T\nsections:\n  a:\n    - clause: b\n      params: [x]\n",
            ["line 5: 'params' must give each parameter as 'name: value'"],
        ),
        (
            "title: T\nsections:\n  a:\n    - text: 0\n",
            [
                "line 4: 'text' takes the number of one of the caseworker's paragraphs (1 for the first) or 'last'"
            ],
        ),
        (
            "title: T\nsections:\n  a:\n    - clause: b\n      colour: red\n",
            [
                "line 5: unknown key 'colour' (expected: clause, when, variant, params, join, text, group, otherwise)"
            ],
        ),
        (
            "title: T\nsections:\n  a:\n    - when: facts.x\n      group: [b]\n      clause: c\n",
            ["line 6: a group takes 'when', 'group' and 'otherwise', not 'clause'"],
        ),
        (
            "title: T\nsections:\n  a:\n    - group: [b]\n",
            ["line 4: a group needs 'when': the condition its items share"],
        ),
        (
            "title: T\nsections:\n  a:\n    - when: '('\n      group: [b]\n",
            [
                "line 4: the condition '(' is not an expression: unexpected '}', expected ')'",
                "line 4: a group needs 'when': the condition its items share",
            ],
        ),
        (
            "title: T\nsections:\n  a:\n    - when: facts.x\n      otherwise: [b]\n",
            ["line 4: 'otherwise' goes with 'group': the items for when the condition holds"],
        ),
    ],
)
def test_every_problem_of_an_outline_is_said_at_its_line(outline: str, problems: list[str]) -> None:
    with pytest.raises(LettersError) as raised:
        parse_outline(outline, name="o", path="o.yaml")
    assert [str(problem).replace("o.yaml: ", "") for problem in raised.value.problems] == problems


def test_a_groups_items_share_its_condition_and_its_otherwise_the_negation() -> None:
    outline = parse_outline(
        "title: T\n"
        "sections:\n"
        "  a:\n"
        "    - when: facts.x\n"
        "      group:\n"
        "        - clause: b\n"
        "          when: facts.y\n"
        "      otherwise: [c]\n",
        name="o",
        path="o.yaml",
    )
    ((_, _, (inside, outside)),) = outline.sections
    assert inside.when is not None and outside.when is not None
    assert inside.when.source == "(facts.x) and (facts.y)"
    assert [(part.source, part.line) for part in inside.when.parts()] == [
        ("facts.x", 4),
        ("facts.y", 7),
    ]
    assert outside.when.source == "not (facts.x)"
    assert outside.clause == "c"
