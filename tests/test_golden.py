"""Golden tests: the example case files render the published decisions word for word.

Each reference decision is a text file of ``tests/golden/``; its case file is the ``.json`` of
the same name beside it, or else the example of that name in ``examples/``. A new reference
decision is added by dropping the two files in: nothing here lists or counts them.

Word for word means word for word, as strictly as shared/tools/seedcheck.py: curly quotes,
colons, the space in "Category : x" and punctuation are compared as published. A mirror copy
that lacks the header lines and the title's colon is a publication form its case names with a
fact ("published_as": "mirror"), never a note here. The only rules of layout are white space
(runs of it are one space) and the ``- `` that marks a numbered paragraph; lines starting
``# `` are notes.
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

import pytest

from letters.composition import compose
from letters.library import Library
from letters.loading import load_case, parse_case
from letters.word import render
from tests.conftest import EXAMPLES, GOLDEN, letter_lines

pytestmark = pytest.mark.golden

NOTE = "# "


def case_of(reference: Path) -> Path:
    """The case file of a reference decision: beside it, or the example of its name."""
    beside = reference.with_suffix(".json")
    return beside if beside.exists() else EXAMPLES / f"{reference.stem}.json"


REFERENCES = sorted(GOLDEN.glob("*.txt"))
GOLDEN_PAIRS = [(path.stem, path.stem) for path in REFERENCES if case_of(path).parent == EXAMPLES]
"""The references whose case is an example: (example, reference), for the tests of other
formats (text, PDF)."""
SEEDS = [("cpc-report-defamation",) * 2, ("case-records-misrepresented",) * 2]
"""The two first seeds, which other tests render over HTTP and trace to their clauses."""


def as_published(lines: list[str]) -> list[str]:
    """Lines as compared: notes left out, white space as one space, the numbered paragraph's
    ``- `` marker gone; quotes, colons and the spaces before them as they are."""
    out = []
    for line in lines:
        if line.startswith(NOTE):
            continue
        line = re.sub(r"\s+", " ", line).strip()
        if line.startswith("- "):
            line = line[2:].strip()
        if line:
            out.append(line)
    return out


def reference_lines(reference: Path) -> list[str]:
    """A reference decision's lines as compared, its notes left out."""
    return as_published(reference.read_text(encoding="utf-8").splitlines())


def accepted(reference: Path, expected: list[str], letter: list[str], update: bool) -> bool:
    """With ``--update-references``, a reference that differs from its letter is rewritten
    from it (its ``# `` notes kept at the top) and the difference printed: how a library
    editor accepts a deliberate wording change, in the same pull request. False otherwise."""
    if not update or letter == expected:
        return False
    lines = reference.read_text(encoding="utf-8").splitlines()
    notes = [line for line in lines if line.startswith(NOTE)]
    reference.write_text("\n".join([*notes, *letter]) + "\n", encoding="utf-8")
    diff = "\n".join(difflib.unified_diff(expected, letter, "reference", "letter", lineterm=""))
    print(f"rewrote {reference}:\n{diff}")
    return True


@pytest.mark.parametrize("reference", REFERENCES, ids=lambda path: path.stem)
def test_example_renders_the_published_decision(
    live_library: Library, reference: Path, update_references: bool
) -> None:
    case = case_of(reference)
    assert case.exists(), f"{reference.name} has no case file ({reference.stem}.json)"
    letter = as_published(letter_lines(render(compose(load_case(case), live_library))))
    expected = reference_lines(reference)
    if accepted(reference, expected, letter, update_references):
        return

    assert expected[0] in letter, f"the reference's first line is not in the letter: {expected[0]}"
    body = letter[letter.index(expected[0]) :]
    diff = "\n".join(difflib.unified_diff(expected, body, "reference", "letter", lineterm=""))
    assert body == expected, f"the letter differs from {reference.name}:\n{diff}"


def test_a_curly_quote_a_colon_or_the_space_before_it_is_not_layout() -> None:
    assert as_published(["The Ombudsman’s role"]) != as_published(["The Ombudsman's role"])
    assert as_published(["The Ombudsman's final decision:"]) != ["The Ombudsman's final decision"]
    assert as_published(["- Category :  a  b", "# a note"]) == ["Category : a b"]


def test_a_decision_dropped_into_the_golden_folder_is_compared(
    live_library: Library, tmp_path: Path
) -> None:
    """The golden folder is read, not listed: a case file and its reference are all it takes."""
    reference = GOLDEN / "lambeth-refuse-late-complaint.txt"
    folder = tmp_path / "golden"
    folder.mkdir()
    (folder / "another.txt").write_text(reference.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "another.json").write_text(
        (EXAMPLES / "lambeth-refuse-late-complaint.json").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    found = sorted(folder.glob("*.txt"))
    assert [case_of(path).name for path in found] == ["another.json"]
    letter = as_published(letter_lines(render(compose(load_case(case_of(found[0])), live_library))))
    expected = reference_lines(found[0])
    assert letter[letter.index(expected[0]) :] == expected


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
    live_library: Library, name: str, pronouns: str, expected: str
) -> None:
    data = json.loads((EXAMPLES / "cpc-report-defamation.json").read_text(encoding="utf-8"))
    data["complainant"] = {"name": name, "pronouns": pronouns}
    letter = [p.text for p in compose(parse_case(data), live_library).paragraphs]
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
    live_library: Library, name: str, update_references: bool
) -> None:
    reference = (CONSTRUCTED / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    assert reference[0].startswith("# A constructed example"), "the header says what it is"
    expected = as_published(reference)
    data = _constructed_case(name)
    assert "clause" not in json.dumps(data), "facts only: no clause ids"
    letter = as_published(
        letter_lines(render(compose(parse_case(data, source=name), live_library)))
    )
    if accepted(CONSTRUCTED / f"{name}.txt", expected, letter, update_references):
        return
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


def test_update_references_rewrites_a_reference_keeping_its_notes(tmp_path: Path) -> None:
    reference = tmp_path / "a.txt"
    reference.write_text("# a note\nOld line\nSame\n", encoding="utf-8")
    letter = ["New line", "Same"]
    expected = reference_lines(reference)
    assert not accepted(reference, expected, letter, update=False)
    assert reference.read_text(encoding="utf-8") == "# a note\nOld line\nSame\n"
    assert accepted(reference, expected, letter, update=True)
    assert reference.read_text(encoding="utf-8") == "# a note\nNew line\nSame\n"
    assert not accepted(reference, letter, letter, update=True)  # nothing to accept
