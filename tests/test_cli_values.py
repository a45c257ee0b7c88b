"""Values given on the command line that no register can hold: one clear line, exit 1, never
an internal error (an id of 2^63 or more, a name that is not UTF-8, the calendar's last day)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES

LETTERS = [sys.executable, "-m", "letters"]
CASE = str(EXAMPLES / "cpc-report-defamation.json")


def _letters(
    *arguments: str | bytes, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*LETTERS, *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def issued(tmp_path: Path) -> Path:
    """A folder with a register of one letter issued (record 1)."""
    done = _letters("issue", CASE, "--by", "A", "--out-dir", "out", "-q", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return tmp_path


@pytest.mark.parametrize(
    "arguments",
    [
        ["register", "show", "9223372036854775808"],
        ["register", "show", "99999999999999999999999"],
        ["register", "reproduce", "9223372036854775808", "-o", "again.docx"],
    ],
)
def test_an_id_past_any_records_is_no_record(arguments: list[str], issued: Path) -> None:
    """Before: "internal error (OverflowError: Python int too large to convert to SQLite
    INTEGER)"."""
    done = _letters(*arguments, cwd=issued)
    assert done.returncode == 1
    assert done.stderr == (
        f"no record {arguments[2]}: a record's id is at most 9223372036854775807\n"
    )
    assert not (issued / "again.docx").exists()


def test_a_record_it_replaces_past_any_records_is_no_record(issued: Path) -> None:
    done = _letters(
        "issue", CASE, "--replaces", "9223372036854775808", "--out-dir", "again", cwd=issued
    )
    assert done.returncode == 1
    assert done.stderr == (
        "no record 9223372036854775808: a record's id is at most 9223372036854775807\n"
    )
    assert not (issued / "again").exists()


@pytest.mark.parametrize(
    ("option", "expected"),
    [(["--to", "9223372036854775808"], 1), (["--from", "9223372036854775808"], 0)],
)
def test_find_from_or_to_an_id_past_any_records(
    option: list[str], expected: int, issued: Path
) -> None:
    done = _letters("register", "find", *option, cwd=issued)
    assert "internal error" not in done.stderr
    assert len(done.stdout.splitlines()) == expected


def test_find_until_the_calendars_last_day_finds_every_record(issued: Path) -> None:
    """Before: "internal error (OverflowError: date value out of range)"."""
    done = _letters("register", "find", "--until", "9999-12-31", cwd=issued)
    assert (done.returncode, done.stderr) == (0, "")
    assert len(done.stdout.splitlines()) == 1


def test_a_name_given_to_by_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    """``issue --by $'\\xff'``: before, "internal error (UnicodeEncodeError ...)"."""
    done = subprocess.run(
        [*LETTERS, "issue", CASE, "--by", b"\xff", "--out-dir", "out"],
        capture_output=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 1
    assert done.stderr == (
        b"--by: '\\xff' is not a name: who issues must be printable UTF-8 text\n"
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("given", "shown"), [("a\nb", "'a\\nb'"), ("\x1b[2J", "'\\x1b[2J'")])
def test_a_name_holding_control_characters_is_refused(
    given: str, shown: str, tmp_path: Path
) -> None:
    done = _letters(
        "issue", CASE, "--out-dir", "out", cwd=tmp_path, env={"LETTERS_ISSUED_BY": given}
    )
    assert done.returncode == 1
    assert done.stderr == (
        f"LETTERS_ISSUED_BY: {shown} is not a name: who issues must be printable UTF-8 text\n"
    )
