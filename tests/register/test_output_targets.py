"""Where `letters register reproduce -o` and `letters issue -o` write: standard output for '-',
a device or FIFO written into, never replaced, and an issued letter only ever a new file."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from letters.register import Register
from tests.register.registers import write_case
from tests.test_output import character_device, checked_on_a_fifo_first


@pytest.fixture
def issued(tmp_path: Path, register_clauses: Path) -> Path:
    """A register holding one issued letter (record 1); the letter's file is returned."""
    with Register(str(tmp_path / "register.sqlite")) as register:
        [outcome] = register.issue(
            [write_case(tmp_path / "cases", 1)],
            by="Ann",
            clauses=register_clauses,
            out_dir=tmp_path / "out",
        )
    assert outcome.is_ok, outcome.problems
    return tmp_path / "out" / "case-00001.docx"


def letters(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess[bytes]:
    """The letters command run in ``tmp_path`` on its register, as a caseworker runs it."""
    return subprocess.run(
        [sys.executable, "-m", "letters", *arguments],
        capture_output=True,
        cwd=tmp_path,
        env={**os.environ, "LETTERS_REGISTER": str(tmp_path / "register.sqlite")},
        timeout=300,
        check=False,
    )


def test_reproduce_to_dash_writes_the_letter_to_standard_output(
    issued: Path, tmp_path: Path, register_clauses: Path
) -> None:
    done = letters(
        tmp_path, "register", "reproduce", "1", "-o", "-", "--repository", str(register_clauses)
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout == issued.read_bytes()
    digest = hashlib.sha256(done.stdout).hexdigest()
    assert done.stderr.decode().startswith(
        f"wrote the letter to standard output: the same bytes as issued (sha256 {digest}, "
    )
    assert not (tmp_path / "-").exists()


def test_reproduce_to_a_fifo_writes_into_it(
    issued: Path, tmp_path: Path, register_clauses: Path
) -> None:
    fifo = tmp_path / "letter.pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    done = letters(
        tmp_path,
        "register",
        "reproduce",
        "1",
        "-o",
        str(fifo),
        "--repository",
        str(register_clauses),
    )
    assert done.returncode == 0, done.stderr.decode()
    assert stat.S_ISFIFO(fifo.stat().st_mode)  # else the reader waits for ever: not joined
    reader.join()
    assert received == [issued.read_bytes()]


def test_reproduce_to_a_full_device_is_one_clear_error_naming_it(
    issued: Path, tmp_path: Path, register_clauses: Path
) -> None:
    if not Path("/dev/full").exists() or character_device("/dev/full") is None:
        pytest.skip("no /dev/full on this machine")
    before = character_device("/dev/full")

    def reproduce(target: str) -> subprocess.CompletedProcess[bytes]:
        return letters(
            tmp_path,
            "register",
            "reproduce",
            "1",
            "-o",
            target,
            "--repository",
            str(register_clauses),
        )

    checked_on_a_fifo_first(reproduce, tmp_path)
    done = reproduce("/dev/full")
    assert done.returncode == 1
    assert done.stderr.decode() == "/dev/full: cannot write the letter (No space left on device)\n"
    assert character_device("/dev/full") == before


def test_issue_to_a_fifo_is_refused_at_once_and_leaves_it_a_fifo(
    issued: Path, tmp_path: Path, register_clauses: Path
) -> None:
    fifo = tmp_path / "letter.pipe"
    os.mkfifo(fifo)
    done = letters(
        tmp_path,
        "issue",
        write_case(tmp_path / "cases", 2),
        "--clauses",
        str(register_clauses),
        "-o",
        str(fifo),
    )
    assert done.returncode == 1
    assert "letter.pipe: a file is already there; an issued letter is never written over" in (
        done.stderr.decode()
    )
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    with Register(str(tmp_path / "register.sqlite"), create=False) as register:
        assert [record.id for record in register.find()] == [1]
