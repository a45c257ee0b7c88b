"""A register file that is not SQLite, or was cut short: one clear line naming the file, for
every command that opens it, never an internal error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES

LETTERS = [sys.executable, "-m", "letters"]
CASE = str(EXAMPLES / "cpc-report-defamation.json")
COMMANDS = [
    ["register", "show", "1"],
    ["register", "find"],
    ["register", "verify"],
    ["issue", CASE, "--out-dir", "out"],
]


def _letters(*arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*LETTERS, *arguments], capture_output=True, text=True, timeout=120, check=False, cwd=cwd
    )


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: " ".join(command[:2]))
def test_a_register_that_is_not_sqlite_is_one_line(command: list[str], tmp_path: Path) -> None:
    register = tmp_path / "register.sqlite"
    register.write_bytes(b"a spreadsheet saved under the register's name\n" * 100)
    done = _letters(*command, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr == (
        f"{register}: the register is damaged (file is not a database): it is not an SQLite "
        "database, or it was cut short; restore it from a copy\n"
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: " ".join(command[:2]))
def test_a_register_cut_short_is_one_line(command: list[str], tmp_path: Path) -> None:
    whole = tmp_path / "whole"
    whole.mkdir()
    done = _letters("issue", CASE, "--out-dir", "out", "-q", cwd=whole)
    assert done.returncode == 0, done.stderr
    data = (whole / "register.sqlite").read_bytes()
    register = tmp_path / "register.sqlite"
    register.write_bytes(data[: len(data) // 3])  # a copy stopped a third of the way
    done = _letters(*command, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.startswith(f"{register}: the register is damaged ("), done.stderr
    assert len(done.stderr.splitlines()) == 1
    assert not (tmp_path / "out").exists()
