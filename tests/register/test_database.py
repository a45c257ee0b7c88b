"""Reaching the register: readers never wait for a writer, a register this user cannot write
is read, and another process's hold on it is answered within the configured time."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from letters.configuration import settings
from letters.problems import UsageError
from letters.register import Register
from tests.conftest import ROOT
from tests.register.registers import write_case

HOLDER = textwrap.dedent(
    """
    import sys

    register, *statements = sys.argv[1:]
    if "://" in register:
        import psycopg

        connection = psycopg.connect(register)
    else:
        import sqlite3

        connection = sqlite3.connect(register, isolation_level=None)
    for statement in statements:
        connection.execute(statement)
    print("held", flush=True)
    sys.stdin.read()  # until the test closes it
    connection.rollback()
    """
)


@contextmanager
def held(register: str, *statements: str) -> Iterator[None]:
    """Another process holding the register: it runs the statements (a transaction left open)
    and keeps them until the block ends."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, register, *statements],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        assert process.stdout.readline() == "held\n"
        yield
    finally:
        process.stdin.close()
        process.wait(timeout=60)


WRITING = {  # a transaction that writes, left open
    "sqlite": ["BEGIN IMMEDIATE"],
    "postgresql": ["LOCK TABLE letters IN EXCLUSIVE MODE"],  # what a writer's rows hold
}
EXCLUDING = {  # a hold that keeps readers out too
    "sqlite": ["PRAGMA locking_mode = EXCLUSIVE", "BEGIN EXCLUSIVE"],
    "postgresql": ["LOCK TABLE letters IN ACCESS EXCLUSIVE MODE"],  # a schema change's
}


def kind(register_at: str) -> str:
    return "postgresql" if "://" in register_at else "sqlite"


def letters_command(
    *arguments: str, timeout: str = "5", prefix: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """The letters command, run as a caseworker runs it, with a register timeout."""
    return subprocess.run(
        [*prefix, sys.executable, "-m", "letters", *arguments],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "LETTERS_REGISTER_TIMEOUT": timeout},
        timeout=300,
        check=False,
    )


@pytest.fixture
def issued(register_at: str, register_clauses: Path, tmp_path: Path) -> str:
    """A register holding one issued letter (record 1, reference R00001)."""
    with Register(register_at) as register:
        [outcome] = register.issue(
            [write_case(tmp_path / "cases", 1)],
            by="Ann",
            clauses=register_clauses,
            out_dir=tmp_path / "out",
        )
    assert outcome.is_ok, outcome.problems
    return register_at


def test_a_reader_reads_at_once_while_a_writer_holds_a_transaction_open(issued: str) -> None:
    with held(issued, *WRITING[kind(issued)]):
        found = letters_command("register", "find", "--register", issued)
        shown = letters_command("register", "show", "1", "--register", issued)
    assert (found.returncode, found.stderr) == (0, "")
    assert "\tR00001\tMrs A\tTown Council\t" in found.stdout
    assert shown.returncode == 0 and shown.stdout.startswith("record 1\n")


def test_a_writer_held_up_too_long_is_told_the_register_is_busy(
    issued: str, register_clauses: Path, tmp_path: Path
) -> None:
    case = write_case(tmp_path / "cases", 2)
    with held(issued, *WRITING[kind(issued)]):
        done = letters_command(
            "issue",
            case,
            "--clauses",
            str(register_clauses),
            "--out-dir",
            str(tmp_path / "out"),
            "--register",
            issued,
            timeout="0.2",
        )
    assert done.returncode == 1
    assert "is busy: another process has held it for more than 0.2 s" in done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["case-00001.docx"]


def test_a_reader_kept_out_too_long_is_told_the_register_is_busy(issued: str) -> None:
    with held(issued, *EXCLUDING[kind(issued)]):
        done = letters_command("register", "find", "--register", issued, timeout="0.2")
    assert done.returncode == 1
    assert done.stderr.startswith("the register ")
    assert "is busy: another process has held it for more than 0.2 s" in done.stderr
    assert "Traceback" not in done.stderr


def without_root_s_override() -> tuple[str, ...]:
    """A prefix that makes a command obey file permissions: root ignores them unless it drops
    the capabilities that let it (setpriv, util-linux)."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: file permissions cannot be tested")
    return (setpriv, "--bounding-set", "-dac_override,-dac_read_search", "--")


@pytest.mark.parametrize("read_only", ["file", "folder"])
def test_a_register_this_user_cannot_write_is_read_and_not_written(
    read_only: str, tmp_path: Path, register_clauses: Path
) -> None:
    register = tmp_path / "registers" / "register.sqlite"
    register.parent.mkdir()
    with Register(str(register)) as opened:
        [outcome] = opened.issue(
            [write_case(tmp_path / "cases", 1)],
            by="Ann",
            clauses=register_clauses,
            out_dir=tmp_path / "out",
        )
    assert outcome.is_ok, outcome.problems
    prefix = without_root_s_override()
    locked = register if read_only == "file" else register.parent
    locked.chmod(0o444 if read_only == "file" else 0o555)
    try:
        found = letters_command("register", "find", "--register", str(register), prefix=prefix)
        shown = letters_command("register", "show", "1", "--register", str(register), prefix=prefix)
        due = letters_command(
            "register", "due", "--before", "2030-01-01", "--register", str(register), prefix=prefix
        )
        issuing = letters_command(
            "issue",
            write_case(tmp_path / "cases", 2),
            "--clauses",
            str(register_clauses),
            "--out-dir",
            str(tmp_path / "out"),
            "--register",
            str(register),
            prefix=prefix,
        )
        left = sorted(path.name for path in register.parent.iterdir())
    finally:
        locked.chmod(0o644 if read_only == "file" else 0o755)
    assert (found.returncode, found.stderr) == (0, "")
    assert "\tR00001\tMrs A\tTown Council\t" in found.stdout
    assert shown.returncode == 0 and "complainant: Mrs A" in shown.stdout
    assert (due.returncode, due.stderr) == (1, "no remedy is due before 2030-01-01\n")
    assert issuing.returncode == 1
    assert issuing.stderr == (
        f"{register}: the register is read-only (this user cannot write the file or "
        "its folder): it can be read (letters register find, show, due, verify), not written\n"
    )
    assert not (tmp_path / "out" / "case-00002.docx").exists()
    if read_only == "folder":
        assert left == ["register.sqlite"]


def test_register_timeout_comes_from_letters_toml_then_the_environment(tmp_path: Path) -> None:
    (tmp_path / "letters.toml").write_text("register_timeout = 2.5\n", encoding="utf-8")
    from_file = settings(environ={}, start=tmp_path)["register_timeout"]
    assert (from_file.value, from_file.source) == (2.5, str(tmp_path / "letters.toml"))
    from_environment = settings(environ={"LETTERS_REGISTER_TIMEOUT": "0.5"}, start=tmp_path)
    assert from_environment["register_timeout"].value == 0.5
    assert settings(environ={}, start=tmp_path / "..")["register_timeout"].value == 10.0


@pytest.mark.parametrize("given", ["0", "-1", "soon", "nan", "inf"])
def test_a_register_timeout_that_is_not_a_number_of_seconds_is_refused(given: str) -> None:
    with pytest.raises(
        UsageError,
        match=rf"LETTERS_REGISTER_TIMEOUT: register_timeout = '{given}': expected",
    ):
        settings(environ={"LETTERS_REGISTER_TIMEOUT": given})
