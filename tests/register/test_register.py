"""The register: what a record holds, finding, reproducing, verifying, corrections, the
append-only rule and impact on issued letters, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import datetime
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from letters.cli import cli
from letters.composition import compose
from letters.library import Library
from letters.loading import load_case
from letters.provenance import provenance_of
from letters.register import Query, Register, tables
from letters.register.versions import files_hash, library_files
from letters.word import find_template
from tests.register.registers import git, write_case, write_library


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def issue(
    register: Register, cases: list[str], clauses: Path, out: Path, **options: Any
) -> list[Any]:
    """Issue the cases by A. Caseworker; each outcome (Any: its optional fields read plainly)."""
    return list(register.issue(cases, by="A. Caseworker", clauses=clauses, out_dir=out, **options))


def test_a_record_holds_every_input_and_the_hash_of_the_letter_written(
    register_at: str, register_clauses: Path, tmp_path: Path
) -> None:
    path = write_case(tmp_path / "cases", 7, name="Mrs  Jones")
    before = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    with Register(register_at) as register:
        [outcome] = issue(register, [path], register_clauses, tmp_path / "out")
        record = register.record(outcome.record)
    after = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    letter = Path(outcome.output)
    assert outcome.is_ok and letter.is_file()
    assert record.summary.output_sha256 == sha(letter.read_bytes()) == outcome.sha256
    assert record.output_size == len(letter.read_bytes())
    assert record.case_data == Path(path).read_bytes()
    assert record.case_sha256 == sha(Path(path).read_bytes())
    assert record.summary.issued_by == "A. Caseworker"
    assert before <= record.summary.issued_at <= after
    assert (record.summary.reference, record.summary.complainant, record.summary.body) == (
        "R00007",
        "Mrs  Jones",
        "Town Council",
    )
    assert record.summary.output_format == "docx"
    assert record.template_sha256 == sha(find_template(None).read_bytes())
    assert record.library_hash == files_hash(library_files(register_clauses))
    assert record.git_commit == git(register_clauses.parent, "rev-parse", "HEAD")
    assert (record.git_path, record.is_dirty) == ("clauses", False)
    wording = (register_clauses / "final" / "decision.txt").read_text(encoding="utf-8")
    decision_2024 = wording.split("== 2024 ==\n")[1].split("\n\n== old")[0]
    uses = {(clause, variant): digest for clause, variant, digest in record.clauses}
    assert uses[("final/decision", "2024")] == sha(decision_2024.encode("utf-8"))
    assert set(uses) == {
        ("letter/title", "default"),
        ("letter/sign-off", "default"),
        ("headings/complaint", "default"),
        ("headings/final", "default"),
        ("complaint/about", "default"),
        ("final/decision", "2024"),
    }
    composed = compose(load_case(path), Library.load(register_clauses), source=path)
    assert record.provenance == json.loads(json.dumps(provenance_of(composed, case=path)))


def test_a_case_that_fails_is_not_recorded_and_leaves_no_file(
    register_at: str, register_clauses: Path, tmp_path: Path
) -> None:
    good = write_case(tmp_path / "cases", 1)
    bad = tmp_path / "cases" / "broken.json"
    bad.write_text('{"complainant": {"name": "Mr B", "pronouns": "it"}}', encoding="utf-8")
    unknown = write_case(tmp_path / "cases", 3)
    data = json.loads(Path(unknown).read_text(encoding="utf-8"))
    data["sections"][1]["paragraphs"][0] = {"clause": "final/no-such-clause"}
    Path(unknown).write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "out"
    with Register(register_at) as register:
        outcomes = issue(register, [good, str(bad), unknown], register_clauses, out)
        assert [o.is_ok for o in outcomes] == [True, False, False]
        assert "pronouns" in str(outcomes[1].problems[0])
        assert "final/no-such-clause" in str(outcomes[2].problems[0])
        assert [s.case_source for s in register.find()] == [good]
    assert sorted(p.name for p in out.iterdir()) == ["case-00001.docx"]


def test_an_issued_letter_is_never_written_over(
    register_at: str, register_clauses: Path, tmp_path: Path
) -> None:
    path = write_case(tmp_path / "cases", 1)
    out = tmp_path / "out"
    out.mkdir()
    (out / "case-00001.docx").write_bytes(b"an earlier letter")
    with Register(register_at) as register:
        [outcome] = issue(register, [path], register_clauses, out)
        assert not outcome.is_ok
        assert "never written over" in str(outcome.problems[0])
        assert register.find() == []
    assert (out / "case-00001.docx").read_bytes() == b"an earlier letter"
    assert sorted(p.name for p in out.iterdir()) == ["case-00001.docx"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (Query(reference="R00002"), [2]),
        (Query(complainant="mrs   SMITH"), [1, 3]),
        (Query(body="county council"), [3]),
        (Query(clause="final/late"), [2]),
        (Query(clause="final/decision"), [1, 3]),
        (Query(complainant="Mrs Smith", clause="final/late"), []),
        (Query(outline="no-such-outline"), []),
        (Query(first=2, last=3), [2, 3]),
        (Query(issued_by="A. Caseworker"), [1, 2, 3]),
        (Query(issued_by="Someone else"), []),
    ],
)
def test_find_by_each_field(
    register_at: str, register_clauses: Path, tmp_path: Path, query: Query, expected: list[int]
) -> None:
    cases = [
        write_case(tmp_path / "cases", 1, name="Mrs Smith"),
        write_case(tmp_path / "cases", 2, name="Mr Brown", late=True),
        write_case(tmp_path / "cases", 3, name="Mrs Smith", body="County Council"),
    ]
    with Register(register_at) as register:
        issue(register, cases, register_clauses, tmp_path / "out")
        assert [record.id for record in register.find(query)] == expected


def test_find_by_the_day_of_issue(register_at: str, register_clauses: Path, tmp_path: Path) -> None:
    today = datetime.datetime.now(datetime.UTC).date()
    day = datetime.timedelta(days=1)
    with Register(register_at) as register:
        issue(register, [write_case(tmp_path / "cases", 1)], register_clauses, tmp_path / "out")
        assert len(register.find(Query(since=today, until=today))) == 1
        assert register.find(Query(since=today + day)) == []
        assert register.find(Query(until=today - day)) == []


def test_find_by_the_sha256_of_a_letter_file(
    register_at: str, register_clauses: Path, tmp_path: Path
) -> None:
    cases = [write_case(tmp_path / "cases", n) for n in (1, 2)]
    with Register(register_at) as register:
        outcomes = issue(register, cases, register_clauses, tmp_path / "out")
        digest = sha(Path(outcomes[1].output).read_bytes())
        assert [r.id for r in register.find(Query(sha256=digest))] == [outcomes[1].record]


def test_reproduce_reads_the_library_at_its_commit_after_it_changed(
    register_at: str, register_clauses: Path, tmp_path: Path
) -> None:
    path = write_case(tmp_path / "cases", 1)
    with Register(register_at) as register:
        [outcome] = issue(register, [path], register_clauses, tmp_path / "out")
        decision = register_clauses / "final" / "decision.txt"
        decision.write_text(
            decision.read_text(encoding="utf-8").replace("We will not", "We shall not"),
            encoding="utf-8",
        )
        git(register_clauses.parent, "commit", "-q", "-am", "reworded")
        made = register.reproduce(outcome.record, repository=register_clauses)
    assert made.matches
    assert (made.library_source or "").startswith("git commit ")
    assert made.data == Path(outcome.output).read_bytes()


def test_reproduce_without_git_uses_the_register_s_copy_of_the_library(
    register_at: str, tmp_path: Path
) -> None:
    register_clauses = write_library(tmp_path / "plain", commit=False)
    path = write_case(tmp_path / "cases", 1)
    with Register(register_at) as register:
        [outcome] = issue(register, [path], register_clauses, tmp_path / "out")
        assert register.record(outcome.record).git_commit is None
        shutil.rmtree(register_clauses)  # the library is gone: only the register has its words
        made = register.reproduce(outcome.record)
    assert made.matches and made.library_source == "the register's copy"
    assert made.data == Path(outcome.output).read_bytes()


def test_a_dirty_library_is_recorded_as_such_and_reproduced_from_the_register(
    register_at: str, register_clauses: Path, tmp_path: Path
) -> None:
    (register_clauses / "final" / "late.txt").write_text(
        '---\ntitle: "Late"\n---\nToo late, edited and not committed.\n', encoding="utf-8"
    )
    path = write_case(tmp_path / "cases", 1, late=True)
    with Register(register_at) as register:
        [outcome] = issue(register, [path], register_clauses, tmp_path / "out")
        assert register.record(outcome.record).is_dirty
        git(register_clauses.parent, "checkout", "--", ".")  # the edit is thrown away
        made = register.reproduce(outcome.record, repository=register_clauses)
    assert made.matches and made.library_source == "the register's copy"


def _tamper(register: Register, identity: int) -> None:
    """Change a recorded hash behind the register's back, as a tampered database would."""
    with register.engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("DROP TRIGGER letters_no_update")
        else:
            connection.exec_driver_sql("ALTER TABLE letters DISABLE TRIGGER letters_append_only")
        connection.execute(
            sa.update(tables.letters)
            .where(tables.letters.c.id == identity)
            .values(output_sha256="0" * 64)
        )


def test_verify_reports_a_letter_that_would_not_come_out_the_same(
    register_at: str, register_clauses: Path, tmp_path: Path
) -> None:
    cases = [write_case(tmp_path / "cases", n) for n in (1, 2, 3)]
    with Register(register_at) as register:
        issue(register, cases, register_clauses, tmp_path / "out")
        assert [made.matches for made in register.verify()] == [True, True, True]
        _tamper(register, 2)
        assert [(made.record, made.matches) for made in register.verify()] == [
            (1, True),
            (2, False),
            (3, True),
        ]
        assert [made.record for made in register.verify(Query(first=3))] == [3]
    result = CliRunner().invoke(cli, ["register", "verify", "--register", register_at])
    assert result.exit_code == 1
    assert "record 2: not the same letter: sha256 " in result.stderr
    assert "2 of 3 letters the same, 1 different" in result.stderr


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE letters SET complainant = 'Someone else'",
        "DELETE FROM letters",
        "UPDATE clause_set_members SET text_sha256 = 'x'",
        "DELETE FROM clause_sets",
        "DELETE FROM blobs",
        "DELETE FROM library_files",
    ],
)
def test_records_cannot_be_changed_or_removed(
    register_at: str, register_clauses: Path, tmp_path: Path, statement: str
) -> None:
    with Register(register_at) as register:
        issue(register, [write_case(tmp_path / "cases", 1)], register_clauses, tmp_path / "out")
        with (
            pytest.raises(sa.exc.DatabaseError, match="append-only"),
            register.engine.begin() as connection,
        ):
            connection.exec_driver_sql(statement)
        assert len(register.find()) == 1


def test_a_correction_names_the_record_it_replaces(
    register_at: str, register_clauses: Path, tmp_path: Path
) -> None:
    first = write_case(tmp_path / "cases", 1)
    corrected = write_case(tmp_path / "fixed", 1, name="Mrs B")
    with Register(register_at) as register:
        [old] = issue(register, [first], register_clauses, tmp_path / "out")
        [new] = issue(
            register,
            [corrected],
            register_clauses,
            tmp_path / "out2",
            replaces=old.record,
            note="wrong name",
        )
        assert register.record(new.record).summary.replaces == old.record
        assert register.record(new.record).note == "wrong name"
        assert register.record(old.record).replaced_by == new.record
        assert register.record(old.record).summary.complainant == "Mrs A"  # kept as it was
        [twice] = issue(
            register, [corrected], register_clauses, tmp_path / "out3", replaces=old.record
        )
        assert not twice.is_ok and "already corrected by record 2" in str(twice.problems[0])
        [again] = issue(register, [corrected], register_clauses, tmp_path / "out4", replaces=99)
        assert not again.is_ok and "no record 99" in str(again.problems[0])
        assert len(register.find()) == 2


def test_a_correction_refused_leaves_no_letter(
    register_at: str, register_clauses: Path, tmp_path: Path
) -> None:
    path = write_case(tmp_path / "cases", 1)
    with Register(register_at) as register:
        [outcome] = issue(register, [path], register_clauses, tmp_path / "out", replaces=5)
    assert not outcome.is_ok
    assert list((tmp_path / "out").iterdir()) == []


def test_impact_issued_names_the_letters_the_working_copy_would_change(
    register_at: str, register_clauses: Path, tmp_path: Path
) -> None:
    cases = [
        write_case(tmp_path / "cases", 1),
        write_case(tmp_path / "cases", 2, late=True),
    ]
    with Register(register_at) as register:
        issue(register, cases, register_clauses, tmp_path / "out")
    late = register_clauses / "final" / "late.txt"
    late.write_text(
        late.read_text(encoding="utf-8").replace("see no reason", "see no good reason"),
        encoding="utf-8",
    )
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    arguments = [
        "impact",
        "--issued",
        today,
        "--clauses",
        str(register_clauses),
        "--register",
        register_at,
    ]
    result = CliRunner().invoke(cli, arguments)
    assert result.exit_code == 1, result.output
    assert "record 2 (" in result.stdout and "record 1 (" not in result.stdout
    assert "[-see no-] {+see no good+}" in result.stdout or "{+good+}" in result.stdout
    assert "1 of 2 letters issued since" in result.stderr
    record = json.loads(CliRunner().invoke(cli, [*arguments, "--json"]).stdout)
    assert [letter["id"] for letter in record["letters"]] == [2]
    tomorrow = (datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=1)).isoformat()
    later = CliRunner().invoke(
        cli,
        [
            "impact",
            "--issued",
            tomorrow,
            "--clauses",
            str(register_clauses),
            "--register",
            register_at,
        ],
    )
    assert later.exit_code == 0
    assert "0 of 0 letters issued since" in later.stderr


def test_issuing_a_pdf_is_refused_with_the_reason(tmp_path: Path, register_clauses: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "issue",
            write_case(tmp_path, 1),
            "--clauses",
            str(register_clauses),
            "--format",
            "pdf",
            "--register",
            str(tmp_path / "r.sqlite"),
        ],
    )
    assert result.exit_code == 2
    assert "'pdf' is not one of 'docx', 'txt', 'md'" in result.stderr


def test_text_and_markdown_letters_are_issued_and_reproduced(
    register_at: str, register_clauses: Path, tmp_path: Path
) -> None:
    path = write_case(tmp_path / "cases", 1)
    with Register(register_at) as register:
        for output_format in ("txt", "md"):
            outcomes: list[Any] = list(
                register.issue(
                    [path],
                    by="T",
                    clauses=register_clauses,
                    out_dir=tmp_path / output_format,
                    output_format=output_format,
                )
            )
            [outcome] = outcomes
            assert outcome.output.endswith(f".{output_format}")
            made = register.reproduce(outcome.record)
            assert made.matches and made.data == Path(outcome.output).read_bytes()
            assert b"We will not investigate Mrs A" in made.data
