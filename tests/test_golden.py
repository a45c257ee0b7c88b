"""Golden tests: the example case files render the published decisions word for word."""

from __future__ import annotations

import difflib

import pytest

from letters.clauses import Library
from letters.compose import compose
from letters.loading import load_case
from letters.render import render
from tests.conftest import EXAMPLES, GOLDEN, letter_lines, normalise

SEEDS = [
    ("cpc-report-defamation", "000_6161635a037e9874"),
    ("case-records-misrepresented", "004_3e05bb1cd35a3bdd"),
]
DECISIONS = [
    (path.stem, path.stem)
    for path in sorted(GOLDEN.glob("*.txt"))
    if not path.stem[:3].isdigit()
]
GOLDEN_PAIRS = SEEDS + DECISIONS


@pytest.mark.parametrize(("example", "reference"), GOLDEN_PAIRS)
def test_example_renders_the_published_decision(
    library: Library, example: str, reference: str
) -> None:
    docx = render(compose(load_case(EXAMPLES / f"{example}.json"), library))
    letter = normalise(letter_lines(docx))
    expected = normalise((GOLDEN / f"{reference}.txt").read_text(encoding="utf-8").splitlines())

    assert expected[0] in letter, f"the reference's first line is not in the letter: {expected[0]}"
    body = letter[letter.index(expected[0]) :]
    diff = "\n".join(difflib.unified_diff(expected, body, "reference", "letter", lineterm=""))
    assert body == expected, f"the letter differs from {reference}.txt:\n{diff}"


def test_every_published_decision_has_an_example() -> None:
    assert len(DECISIONS) == 7
    for example, _ in DECISIONS:
        assert (EXAMPLES / f"{example}.json").exists(), example
