"""Every sentence accounted for: the origin of each run of a letter's text."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from letters.cli import cli
from letters.composition import compose
from letters.library import Library
from letters.loading import load_case
from letters.outline import MARKER
from letters.provenance import provenance_of
from letters.word import embed_provenance, read_provenance, render
from tests.conftest import EXAMPLES, letter_lines
from tests.test_golden import SEEDS

ALL = sorted(EXAMPLES.glob("*.json"))


def value_at(data: Any, path: str) -> Any:
    for step in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        data = data[int(step[1:-1])] if step.startswith("[") else data[step]
    return data


def wording_pattern(text: str) -> re.Pattern[str]:
    """A clause's wording as a pattern: its own words fixed, each placeholder anything."""
    pieces = re.split(r"\{\{.*?\}\}", " ".join(text.replace("\\\n", " ").split()))
    return re.compile(
        ".*?".join(r"\s*".join(map(re.escape, piece.split())) for piece in pieces), re.DOTALL
    )


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_every_sentence_has_an_origin(live_library: Library, path: Path) -> None:
    record = provenance_of(compose(load_case(path), live_library), case=str(path))
    data = json.loads(path.read_text(encoding="utf-8"))
    for part in record["parts"]:
        assert part["runs"], part
        text = part["text"]
        for item in part.get("items", ()):  # a list's items: the runs hold their text, unlabelled
            shown = "  " * item["level"] + (item["label"] + " " if item["label"] else "")
            text = text.replace("\n" + shown + item["text"], " " + item["text"], 1)
        assert " ".join(run["text"] for run in part["runs"]).replace(" \n", "\n") == text.replace(
            " \n", "\n"
        )
        for run in part["runs"]:
            if "clause" not in run:  # the case's own words: the field holds this text (all of
                # it, or the part between its clause markers)
                given = value_at(data, run["field"])
                assert given == run["text"] or (
                    "[[" in given
                    and run["text"] in [piece.strip() for piece in MARKER.split(given)]
                ), (given, run["text"])


def test_each_item_of_a_caseworker_list_is_credited_to_its_own_field(
    live_library: Library,
) -> None:
    """Before: every item was credited to the whole list (``text.what-i-found[1][1]``)."""
    path = EXAMPLES / "upheld-care-assessment-delay.json"
    record = provenance_of(compose(load_case(path), live_library), case=str(path))
    data = json.loads(path.read_text(encoding="utf-8"))
    (part,) = [p for p in record["parts"] if any("list" in r["field"] for r in p["runs"])]
    items = [(run["field"], run["text"]) for run in part["runs"] if "item" in run]
    assert items == [
        ("text.what-i-found[1][1].list[0]", "tell the person why"),
        (
            "text.what-i-found[1][1].list[1]",
            "give them the date by which it will complete the assessment",
        ),
    ]
    assert [value_at(data, field) for field, _ in items] == [text for _, text in items]


@pytest.mark.parametrize(("example", "_reference"), SEEDS)
def test_standard_sentences_come_from_the_clauses_that_hold_them(
    live_library: Library, example: str, _reference: str
) -> None:
    record = provenance_of(compose(load_case(EXAMPLES / f"{example}.json"), live_library))
    clause_runs = [run for part in record["parts"] for run in part["runs"] if "clause" in run]
    assert len(clause_runs) >= 15
    for run in clause_runs:
        clause = live_library[run["clause"]]
        variant = clause.variant(run["variant"])
        lines = Path(run["file"]).read_text(encoding="utf-8").splitlines()
        assert lines[run["line"] - 1].strip() == variant.text.splitlines()[0].strip()
        assert wording_pattern(variant.text).fullmatch(run["text"]), (run["clause"], run["text"])
        for included in run["includes"]:
            assert included["clause"].startswith("reasons/")
            nested = live_library[included["clause"]].variant(included["variant"]).text
            assert wording_pattern(nested).search(run["text"]), included


def test_a_reason_taken_into_a_clause_is_named_with_its_field(live_library: Library) -> None:
    record = provenance_of(
        compose(load_case(EXAMPLES / "tameside-council-tax-valuation-tribunal.json"), live_library)
    )
    (summary,) = [part for part in record["parts"] if part["part"] == "summary"]
    assert summary["runs"][0]["includes"] == [
        {
            "field": "reasons[0]",
            "clause": "reasons/tribunal-appeal/summary",
            "variant": "default",
            "file": live_library["reasons/tribunal-appeal/summary"].path,
            "line": live_library["reasons/tribunal-appeal/summary"].variants[0].line,
        }
    ]


def test_embedded_provenance_reads_back_and_leaves_the_letter_as_it_was(
    live_library: Library,
) -> None:
    letter = compose(load_case(ALL[0]), live_library)
    record = provenance_of(letter, case=str(ALL[0]))
    plain = render(letter)
    carried = embed_provenance(plain, record)
    assert read_provenance(carried, source="letter.docx") == record
    assert letter_lines(carried) == letter_lines(plain)
    import docx

    assert [p.text for p in docx.Document(io.BytesIO(carried)).paragraphs] == [
        p.text for p in docx.Document(io.BytesIO(plain)).paragraphs
    ]


def test_explain_reads_a_case_or_a_letter_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(EXAMPLES.parent)
    case = "examples/cpc-report-defamation.json"
    runner = CliRunner()
    rendered = runner.invoke(
        cli, ["render", case, "--embed-provenance", "-o", str(tmp_path / "l.docx")]
    )
    assert rendered.exit_code == 0, rendered.stderr
    from_case = runner.invoke(cli, ["explain", case, "--json"])
    from_letter = runner.invoke(cli, ["explain", str(tmp_path / "l.docx"), "--json"])
    assert json.loads(from_case.stdout) == json.loads(from_letter.stdout)
    text = runner.invoke(cli, ["explain", case]).stdout
    assert "5. Mrs X says Council officers submitted a report" in text
    assert "    case text.assessment[0]: 'Mrs X says" in text
    assert "        with clause reasons/nothing-significant/summary (default)" in text


def test_explain_a_letter_without_a_record_says_so(tmp_path: Path) -> None:
    runner = CliRunner()
    runner.invoke(cli, ["render", str(ALL[0]), "-o", str(tmp_path / "l.docx")])
    result = runner.invoke(cli, ["explain", str(tmp_path / "l.docx")])
    assert result.exit_code == 1
    assert (
        result.stderr
        == f"{tmp_path / 'l.docx'}: the letter carries no provenance; render it with --embed-provenance\n"
    )
