"""The register keeps each issued letter's remedies with their due dates, and lists those due
before a day (``letters register due --before DATE``): on SQLite and on PostgreSQL."""

from __future__ import annotations

import copy
import datetime
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from letters.cli import cli
from letters.register import Register, tables
from letters.register.database import MIGRATIONS, connect
from tests.test_remedies import FIXTURE, UPHELD


def write(folder: Path, name: str, **changes: Any) -> str:
    """A case file for the fixture library: the upheld case, with changes."""
    data = copy.deepcopy(UPHELD)
    data["reference"] = name
    data.update(changes)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def issue(register: Register, cases: list[str], out: Path, **options: Any) -> list[Any]:
    outcomes = list(
        register.issue(cases, by="A. Caseworker", clauses=FIXTURE, out_dir=out, **options)
    )
    assert all(outcome.is_ok for outcome in outcomes), [o.problems for o in outcomes]
    return outcomes


def test_each_remedy_is_recorded_with_its_due_date_and_exact_amount(
    register_at: str, tmp_path: Path
) -> None:
    with Register(register_at) as register:
        [issued] = issue(register, [write(tmp_path / "cases", "A1")], tmp_path / "out")
        with register.engine.connect() as connection:
            rows = connection.execute(
                sa.select(tables.remedies).order_by(tables.remedies.c.number)
            ).all()
    assert [(row.letter_id, row.kind, row.due, row.amount, row.stage) for row in rows] == [
        (issued.record, "apology", datetime.date(2025, 5, 10), None, "final"),
        (issued.record, "payment", datetime.date(2025, 5, 10), Decimal("300.00"), "final"),
        (issued.record, "payment", datetime.date(2025, 5, 10), Decimal("150.00"), "final"),
        (issued.record, "review", datetime.date(2025, 5, 13), None, "final"),  # Easter, May Day
    ]
    assert rows[0].wording == "apologise to Mrs X for the delay"
    assert (rows[0].recipient, rows[0].deadline, rows[0].field) == (
        "Mrs X",
        "within one month",
        "facts.remedies[0]",
    )


def test_due_lists_the_remedies_due_before_the_day_not_on_it_earliest_first(
    register_at: str, tmp_path: Path
) -> None:
    cases = tmp_path / "cases"
    later = write(cases, "B2", decision_date="2025-06-02")
    with Register(register_at) as register:
        issue(register, [later, write(cases, "B1")], tmp_path / "out")
        assert register.due(datetime.date(2025, 5, 10)) == []
        due = register.due(datetime.date(2025, 5, 14))
        assert [(str(r.due_now), r.reference, r.kind) for r in due] == [
            ("2025-05-10", "B1", "apology"),
            ("2025-05-10", "B1", "payment"),
            ("2025-05-10", "B1", "payment"),
            ("2025-05-13", "B1", "review"),
        ]
        assert due[1].shown_amount == "£300"
        everything = register.due(datetime.date(2026, 1, 1))
        assert [r.reference for r in everything].count("B2") == 4
        b2 = {(r.kind, r.due) for r in everything if r.reference == "B2"}
        assert ("review", datetime.date(2025, 6, 30)) in b2  # 20 working days from 2 June
        assert everything[-1].due == datetime.date(2025, 7, 2)  # a month from 2 June


def test_a_drafts_remedies_have_no_due_date_and_are_not_listed(
    register_at: str, tmp_path: Path
) -> None:
    facts = {**UPHELD["facts"], "comments_by": "20 working days"}
    draft = write(tmp_path / "cases", "C1", stage="draft", facts=facts)
    with Register(register_at) as register:
        issue(register, [draft], tmp_path / "out")
        with register.engine.connect() as connection:
            dues = connection.execute(sa.select(tables.remedies.c.due)).scalars().all()
        assert dues == [None, None, None, None]
        assert register.due(datetime.date(2100, 1, 1)) == []


def test_a_corrected_letter_s_remedies_give_way_to_the_correction_s(
    register_at: str, tmp_path: Path
) -> None:
    first = write(tmp_path / "cases", "D1")
    fixed = write(
        tmp_path / "fixed",
        "D1",
        facts={"remedies": [{"kind": "payment", "amount": "£500", "by": "three months"}]},
    )
    with Register(register_at) as register:
        [old] = issue(register, [first], tmp_path / "out")
        [new] = issue(register, [fixed], tmp_path / "out2", replaces=old.record, note="amount")
        due = register.due(datetime.date(2026, 1, 1))
    assert [(r.letter, r.kind, r.shown_amount, r.due) for r in due] == [
        (new.record, "payment", "£500", datetime.date(2025, 7, 10))
    ]


def test_recorded_remedies_cannot_be_changed_or_removed(register_at: str, tmp_path: Path) -> None:
    with Register(register_at) as register:
        issue(register, [write(tmp_path / "cases", "E1")], tmp_path / "out")
        for statement in ("UPDATE remedies SET due = NULL", "DELETE FROM remedies"):
            with (
                pytest.raises(sa.exc.DatabaseError, match="append-only"),
                register.engine.begin() as connection,
            ):
                connection.exec_driver_sql(statement)
        assert len(register.due(datetime.date(2026, 1, 1))) == 4


def test_letters_register_due_prints_each_remedy_due_and_exits_1_when_none(
    register_at: str, tmp_path: Path
) -> None:
    case = write(tmp_path / "cases", "F1")
    runner = CliRunner()
    issued = runner.invoke(
        cli,
        [
            "issue",
            case,
            "--clauses",
            str(FIXTURE),
            "--out-dir",
            str(tmp_path / "out"),
            "--register",
            register_at,
            "--by",
            "A. Caseworker",
        ],
    )
    assert issued.exit_code == 0, issued.output
    result = runner.invoke(
        cli, ["register", "due", "--before", "2025-05-11", "--register", register_at]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "2025-05-10\t1\tF1\tMrs X\tapology\tapologise to Mrs X for the delay",
        "2025-05-10\t1\tF1\tMrs X\tpayment\tpay Mrs X £300 for distress",
        "2025-05-10\t1\tF1\tMrs X\tpayment\tpay Mrs X £150",
    ]
    as_json = runner.invoke(
        cli, ["register", "due", "--before", "2025-05-14", "--register", register_at, "--json"]
    )
    records = json.loads(as_json.stdout)
    assert [record["due"] for record in records] == ["2025-05-10"] * 3 + ["2025-05-13"]
    assert records[1]["amount"] == "300.00" and records[1]["amount_shown"] == "£300"
    none = runner.invoke(
        cli, ["register", "due", "--before", "2025-01-01", "--register", register_at]
    )
    assert none.exit_code == 1
    assert none.stderr == "no remedy is due before 2025-01-01\n"


def test_a_bad_day_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["register", "due", "--before", "soon", "--register", str(tmp_path / "r.sqlite")]
    )
    assert result.exit_code == 2
    assert "'soon' does not match the format '%Y-%m-%d'" in result.stderr


def test_a_register_at_the_first_revision_is_upgraded_with_the_remedies_table(
    register_at: str, tmp_path: Path
) -> None:
    from alembic import command
    from alembic.config import Config

    engine = connect(register_at)
    with engine.begin() as connection:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    engine.dispose()
    with pytest.raises(Exception, match="run `letters register upgrade`"):
        Register(register_at).close()
    result = CliRunner().invoke(cli, ["register", "upgrade", "--register", register_at])
    assert result.exit_code == 0, result.output
    with Register(register_at) as register:
        issue(register, [write(tmp_path / "cases", "G1")], tmp_path / "out")
        assert len(register.due(datetime.date(2026, 1, 1))) == 4
