"""letters issue and letters register ..., as a caseworker runs them; where the register is;
its schema and migrations."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from letters.cli import cli
from letters.register import Register, tables
from letters.register.database import MIGRATIONS, connect
from tests.conftest import ROOT
from tests.register.registers import write_case, write_library


def run(*arguments: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(arguments))
    return result.exit_code, result.stdout, result.stderr


def test_issue_find_show_reproduce_and_verify_from_the_command_line(
    register_at: str, register_clauses: Path, tmp_path: Path
) -> None:
    cases = [write_case(tmp_path / "cases", 1), write_case(tmp_path / "cases", 2, name="Mr B")]
    out = tmp_path / "out"
    common = ["--register", register_at]
    code, _, err = run(
        "issue",
        *cases,
        "--clauses",
        str(register_clauses),
        "--out-dir",
        str(out),
        "--by",
        "Ann",
        *common,
    )
    assert code == 0, err
    assert "issued 2 of 2 letters, 0 failed" in err

    code, stdout, _ = run("register", "find", "--complainant", "MR b", "--json", *common)
    assert code == 0
    [found] = json.loads(stdout)
    assert (found["id"], found["reference"], found["issued_by"]) == (2, "R00002", "Ann")
    assert found["output_path"] == str(out / "case-00002.docx")

    code, stdout, _ = run("register", "find", "--reference", "R00001", *common)
    assert code == 0 and stdout.startswith("1\t") and "\tMrs A\tTown Council\t" in stdout

    code, _, err = run("register", "find", "--complainant", "Nobody", *common)
    assert code == 1 and "no record matches" in err

    code, stdout, _ = run("register", "show", "2", *common)
    assert code == 0
    assert stdout.startswith("record 2\nissued: ")
    assert " by Ann\n" in stdout
    assert "  final/decision (2024) " in stdout
    assert "1. Mr B complains about the refuse service (2)." in stdout
    assert "clause final/decision (2024)" in stdout  # where the sentence came from

    code, stdout, _ = run("register", "show", "2", "--json", *common)
    shown = json.loads(stdout)
    assert shown["case"] == Path(cases[1]).read_text(encoding="utf-8")
    assert shown["library"]["git_commit"] and shown["provenance"]["parts"]

    again = tmp_path / "again.docx"
    code, _, err = run("register", "reproduce", "1", "-o", str(again), *common)
    assert code == 0, err
    assert again.read_bytes() == (out / "case-00001.docx").read_bytes()
    assert "the same bytes as issued" in err

    code, _, err = run("register", "verify", "--from", "2", *common)
    assert code == 0 and "1 of 1 letters the same, 0 different" in err

    code, _, err = run("register", "show", "99", *common)
    assert code == 1 and "no record 99 in the register" in err


def test_issue_j_makes_a_batch_s_letters_in_that_many_workers(
    register_clauses: Path, tmp_path: Path
) -> None:
    cases = [write_case(tmp_path / "cases", n) for n in range(1, 8)]
    out = tmp_path / "out"
    register = str(tmp_path / "r.sqlite")
    code, stdout, err = run(
        "issue", *cases, "--clauses", str(register_clauses), "--out-dir", str(out), "--by",
        "Ann", "-j", "2", "--register", register, "--json", "-q",
    )  # fmt: skip
    assert code == 0, err
    results = json.loads(stdout)["results"]
    assert [r["record"] for r in results] == list(range(1, 8))  # in the order given
    for case, result in zip(cases, results, strict=True):
        assert result["case"] == case
        written = Path(result["output"]).read_bytes()
        assert result["sha256"] == hashlib.sha256(written).hexdigest()
    assert sorted(p.name for p in out.iterdir()) == [f"case-{n:05d}.docx" for n in range(1, 8)]
    code, _, err = run("issue", cases[0], "-j", "0", "--register", register)
    assert code == 2 and "-j" in err


def test_one_issued_letter_is_named_with_its_record(
    register_clauses: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LETTERS_ISSUED_BY", "Intake team")
    target = tmp_path / "letter.docx"
    register = tmp_path / "r.sqlite"
    code, _, err = run(
        "issue",
        write_case(tmp_path, 1),
        "--clauses",
        str(register_clauses),
        "-o",
        str(target),
        "--register",
        str(register),
    )
    assert code == 0, err
    assert err == f"issued record 1: {target}\n"
    with Register(register) as opened:
        assert opened.record(1).summary.issued_by == "Intake team"


def test_a_reproduction_that_differs_is_not_written(register_clauses: Path, tmp_path: Path) -> None:
    register = str(tmp_path / "r.sqlite")
    run(
        "issue",
        write_case(tmp_path, 1),
        "--clauses",
        str(register_clauses),
        "--out-dir",
        str(tmp_path / "out"),
        "--register",
        register,
    )
    with Register(register) as opened, opened.engine.begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER letters_no_update")
        connection.execute(sa.update(tables.letters).values(output_sha256="f" * 64))
    target = tmp_path / "again.docx"
    code, _, err = run("register", "reproduce", "1", "-o", str(target), "--register", register)
    assert code == 1
    assert f"recorded {'f' * 64}" in err and "not written" in err
    assert not target.exists()


def test_the_default_register_is_beside_letters_toml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_library(tmp_path, commit=False)
    (tmp_path / "letters.toml").write_text('clauses = "clauses"\n', encoding="utf-8")
    below = tmp_path / "work" / "today"
    below.mkdir(parents=True)
    monkeypatch.chdir(below)
    monkeypatch.delenv("LETTERS_REGISTER", raising=False)
    case = write_case(below, 1)
    code, _, err = run("issue", case, "--out-dir", "out")
    assert code == 0, err
    assert (tmp_path / "register.sqlite").is_file()
    code, stdout, _ = run("register", "find", "--json")
    assert [record["id"] for record in json.loads(stdout)] == [1]
    code, stdout, _ = run("config")
    [line] = [line for line in stdout.splitlines() if line.startswith("register ")]
    assert line.split() == ["register", str(tmp_path / "register.sqlite"), "(default)"]


def test_the_register_named_in_letters_toml_and_by_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, register_at: str
) -> None:
    write_library(tmp_path, commit=False)
    (tmp_path / "letters.toml").write_text(
        f'clauses = "clauses"\nregister = "{register_at}"\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LETTERS_REGISTER", raising=False)
    code, _, err = run("issue", write_case(tmp_path / "cases", 1), "--out-dir", "out")
    assert code == 0, err
    with Register(register_at) as opened:
        assert len(opened.find()) == 1
    other = tmp_path / "elsewhere.sqlite"
    monkeypatch.setenv("LETTERS_REGISTER", str(other))
    code, _, err = run("issue", write_case(tmp_path / "cases", 2), "--out-dir", "out")
    assert code == 0, err
    with Register(other) as opened:
        assert [r.reference for r in opened.find()] == ["R00002"]


@pytest.mark.parametrize(
    ("register", "message"),
    [
        ("mysql://host/db", "a register is an SQLite file or a postgresql:// URL, not mysql"),
        (
            "postgresql://nobody@127.0.0.1:1/none",
            "cannot reach the register postgresql+psycopg://nobody@127.0.0.1:1/none: ",
        ),
        ("{tmp}/missing.sqlite", "missing.sqlite: no register here: issue a letter"),
        ("{tmp}/no/such/folder/r.sqlite", "the register's folder does not exist"),
    ],
)
def test_a_register_that_cannot_be_used_is_one_clear_error(
    tmp_path: Path, register: str, message: str
) -> None:
    where = register.format(tmp=tmp_path)
    if "no/such" in register:  # a register made on first use: by issuing
        case = str(ROOT / "examples" / "cpc-report-defamation.json")
        code, _, err = run("issue", case, "--register", where, "-o", str(tmp_path / "x.docx"))
    else:
        code, _, err = run("register", "find", "--register", where)
    assert code == 1
    assert message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_upgrade_makes_a_register_at_alembic_s_head(tmp_path: Path) -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == tables.HEAD
    target = tmp_path / "new.sqlite"
    code, _, err = run("register", "upgrade", "--register", str(target))
    assert code == 0
    assert err == f"register sqlite:///{target} is at revision {tables.HEAD}\n"


def test_the_migrations_make_the_tables_the_code_describes(register_at: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with Register(register_at) as register, register.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), tables.metadata)
    assert differences == []


def test_a_register_at_another_revision_asks_for_an_upgrade(register_at: str) -> None:
    Register(register_at).close()
    engine = connect(register_at)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0000'")
    engine.dispose()
    with pytest.raises(
        Exception,
        match=rf"revision 0000, this letters expects {tables.HEAD}: run `letters register upgrade`",
    ):
        Register(register_at)


def test_help_and_render_do_not_load_sqlalchemy(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from letters.cli import cli\n"
        "for arguments in (['--help'], ['render', sys.argv[1], '-o', sys.argv[2]]):\n"
        "    try:\n"
        "        cli(arguments, prog_name='letters')\n"
        "    except SystemExit as stop:\n"
        "        assert not stop.code, stop.code\n"
        "print(sorted(m for m in sys.modules if m.startswith(('sqlalchemy', 'alembic'))))\n"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            str(ROOT / "examples" / "cpc-report-defamation.json"),
            str(tmp_path / "x.docx"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_the_sha256_of_an_issued_letter_finds_its_record(
    register_clauses: Path, tmp_path: Path
) -> None:
    register = str(tmp_path / "r.sqlite")
    run(
        "issue",
        write_case(tmp_path, 1),
        write_case(tmp_path, 2),
        "--clauses",
        str(register_clauses),
        "--out-dir",
        str(tmp_path / "out"),
        "--register",
        register,
    )
    digest = hashlib.sha256((tmp_path / "out" / "case-00002.docx").read_bytes()).hexdigest()
    code, stdout, _ = run("register", "find", "--sha256", digest, "--register", register)
    assert code == 0 and stdout.startswith("2\t")
