"""Golden tests: the example case files render the published decisions word for word."""

from __future__ import annotations

import difflib
import json

import pytest

from letters.composition import compose
from letters.library import Library
from letters.loading import load_case, parse_case
from letters.rendering import render
from tests.conftest import EXAMPLES, GOLDEN, letter_lines, normalise

pytestmark = pytest.mark.golden

SEEDS = [
    ("cpc-report-defamation", "000_6161635a037e9874"),
    ("case-records-misrepresented", "004_3e05bb1cd35a3bdd"),
]
DECISIONS = [
    (path.stem, path.stem) for path in sorted(GOLDEN.glob("*.txt")) if not path.stem[:3].isdigit()
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


@pytest.mark.parametrize(
    ("name", "pronouns", "expected"),
    [
        (
            "Mr X",
            "he",
            "If Mr X believes the report contains false information about him, he may wish to pursue "
            "his right to rectification under data protection law. It is open to him to approach",
        ),
        (
            "Mx X",
            "they",
            "If Mx X believes the report contains false information about them, they may wish to "
            "pursue their right to rectification under data protection law. It is open to them to "
            "approach",
        ),
    ],
)
def test_switching_the_complainant_inflects_the_whole_letter(
    library: Library, name: str, pronouns: str, expected: str
) -> None:
    data = json.loads((EXAMPLES / "cpc-report-defamation.json").read_text(encoding="utf-8"))
    data["complainant"] = {"name": name, "pronouns": pronouns}
    letter = [p.text for p in compose(parse_case(data), library).paragraphs]
    assert letter[7].startswith(expected)
    assert letter[6].startswith(f"The Ombudsman will not investigate {name}’s complaint")
    assert (
        letter[-1]
        == f"We will not investigate {name}’s complaint because we would achieve nothing significant by doing so."
    )


CONSTRUCTED = GOLDEN / "constructed"
"""Reference texts of the project's own constructed examples (each file says so in its header):
investigation decisions made from facts only. They are not published decisions."""


def _constructed_case(name: str) -> dict[str, object]:
    """The case of a constructed reference: its example, and for a ``-draft`` reference the
    same case file sent as the draft decision: only its stage changes."""
    example = name.removesuffix("-draft")
    data: dict[str, object] = json.loads((EXAMPLES / f"{example}.json").read_text("utf-8"))
    if name.endswith("-draft"):
        assert data["stage"] == "final"
        data["stage"] = "draft"
    return data


@pytest.mark.parametrize(
    "name", sorted(path.stem for path in CONSTRUCTED.glob("*.txt")), ids=lambda name: name
)
def test_constructed_investigation_example_renders_its_reference(
    library: Library, name: str
) -> None:
    reference = (CONSTRUCTED / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    assert reference[0].startswith("# A constructed example"), "the header says what it is"
    expected = normalise([line for line in reference if not line.startswith("#")])
    data = _constructed_case(name)
    assert "clause" not in json.dumps(data), "facts only: no clause ids"
    letter = normalise(letter_lines(render(compose(parse_case(data, source=name), library))))
    diff = "\n".join(difflib.unified_diff(expected, letter, "reference", "letter", lineterm=""))
    assert letter == expected, f"the letter differs from constructed/{name}.txt:\n{diff}"


def test_constructed_examples_cover_upheld_with_three_remedies_and_not_upheld() -> None:
    upheld = json.loads((EXAMPLES / "upheld-care-assessment-delay.json").read_text("utf-8"))
    kinds = {remedy["kind"] for remedy in upheld["facts"]["remedies"]}
    assert upheld["decision"] == "Upheld"
    assert {"apology", "payment", "procedural-change"} <= kinds
    not_upheld = json.loads((EXAMPLES / "not-upheld-parking-permit.json").read_text("utf-8"))
    assert not_upheld["decision"] == "Not upheld"
    assert "remedies" not in not_upheld["facts"]
