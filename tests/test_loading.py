from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from letters import loading
from letters.facts import FactDeclaration
from letters.limits import read_bounded
from letters.loading import field_lines, load_case, parse_case, read_case_text
from letters.model import ClauseUse, Pronouns
from letters.problems import CaseError, LettersError
from tests.conftest import EXAMPLES

MINIMAL: dict[str, Any] = {
    "complainant": {"name": "Mrs X", "pronouns": "she"},
    "complaint": {"about": "about a report"},
    "sections": [{"section": "final", "paragraphs": [{"clause": "final/will-not-investigate"}]}],
}


def with_(**changes: Any) -> dict[str, Any]:
    case: dict[str, Any] = json.loads(json.dumps(MINIMAL))
    case.update(changes)
    return case


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.stem)
def test_every_example_loads(path: Path) -> None:
    complainant = load_case(path).complainant
    assert complainant is not None and complainant.name


def test_loading_reads_dates_pronouns_and_paragraph_parts() -> None:
    case = parse_case(
        with_(
            decision_date="2025-03-23",
            sections=[
                {
                    "section": "assessment",
                    "paragraphs": [
                        "Own words.",
                        {"clause": "a/b", "variant": "v", "params": {"document": "the report"}},
                        ["Own words.", {"clause": "c"}],
                    ],
                }
            ],
        )
    )
    assert case.decision_date == date(2025, 3, 23)
    assert case.complainant is not None and case.complainant.pronouns is Pronouns.SHE
    paragraphs = case.sections[0].paragraphs
    assert paragraphs[0] == ("Own words.",)
    assert paragraphs[1] == (ClauseUse("a/b", "v", {"document": "the report"}),)
    assert paragraphs[2] == ("Own words.", ClauseUse("c"))


@pytest.mark.parametrize(
    ("case", "message"),
    [
        (
            with_(complainant={"name": "Mrs X", "pronouns": "her"}),
            "case.json: complainant.pronouns: expected one of she, he, they",
        ),
        (with_(complainant="Mrs X"), "case.json: complainant: expected an object, got 'Mrs X'"),
        (with_(reference=24018696), "case.json: reference: expected text, got the number 24018696"),
        (
            with_(decision_date="23 Mar 2025"),
            "case.json: decision_date: expected a date as YYYY-MM-DD, got '23 Mar 2025'",
        ),
        (
            with_(decision_date="2025-02-30"),
            "case.json: decision_date: expected a real date as YYYY-MM-DD, got '2025-02-30' "
            "(day is out of range for month)",
        ),
        (
            with_(considered="the complainant"),
            "case.json: considered: expected a list, got 'the complainant'",
        ),
        (
            with_(sections=[{"section": "final", "paragraphs": [7]}]),
            'case.json: sections[0].paragraphs[0]: expected text, a clause such as {"clause": "..."} or a list such as {"list": ["...", "..."]}, '
            "got the number 7",
        ),
        (
            with_(
                sections=[{"section": "x", "paragraphs": [{"clause": "a", "params": {"p": [1]}}]}]
            ),
            "case.json: sections[0].paragraphs[0].params.p[0]: expected text, got the number 1",
        ),
        (
            with_(complainant={"name": "Mrs X", "pronouns": "she", "title": "Mrs"}),
            "case.json: complainant.title: unknown field (expected one of: name, pronouns, address)",
        ),
        (
            with_(reasons=["late\x07"]),
            "case.json: reasons[0]: U+0007 at position 4 is a control character, which a letter cannot hold; remove it",
        ),
    ],
)
def test_bad_case_names_file_field_and_expectation(case: dict[str, Any], message: str) -> None:
    with pytest.raises(CaseError) as raised:
        parse_case(case, source="case.json")
    assert str(raised.value) == message


def test_every_problem_of_a_file_is_reported_together() -> None:
    bad = with_(reference=1, complainant={"name": "Mrs X", "pronouns": "it"}, colour="red")
    with pytest.raises(LettersError) as raised:
        parse_case(bad, source="case.json")
    assert str(raised.value).splitlines() == [
        "case.json: complainant.pronouns: expected one of she, he, they",
        "case.json: reference: expected text, got the number 1",
        "case.json: colour: unknown field (expected one of: complainant, complaint, sections, outline, facts, text, wording, drop, add, numbered, body, "
        "reference, category, decision, decision_date, stage, people, considered, reasons, summary)",
    ]


def test_malformed_json_gives_line_and_column() -> None:
    with pytest.raises(CaseError) as raised:
        read_case_text('{\n  "complainant": {,\n}', source="case.json")
    assert str(raised.value) == (
        "case.json: line 2 column 19: not valid JSON: Expecting property name enclosed in double quotes"
    )


def test_a_case_must_be_a_json_object() -> None:
    with pytest.raises(CaseError, match=r"^case.json: expected a JSON object, got a list$"):
        read_case_text("[]", source="case.json")


def test_missing_case_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(LettersError, match=r"nope.json: no such case file$"):
        load_case(tmp_path / "nope.json")


def test_case_file_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes('{"a": "caf\xe9"}'.encode("latin-1"))
    with pytest.raises(CaseError, match=r"latin1.json: not UTF-8 text"):
        load_case(path)


def test_field_lines_point_at_each_field_of_a_case_file() -> None:
    text = '{\n  "reference": "1",\n  "sections": [\n    {"section": "a",\n     "paragraphs": ["x",\n       ["y", {"clause": "c"}]]}\n  ]\n}'
    lines = field_lines(text)
    assert lines["reference"] == 2
    assert lines["sections[0]"] == 4
    assert lines["sections[0].paragraphs[1][1].clause"] == 6


_MINIMAL = {
    "complainant": {"name": "Ms A", "pronouns": "she"},
    "complaint": {"about": "about a fee"},
}
_DECLARED = {
    "late": FactDeclaration("late", "yes/no", "late"),
    "document": FactDeclaration("document", "text", "the document", required=True),
    "tone": FactDeclaration("tone", "choice", "tone", choices=("plain", "sorry")),
    "names": FactDeclaration("names", "list", "names"),
    "officer": FactDeclaration("officer", "person", "who"),
    "received": FactDeclaration("received", "date", "when"),
}


@pytest.mark.parametrize(
    "facts",
    [
        {"document": "the report", "late": True, "tone": "sorry", "names": ["a", "b"]},
        {"document": "d", "officer": {"name": "Mr B", "pronouns": "he"}},
        {"document": "d", "received": "2024-03-01"},  # a date: read by cattrs
    ],
)
def test_facts_of_their_declared_kinds_read_as_cattrs_reads_them(
    facts: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    given = parse_case({**_MINIMAL, "facts": facts}).facts
    plainly = loading.read_plainly(given, _DECLARED)
    monkeypatch.setattr(loading, "read_plainly", lambda *_: None)
    with_cattrs = loading.read_facts(given, _DECLARED)
    if "received" in facts:  # a date is read from its text, by cattrs
        assert plainly is None
        assert with_cattrs["received"] == date(2024, 3, 1)
    else:
        assert plainly == with_cattrs
        assert list(plainly) == list(with_cattrs)  # the same facts, in the same order


@pytest.mark.parametrize(
    "facts",
    [{"late": True}, {"document": "d", "tone": "rude"}, {"document": "d", "late": "yes"}],
)
def test_facts_not_of_their_kinds_are_left_to_cattrs_to_explain(facts: dict[str, Any]) -> None:
    given = parse_case({**_MINIMAL, "facts": facts}).facts
    assert loading.read_plainly(given, _DECLARED) is None
    with pytest.raises(LettersError):
        loading.read_facts(given, _DECLARED)


def test_a_file_is_read_whole_and_no_further_than_its_limit(tmp_path: Path) -> None:
    small = tmp_path / "small.json"
    small.write_bytes(b"x" * 100)
    assert read_bounded(small, 1000, CaseError, "case file") == b"x" * 100
    with pytest.raises(CaseError, match="larger than 99 bytes"):
        read_bounded(small, 99, CaseError, "case file")
    with pytest.raises(CaseError, match="larger than 200,000 bytes"):  # no end, no size
        read_bounded(Path("/dev/zero"), 200_000, CaseError, "case file")
