"""The facts a library declares: ``facts.yaml`` read into declarations, each problem at its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from letters.facts import FactDeclaration, read_declarations, with_variant_choices
from letters.problems import LettersError


def _read(tmp_path: Path, text: str) -> tuple[list[str], list[str]]:
    path = tmp_path / "facts.yaml"
    path.write_text(text, encoding="utf-8")
    declarations, problems = read_declarations(path)
    return sorted(declarations), [str(problem).replace(f"{path}: ", "") for problem in problems]


@pytest.mark.parametrize(
    ("declared", "read", "problems"),
    [
        (
            "x: text\n",
            [],
            [
                "line 1: fact 'x' needs 'kind' (text, yes/no, date, choice, list, person, money, deadline, records) and 'about'"
            ],
        ),
        (
            "x:\n  kind: number\n  about: y\n",
            [],
            [
                "line 2: fact 'x': kind 'number' is not one of text, yes/no, date, choice, list, person, money, deadline, records"
            ],
        ),
        (
            "x:\n  kind: text\n",
            [],
            ["line 1: fact 'x' needs 'about': what it means"],
        ),
        (
            "x:\n  kind: choice\n  about: y\n  choices: a\n",
            [],
            ["line 1: fact 'x' is a choice: list its 'choices'"],
        ),
        (
            "x:\n  about: y\n  colour: red\n",
            ["x"],
            [
                "line 3: fact 'x': unknown key 'colour' (expected: kind, about, required, choices, kinds, fields, worded_by, default, runs_from)"
            ],
        ),
        (
            "body:\n  about: x\n",
            [],
            ["line 1: fact 'body' is one every case has already; choose another name"],
        ),
        (
            "1x:\n  about: x\n",
            [],
            [
                "line 1: the fact name '1x' cannot be used: a fact's name is letters, digits and _, starting with a letter, and not a word conditions keep (True, None, not, and, or ...)"
            ],
        ),
        (
            "r:\n  kind: records\n  about: x\n  kinds: {a: {about: y}}\n  fields: [a]\n",
            [],
            ["line 1: fact 'r': 'fields' must give each field as 'name:' with its kind"],
        ),
        (
            "r:\n  kind: records\n  about: x\n  kinds: {a: {about: y}}\n  worded_by: ''\n",
            [],
            ["line 5: fact 'r': 'worded_by' must name a folder of clauses"],
        ),
        (
            "r:\n  kind: records\n  about: x\n  kinds: {a: {about: y}}\n  fields:\n    n: {about: z, colour: red}\n",
            [],
            [
                "line 6: fact 'r': field 'n': unknown key 'colour' (expected: kind, about, required, choices)"
            ],
        ),
        (
            "r:\n  kind: records\n  about: x\n  kinds: {a: {about: y}}\n  fields:\n    n: z\n",
            [],
            ["line 6: fact 'r': field 'n' needs 'kind' and 'about'"],
        ),
        (
            "r:\n  kind: records\n  about: x\n  kinds: {a: {about: y}}\n  fields:\n    1n: {about: z}\n",
            [],
            [
                "line 6: fact 'r': the field name '1n' cannot be used: a field's name is letters, digits and _, starting with a letter, and not a word conditions keep (True, None, not, and, or ...)"
            ],
        ),
        (
            "r:\n  kind: records\n  about: x\n  kinds: {a: {about: y}}\n  fields:\n    n: {kind: choice, about: z}\n",
            [],
            ["line 6: fact 'r': field 'n' is a choice: list its 'choices'"],
        ),
        (
            "r:\n  kind: records\n  about: x\n  kinds: {a: {about: y, colour: red}}\n",
            [],
            ["line 4: fact 'r': kind 'a': unknown key 'colour' (expected: about, needs)"],
        ),
    ],
)
def test_a_wrong_declaration_is_said_at_its_line_and_the_rest_are_read(
    tmp_path: Path, declared: str, read: list[str], problems: list[str]
) -> None:
    assert _read(tmp_path, declared) == (read, problems)


def test_a_fact_declared_with_what_it_means_is_text_that_a_case_may_give(tmp_path: Path) -> None:
    path = tmp_path / "facts.yaml"
    path.write_text("late:\n  about: ' the complaint came late '\n", encoding="utf-8")
    declarations, problems = read_declarations(path)
    assert problems == []
    late = declarations["late"]
    assert (late.kind, late.about, late.required, late.line) == (
        "text",
        "the complaint came late",
        False,
        1,
    )


def test_a_choice_fact_without_choices_takes_the_variants_of_the_clauses_it_picks() -> None:
    declared = {"tone": FactDeclaration("tone", "choice", "the tone", line=3)}
    picks = {"tone": {"a/x": ("firm", "kind"), "a/y": ("kind", "brief")}}
    facts, problems = with_variant_choices(declared, picks, "facts.yaml")
    assert problems == []
    assert facts["tone"].choices == ("firm", "kind", "brief")
    assert facts["tone"].variants_of == ("a/x", "a/y")


def test_a_choice_fact_with_neither_choices_nor_clauses_is_a_problem_at_its_line() -> None:
    declared = {"tone": FactDeclaration("tone", "choice", "the tone", line=3)}
    facts, problems = with_variant_choices(declared, {}, "facts.yaml")
    assert facts == {}
    assert [str(problem) for problem in problems] == [
        "facts.yaml: line 3: fact 'tone' is a choice: list its 'choices', or let an outline "
        "pick a clause's wording with it (variant: {fact: tone}), whose variants are then its "
        "choices"
    ]
    assert all(isinstance(problem, LettersError) for problem in problems)
