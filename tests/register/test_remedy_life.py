"""A remedy's life in the register: its status from the letter, each change with who, when, why
and its evidence, overdue on a day, the filters of ``letters register remedies``, which letters
are in force (a reissue, a correction, a final decision after its draft), the chain of changes'
seals, and a register of the previous version upgraded; on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import datetime
import hashlib
import json
import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from letters.cli import cli
from letters.problems import LimitError, RegisterError, UsageError
from letters.register import Register, RemedyId, RemedyQuery, tables
from letters.register.database import MIGRATIONS, connect
from tests.conftest import EXAMPLES
from tests.register.test_database import letters_command, without_root_s_override
from tests.test_remedies import FIXTURE, UPHELD

UPHELD_EXAMPLE = EXAMPLES / "upheld-care-assessment-delay.json"
DAY = datetime.date


def run(*arguments: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(arguments))
    return result.exit_code, result.stdout, result.stderr


def write(folder: Path, name: str, data: dict[str, Any] | None = None, **changes: Any) -> str:
    """A case file: the fixture library's upheld case (or ``data``), with changes."""
    case = copy.deepcopy(UPHELD if data is None else data)
    case.setdefault("reference", name)
    case.update(changes)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(case), encoding="utf-8")
    return str(path)


def issue(register: Register, case: str, out: Path, **options: Any) -> int:
    """Issue one case with the fixture library; its record."""
    [outcome] = register.issue([case], by="A. Caseworker", clauses=FIXTURE, out_dir=out, **options)
    assert outcome.is_ok, outcome.problems
    assert outcome.record is not None
    return outcome.record


def listed(register: Register, on: datetime.date, **query: Any) -> list[tuple[str, str]]:
    return [(str(r.id), r.status) for r in register.remedies(RemedyQuery(**query), on=on)]


# -- one upheld case, from the draft to the overdue list -----------------------------------------


def test_an_upheld_case_from_draft_to_final_a_remedy_done_with_evidence_and_the_overdue_list(
    register_at: str, tmp_path: Path
) -> None:
    example = json.loads(UPHELD_EXAMPLE.read_text(encoding="utf-8"))
    draft = write(tmp_path / "cases", "draft", {**example, "stage": "draft"})
    final = write(tmp_path / "cases", "final", {**example, "stage": "final"})
    common = ("--register", register_at)
    for number, case in enumerate((draft, final), start=1):
        code, _, err = run(
            "issue", case, "--out-dir", str(tmp_path / f"out{number}"), "--by", "A. Caseworker",
            *common,
        )  # fmt: skip
        assert code == 0, err

    # the final decision names its draft, and its remedies are the ones followed up
    code, out, _ = run("register", "show", "2", "--json", *common)
    shown = json.loads(out)
    assert (shown["stage"], shown["draft"]) == ("final", 1)
    code, out, _ = run("register", "show", "1", *common)
    assert "final decision: record 2" in out and "stage: draft" in out
    code, out, _ = run("register", "remedies", "--on", "2025-05-01", "--json", *common)
    assert code == 0
    listing = json.loads(out)
    assert [(r["remedy"], r["kind"], r["status"], r["due"]) for r in listing] == [
        ("2.1", "apology", "agreed", "2025-05-10"),
        ("2.2", "payment", "agreed", "2025-05-10"),
        ("2.3", "payment", "agreed", "2025-05-10"),
        ("2.5", "training", "agreed", "2025-05-13"),
        ("2.4", "procedural-change", "agreed", "2025-07-10"),
    ]
    assert listing[1]["amount_shown"] == "£300"
    code, out, _ = run("register", "remedies", "--record", "1", *common)
    assert out.splitlines()[0].split("\t")[:3] == ["1.1", "superseded", "-"]

    # the £300 is paid: done, with the body's evidence, kept in the register
    receipt = tmp_path / "remittance advice.pdf"
    receipt.write_bytes(b"%PDF-1.4 remittance: Mrs X, 300.00, 9 May 2025")
    code, out, err = run(
        "register", "remedy", "2.2", "done", "--evidence", str(receipt), "--by", "B. Officer",
        "--on", "2025-05-09", "--note", "paid by BACS", "--json", *common,
    )  # fmt: skip
    assert code == 0, err
    done = json.loads(out)
    assert (done["status"], done["done_on"], done["on_time"]) == ("done", "2025-05-09", True)
    [change] = done["history"]
    assert (change["status"], change["recorded_by"], change["note"]) == (
        "done",
        "B. Officer",
        "paid by BACS",
    )
    [evidence] = change["evidence"]
    digest = hashlib.sha256(receipt.read_bytes()).hexdigest()
    assert (evidence["name"], evidence["sha256"], evidence["kept"]) == (
        "remittance advice.pdf",
        digest,
        True,
    )
    code, _, _ = run("register", "evidence", digest, "-o", str(tmp_path / "back.pdf"), *common)
    assert code == 0 and (tmp_path / "back.pdf").read_bytes() == receipt.read_bytes()

    # due on the day is not overdue; the day after, the rest of that month's are
    code, out, err = run("register", "remedies", "--overdue", "--on", "2025-05-10", *common)
    assert (code, out, err) == (1, "", "no remedy matches\n")
    code, out, _ = run("register", "remedies", "--overdue", "--on", "2025-06-01", *common)
    assert code == 0
    assert [line.split("\t")[:3] for line in out.splitlines()] == [
        ["2.1", "overdue", "2025-05-10"],
        ["2.3", "overdue", "2025-05-10"],
        ["2.5", "overdue", "2025-05-13"],
    ]
    assert out.splitlines()[0].split("\t")[3:6] == ["25 900 101", "Westshire Council", "apology"]
    # years later: the remedy done is never overdue, the change of procedure now is
    code, out, _ = run("register", "remedies", "--overdue", "--on", "2030-01-01", *common)
    assert [line.split("\t")[0] for line in out.splitlines()] == ["2.1", "2.3", "2.5", "2.4"]
    # nor is it due any more; the draft's remedies were never due
    code, out, _ = run("register", "due", "--before", "2025-05-14", "--json", *common)
    assert [(r["remedy"], r["kind"]) for r in json.loads(out)] == [
        ("2.1", "apology"),
        ("2.3", "payment"),
        ("2.5", "training"),
    ]
    with Register(register_at) as register:
        assert register.audit() == []


# -- statuses and changes ------------------------------------------------------------------------


def test_a_remedy_starts_as_its_letter_says_and_moves_on_only_as_a_remedy_can(
    register_at: str, tmp_path: Path
) -> None:
    facts = {**UPHELD["facts"], "remedies_are": "recommended"}
    case = write(tmp_path / "cases", "R1", facts=facts)
    with Register(register_at) as register:
        letter = issue(register, case, tmp_path / "out")
        on = DAY(2025, 4, 20)
        assert listed(register, on) == [(f"{letter}.{n}", "recommended") for n in (1, 2, 3, 4)]
        change = register.change_remedy
        with pytest.raises(UsageError, match=r"remedy 1\.1: refused why\? --note TEXT"):
            change("1.1", "refused", by="B", on=on)
        refused = change("1.1", "refused", by="B", on=on, note="the Council will not apologise")
        assert (refused.status, refused.recorded_status) == ("refused", "refused")
        accepted = change("1.1", "accepted", by="B", on=DAY(2025, 4, 25), note="it will now")
        assert accepted.recorded_status == "accepted"  # and overdue today
        with pytest.raises(UsageError, match="done on what evidence"):
            change("1.2", "done", by="B", on=on)
        done = change("1.2", "done", by="B", on=on, note="confirmed by telephone")
        with pytest.raises(RegisterError, match=r"remedy 1\.2 is done: it cannot be refused"):
            change("1.2", "refused", by="B", on=on, note="too late")
        with pytest.raises(RegisterError, match="it cannot be accepted"):
            change("1.2", "accepted", by="B", on=on)
        assert done.history[-1].note == "confirmed by telephone"
        with pytest.raises(UsageError, match="has not come yet"):
            change("1.3", "accepted", by="B", on=datetime.date.today() + datetime.timedelta(1))
        with pytest.raises(UsageError, match=r"before its last change .* runs forward"):
            change("1.1", "done", by="B", on=DAY(2025, 4, 21), note="x")
        with pytest.raises(UsageError, match="not a remedy"):
            register.remedy("1")
        with pytest.raises(RegisterError, match=r"no remedy 1\.9: record 1 sets out 4 remedies"):
            register.remedy("1.9")
        with pytest.raises(RegisterError, match="no record 7 in the register"):
            register.remedy("7.1")
        with pytest.raises(UsageError, match="who records the change"):
            change("1.3", "accepted", by=" ", on=on)


def test_an_extension_moves_the_day_a_remedy_is_due_and_so_when_it_is_overdue(
    register_at: str, tmp_path: Path
) -> None:
    with Register(register_at) as register:
        issue(register, write(tmp_path / "cases", "X1"), tmp_path / "out")
        change = register.change_remedy
        with pytest.raises(UsageError, match="extended to when"):
            change("1.1", "extended", by="B", on=DAY(2025, 5, 2), note="ill")
        with pytest.raises(UsageError, match="not after the day it is due now"):
            change("1.1", "extended", by="B", on=DAY(2025, 5, 2), to=DAY(2025, 5, 10), note="x")
        with pytest.raises(UsageError, match="--to gives an extension's new day"):
            change("1.1", "accepted", by="B", on=DAY(2025, 5, 2), to=DAY(2025, 6, 10))
        change("1.1", "extended", by="B", on=DAY(2025, 5, 2), to=DAY(2025, 6, 10), note="ill")
        assert listed(register, DAY(2025, 6, 1), overdue=True) == [
            ("1.2", "overdue"),
            ("1.3", "overdue"),
            ("1.4", "overdue"),
        ]
        assert listed(register, DAY(2025, 5, 11), kind="apology") == [("1.1", "extended")]
        assert listed(register, DAY(2025, 6, 10), kind="apology") == [("1.1", "extended")]
        assert listed(register, DAY(2025, 6, 11), kind="apology") == [("1.1", "overdue")]
        late = change("1.1", "done", by="B", on=DAY(2025, 6, 12), note="apology sent")
        assert (late.due_now, late.done_on, late.on_time) == (
            DAY(2025, 6, 10),
            DAY(2025, 6, 12),
            False,
        )
        assert [str(r.id) for r in register.due(DAY(2030, 1, 1))] == ["1.2", "1.3", "1.4"]
        history = register.remedy("1.1").history
        assert [(c.status, c.due) for c in history] == [
            ("extended", DAY(2025, 6, 10)),
            ("done", None),
        ]


def test_a_draft_s_remedies_and_a_superseded_letter_s_are_not_followed_up(
    register_at: str, tmp_path: Path
) -> None:
    facts = {**UPHELD["facts"], "comments_by": "20 working days"}
    with Register(register_at) as register:
        draft = issue(
            register, write(tmp_path / "d", "D1", stage="draft", facts=facts), tmp_path / "o1"
        )
        with pytest.raises(RegisterError, match="is a draft decision"):
            register.change_remedy(f"{draft}.1", "accepted", by="B", on=DAY(2025, 4, 20))
        assert listed(register, DAY(2025, 4, 20)) == []
        assert listed(register, DAY(2025, 4, 20), drafts=True)[0] == ("1.1", "recommended")
        final = issue(register, write(tmp_path / "f", "D1"), tmp_path / "o2")
        assert register.record(final).draft == draft
        assert register.record(draft).final == final
        assert register.record(draft).superseded_by == final
        assert listed(register, DAY(2025, 4, 20), drafts=True) == [
            (f"{final}.{n}", "agreed") for n in (1, 2, 3, 4)
        ]
        fixed = issue(
            register, write(tmp_path / "g", "D1"), tmp_path / "o3", replaces=final, note="typo"
        )
        with pytest.raises(RegisterError, match=f"superseded by record {fixed}"):
            register.change_remedy(f"{final}.1", "done", by="B", on=DAY(2025, 4, 20), note="x")
        # the correction is a final decision of the same draft
        assert register.record(fixed).draft == draft


def test_issuing_a_letter_twice_does_not_double_its_remedies(
    register_at: str, tmp_path: Path
) -> None:
    case = write(tmp_path / "cases", "25 900 101")
    again = write(tmp_path / "again", "again", reference="25900101")  # spacing aside: the same
    other = write(tmp_path / "cases", "other", reference="26 000 001")
    with Register(register_at) as register:
        first = issue(register, case, tmp_path / "o1")
        issue(register, other, tmp_path / "o2")
        second = issue(register, again, tmp_path / "o3")
        assert register.record(first).superseded_by == second
        due = register.due(DAY(2026, 1, 1))
        assert len(due) == 8
        assert {r.letter for r in due} == {2, second}
        assert len(register.remedies(on=DAY(2025, 6, 1))) == 8
        with_old = register.remedies(RemedyQuery(superseded=True), on=DAY(2025, 6, 1))
        assert [r.status for r in with_old].count("superseded") == 4


def test_what_was_done_stays_done_when_the_letter_is_sent_again_not_when_its_remedy_changed(
    register_at: str, tmp_path: Path
) -> None:
    with Register(register_at) as register:
        first = issue(register, write(tmp_path / "a", "C1"), tmp_path / "o1")
        register.change_remedy(f"{first}.1", "done", by="B", on=DAY(2025, 5, 1), note="sent")
        register.change_remedy(f"{first}.2", "done", by="B", on=DAY(2025, 5, 1), note="paid")
        again = issue(register, write(tmp_path / "b", "C1"), tmp_path / "o2")
        remedies = {str(r.id): r for r in register.remedies(on=DAY(2025, 6, 1))}
        assert remedies[f"{again}.1"].status == "done"
        assert remedies[f"{again}.1"].history[0].remedy == f"{first}.1"
        # a correction that changes the payment: the new payment is not the one paid
        facts = copy.deepcopy(UPHELD["facts"])
        facts["remedies"][1]["amount"] = "£500"
        fixed = issue(
            register,
            write(tmp_path / "c", "C1", facts=facts),
            tmp_path / "o3",
            replaces=again,
            note="the amount",
        )
        now = {str(r.id): r.status for r in register.remedies(on=DAY(2025, 6, 1))}
        assert now == {
            f"{fixed}.1": "done",
            f"{fixed}.2": "overdue",
            f"{fixed}.3": "overdue",
            f"{fixed}.4": "overdue",
        }
        with pytest.raises(RegisterError, match="is done: it cannot be refused"):
            register.change_remedy(f"{fixed}.1", "refused", by="B", on=DAY(2025, 6, 2), note="x")


# -- finding -------------------------------------------------------------------------------------


def test_remedies_are_found_by_body_reference_kind_status_and_due_day(
    register_at: str, tmp_path: Path
) -> None:
    with Register(register_at) as register:
        issue(register, write(tmp_path / "a", "FS 5012 3456"), tmp_path / "o1")
        issue(
            register,
            write(
                tmp_path / "b",
                "B2",
                body={"name": "Eastshire  Council"},
                decision_date="2025-06-02",
            ),
            tmp_path / "o2",
        )
        register.change_remedy("1.1", "done", by="B", on=DAY(2025, 5, 1), note="sent")
        on = DAY(2025, 6, 1)
        assert {i for i, _ in listed(register, on, body="EASTSHIRE   council")} == {
            "2.1",
            "2.2",
            "2.3",
            "2.4",
        }
        assert {i for i, _ in listed(register, on, reference="fs50123456")} == {
            "1.1",
            "1.2",
            "1.3",
            "1.4",
        }
        assert listed(register, on, reference=" ") == []
        assert [i for i, _ in listed(register, on, kind="Payment")] == ["1.2", "1.3", "2.2", "2.3"]
        assert listed(register, on, statuses=("done",)) == [("1.1", "done")]
        assert [i for i, _ in listed(register, on, statuses=("agreed",))][:3] == [
            "1.2",
            "1.3",
            "1.4",
        ]
        assert [i for i, _ in listed(register, on, statuses=("overdue",))] == ["1.2", "1.3", "1.4"]
        assert len(listed(register, on, statuses=("outstanding",))) == 7
        between = listed(register, on, due_from=DAY(2025, 6, 1), due_to=DAY(2025, 7, 1))
        assert [i for i, _ in between] == ["2.4"]  # 20 working days from 2 June: 30 June
        with pytest.raises(UsageError, match="not a remedy's status: late"):
            RemedyQuery(statuses=("late",))
    code, out, _ = run(
        "register", "remedies", "--reference", "fs 50123456", "--status", "done", "--json",
        "--on", "2025-06-01", "--register", register_at,
    )  # fmt: skip
    assert code == 0
    [found] = json.loads(out)
    assert (found["remedy"], found["status"], found["body"]) == ("1.1", "done", "Westshire Council")
    code, _, err = run("register", "remedies", "--status", "late", "--register", register_at)
    assert code == 2 and "not a remedy's status: late" in err


def test_find_by_reference_ignores_case_and_spacing(register_at: str, tmp_path: Path) -> None:
    with Register(register_at) as register:
        issue(register, write(tmp_path / "a", "x", reference="24 018 696"), tmp_path / "o1")
    for given in ("24 018 696", "24018696", " 24  018 696 ", "24\t018\u00a0696"):
        code, out, _ = run("register", "find", "--reference", given, "--register", register_at)
        assert code == 0 and out.startswith("1\t"), given
    code, _, _ = run("register", "find", "--reference", "24 018 69", "--register", register_at)
    assert code == 1


# -- evidence, the command line, a register that cannot be written ------------------------------


def test_evidence_by_reference_is_hashed_and_not_kept(register_at: str, tmp_path: Path) -> None:
    with Register(register_at) as register:
        issue(register, write(tmp_path / "a", "E1"), tmp_path / "o1")
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"a large scan" * 1000)
    common = ("--register", register_at)
    code, out, err = run(
        "register", "remedy", "1.4", "done", "--evidence", str(scan), "--no-keep",
        "--by", "B. Officer", "--on", "2025-05-01", *common,
    )  # fmt: skip
    assert code == 0, err
    digest = hashlib.sha256(scan.read_bytes()).hexdigest()
    assert f"evidence: scan.pdf (12,000 bytes, sha256 {digest}, at {scan})" in out
    assert out.splitlines()[0] == "remedy 1.4: done"
    code, _, err = run("register", "evidence", digest, "-o", str(tmp_path / "x"), *common)
    assert code == 1 and "keeps no evidence of SHA-256" in err
    code, _, err = run("register", "remedy", "1.1", "done", "--evidence", str(tmp_path), *common)
    assert code == 2 and "is a directory" in err
    code, _, err = run("register", "remedy", "1.1", "--by", "B", *common)
    assert code == 2 and "go with a change" in err
    code, _, err = run(
        "register", "remedy", "1.1", "extended", "--to", "2025-07-01", "--by", "B",
        "--on", "2025-05-02", *common,
    )  # fmt: skip
    assert code == 2 and "extended why? --note TEXT" in err


def test_evidence_too_large_to_keep_is_referenced_instead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = str(tmp_path / "register.sqlite")
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"x" * 5000)
    with Register(at) as register:
        issue(register, write(tmp_path / "a", "L1"), tmp_path / "o1")
        monkeypatch.setenv("LETTERS_FILE_SIZE_LIMIT", "4096")
        with pytest.raises(LimitError, match=r"larger than 4,096 bytes.*\(--no-keep\)") as raised:
            register.change_remedy("1.1", "done", by="B", on=DAY(2025, 5, 1), evidence=[scan])
        assert str(raised.value).startswith(f"{scan}: ")
        with pytest.raises(UsageError, match="evidence is a file, not a folder"):
            register.change_remedy("1.1", "done", by="B", on=DAY(2025, 5, 1), evidence=[tmp_path])
        with pytest.raises(UsageError, match="no such evidence file"):
            register.change_remedy("1.1", "done", by="B", evidence=[tmp_path / "gone.pdf"])
        done = register.change_remedy(
            "1.1", "done", by="B", on=DAY(2025, 5, 1), evidence=[scan], keep=False
        )
        [evidence] = done.history[0].evidence
        assert (evidence.kept, evidence.size, evidence.location) == (False, 5000, str(scan))


def test_a_read_only_register_lists_remedies_and_refuses_a_change(tmp_path: Path) -> None:
    at = tmp_path / "ro" / "register.sqlite"
    at.parent.mkdir()
    with Register(str(at)) as register:
        issue(register, write(tmp_path / "a", "RO1"), tmp_path / "o1")
    prefix = without_root_s_override()
    at.chmod(0o444)
    try:
        listing = letters_command(
            "register", "remedies", "--on", "2025-06-01", "--register", str(at), prefix=prefix
        )
        change = letters_command(
            "register", "remedy", "1.1", "done", "--note", "x", "--on", "2025-05-01",
            "--register", str(at), prefix=prefix,
        )  # fmt: skip
    finally:
        at.chmod(0o644)
    assert listing.returncode == 0 and len(listing.stdout.splitlines()) == 4
    assert change.returncode == 1
    assert "the register is read-only" in change.stderr and "Traceback" not in change.stderr


def test_two_caseworkers_recording_at_once_cannot_both_move_a_remedy_on(
    register_at: str, tmp_path: Path
) -> None:
    with Register(register_at) as register:
        issue(register, write(tmp_path / "a", "T1"), tmp_path / "o1")
    outcomes: list[str] = []

    def record(by: str) -> None:
        with Register(register_at) as mine:
            try:
                mine.change_remedy("1.2", "done", by=by, on=DAY(2025, 5, 1), note="paid")
                outcomes.append("done")
            except RegisterError as error:
                outcomes.append(str(error))

    threads = [threading.Thread(target=record, args=(name,)) for name in ("Ann", "Bob", "Cy")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes)[0] == "done" and outcomes.count("done") == 1
    assert all("is done: it cannot be done" in each for each in outcomes if each != "done")
    with Register(register_at) as register:
        assert len(register.remedy("1.2").history) == 1
        assert register.audit() == []


# -- seals ---------------------------------------------------------------------------------------


def tampering(register: Register, table: str, statement: str, event: str = "update") -> None:
    """Run an UPDATE (or a DELETE) with the table's append-only trigger lifted, as a
    database's administrator could."""
    with register.engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql(f"DROP TRIGGER {table}_no_{event}")
        else:
            connection.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
        connection.exec_driver_sql(statement)


def test_a_change_or_its_evidence_altered_outside_letters_shows(
    register_at: str, tmp_path: Path
) -> None:
    proof = tmp_path / "proof.txt"
    proof.write_text("paid")
    with Register(register_at) as register:
        issue(register, write(tmp_path / "a", "V1"), tmp_path / "o1")
        register.change_remedy("1.2", "done", by="B", on=DAY(2025, 5, 1), evidence=[proof])
        register.change_remedy("1.3", "refused", by="B", on=DAY(2025, 5, 2), note="will not pay")
        assert register.audit() == []
        tampering(
            register, "remedy_events", "UPDATE remedy_events SET status = 'done' WHERE id = 2"
        )
        tampering(register, "remedy_evidence", "UPDATE remedy_evidence SET sha256 = 'f00'")
        found = [(b.what, b.record, b.kind) for b in register.audit()]
        assert found == [("remedy change", 1, "changed"), ("remedy change", 2, "changed")]
    code, _, err = run("register", "verify", "--register", register_at)
    assert code == 1 and "remedy change 2: changed: " in err


def test_the_last_change_of_a_remedy_taken_away_is_found_against_a_checkpoint(
    register_at: str, tmp_path: Path
) -> None:
    """The chain of changes left holds by itself when its last change is removed: the
    checkpoint kept elsewhere covers the remedies' changes as well as the records."""
    with Register(register_at) as register:
        issue(register, write(tmp_path / "a", "C1"), tmp_path / "o1")
        register.change_remedy("1.2", "done", by="B", on=DAY(2025, 5, 1), note="paid by BACS")
        register.change_remedy("1.3", "refused", by="B", on=DAY(2025, 5, 2), note="will not pay")
        kept = register.checkpoint()
        assert (kept.count, kept.changes) == (1, 2)
        assert register.audit(kept) == []
        tampering(
            register, "remedy_events", "DELETE FROM remedy_events WHERE id = 2", event="delete"
        )
        assert register.audit() == []  # what is left still chains
        found = [(each.what, each.kind, each.detail) for each in register.audit(kept)]
    assert [(what, kind) for what, kind, _ in found] == [("remedy change", "checkpoint")] * 2
    assert "no remedy change has that seal now" in found[0][2]
    assert "the register holds 1 remedy change, fewer than the checkpoint's" in found[1][2]
    code, _, err = run("register", "verify", "--checkpoint", str(kept), "--register", register_at)
    assert code == 1 and "checkpoint of the remedy changes 2:" in err


def test_a_record_s_reference_key_changed_outside_letters_shows(
    register_at: str, tmp_path: Path
) -> None:
    with Register(register_at) as register:
        issue(register, write(tmp_path / "a", "K1"), tmp_path / "o1")
        issue(register, write(tmp_path / "b", "K2"), tmp_path / "o2")
        tampering(register, "letters", "UPDATE letters SET reference_key = 'k1' WHERE id = 2")
        [found] = register.audit()
        assert (found.record, found.kind, found.what) == (2, "changed", "record")
        assert "reference key or stage" in found.detail


# -- upgrading -----------------------------------------------------------------------------------


def test_a_register_of_the_previous_version_is_upgraded_and_its_letters_followed_up(
    register_at: str, tmp_path: Path
) -> None:
    from alembic import command
    from alembic.config import Config

    source = str(tmp_path / "new.sqlite")
    facts = {**UPHELD["facts"], "comments_by": "20 working days"}
    with Register(source) as new:
        issue(new, write(tmp_path / "a", "U 1", stage="draft", facts=facts), tmp_path / "o1")
        issue(new, write(tmp_path / "b", "U1"), tmp_path / "o2")
        issue(new, write(tmp_path / "c", "u1"), tmp_path / "o3")  # sent again
        expected = [row["seal"] for row in new.chain()]
    old = connect(register_at)  # a register of revision 0003 holding the same records
    try:
        with old.begin() as connection:
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = connection
            command.upgrade(config, "0003")
        added = {"letters": ("reference_key", "stage"), "remedies": ("status",)}  # by 0004
        with Register(source) as new, new.engine.connect() as reading, old.begin() as writing:
            for table in (
                tables.blobs,
                tables.libraries,
                tables.library_files,
                tables.clause_sets,
                tables.clause_set_members,
                tables.letters,
                tables.remedies,
            ):
                columns = [c for c in table.c if c.name not in added.get(table.name, ())]
                rows = [dict(row._mapping) for row in reading.execute(sa.select(*columns))]
                writing.execute(sa.insert(table), rows)
    finally:
        old.dispose()
    with pytest.raises(RegisterError, match="run `letters register upgrade`"):
        Register(register_at).close()
    code, _, err = run("register", "upgrade", "--register", register_at)
    assert code == 0 and "is at revision 0004" in err
    with Register(register_at) as register:
        assert [row["seal"] for row in register.chain()] == expected
        assert register.audit() == []
        assert [register.record(n).stage for n in (1, 2, 3)] == ["draft", "final", "final"]
        assert register.record(2).draft == 1 and register.record(2).superseded_by == 3
        assert listed(register, DAY(2025, 5, 11), overdue=True) == [
            ("3.1", "overdue"),
            ("3.2", "overdue"),
            ("3.3", "overdue"),
        ]
        with register.engine.connect() as connection:
            statuses = connection.execute(
                sa.select(tables.remedies.c.letter_id, tables.remedies.c.status).distinct()
            ).all()
        assert sorted(statuses) == [(1, "recommended"), (2, "agreed"), (3, "agreed")]
        register.change_remedy("3.1", "done", by="B", on=DAY(2025, 5, 1), note="sent")
    code, out, _ = run("register", "find", "--reference", "U1", "--register", register_at)
    assert [line.split("\t")[0] for line in out.splitlines()] == ["1", "2", "3"]
    assert RemedyId.parse("3.1") == RemedyId(3, 1)
