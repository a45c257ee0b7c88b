from __future__ import annotations

import io
import os
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from letters.output import write_atomic
from letters.problems import OutputError
from tests.register.registers import write_case, write_library


def test_writes_the_whole_file(tmp_path: Path) -> None:
    write_atomic(tmp_path / "letter.docx", b"content")
    assert (tmp_path / "letter.docx").read_bytes() == b"content"


def test_replaces_an_earlier_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "letter.docx"
    target.write_bytes(b"old")
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["letter.docx"]


def test_missing_folder_is_an_error_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(
        OutputError, match=r"nowhere/letter.docx: the folder to write into does not exist"
    ):
        write_atomic(tmp_path / "nowhere" / "letter.docx", b"x")


def test_unwritable_folder_keeps_the_earlier_letter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "letter.docx"
    target.write_bytes(b"earlier")

    def refused(*_: object, **__: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "open", refused)
    with pytest.raises(OutputError, match=r"letter.docx: cannot write here \(Permission denied\)"):
        write_atomic(target, b"later")
    assert target.read_bytes() == b"earlier"


def test_full_disk_leaves_no_partial_file_and_keeps_the_earlier_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "letter.docx"
    target.write_bytes(b"earlier")
    opened = os.fdopen

    class FullDisk(io.BufferedWriter):
        def write(self, data: object) -> int:
            raise OSError(28, "No space left on device")

    def full_disk(descriptor: int, mode: str) -> io.BufferedWriter:
        return FullDisk(opened(descriptor, "wb", buffering=0))

    monkeypatch.setattr(os, "fdopen", full_disk)
    with pytest.raises(
        OutputError, match=r"letter.docx: cannot write the letter \(No space left on device\)"
    ):
        write_atomic(target, b"later")
    assert target.read_bytes() == b"earlier"
    assert [p.name for p in tmp_path.iterdir()] == ["letter.docx"]


def test_a_letter_gets_the_permissions_of_any_new_file(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    try:
        write_atomic(tmp_path / "letter.docx", b"x")
    finally:
        os.umask(mask)
    assert (tmp_path / "letter.docx").stat().st_mode & 0o777 == 0o644


def test_a_fifo_given_as_the_letter_s_file_is_written_into_and_stays_a_fifo(
    tmp_path: Path,
) -> None:
    fifo = tmp_path / "letter.pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    write_atomic(fifo, b"the letter")
    assert stat.S_ISFIFO(fifo.stat().st_mode)  # else the reader waits for ever: not joined
    reader.join()
    assert received == [b"the letter"]
    assert [p.name for p in tmp_path.iterdir()] == ["letter.pipe"]


def test_a_socket_given_as_the_letter_s_file_is_written_into(tmp_path: Path) -> None:
    path = tmp_path / "letter.sock"
    received: list[bytes] = []
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(path))
        server.listen(1)

        def take() -> None:
            connection, _ = server.accept()
            with connection:
                received.append(b"".join(iter(lambda: connection.recv(65536), b"")))

        reader = threading.Thread(target=take, daemon=True)
        reader.start()
        write_atomic(path, b"the letter" * 10_000)
        assert stat.S_ISSOCK(path.stat().st_mode)  # else no one connects: not joined
        reader.join()
    assert received == [b"the letter" * 10_000]


def checked_on_a_fifo_first(write: Callable[[str], object], tmp_path: Path) -> None:
    """Check on a FIFO of the test's own that ``write(target)`` writes into what is not a
    regular file, before it is pointed at the machine's /dev/null or /dev/full: a letters that
    replaced its target, run as root (who owns /dev), would put a file where the device was,
    for every process on the machine."""
    fifo = tmp_path / "first.pipe"
    os.mkfifo(fifo)
    reader = threading.Thread(target=fifo.read_bytes, daemon=True)
    reader.start()
    write(str(fifo))
    if not stat.S_ISFIFO(fifo.stat().st_mode):
        pytest.fail("a FIFO given as the target was replaced: not tried on the machine's devices")
    reader.join()


def render_to(target: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """letters render of a small case into ``target``, as a caseworker runs it."""
    clauses = write_library(tmp_path / "library", commit=False)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "letters",
            "render",
            write_case(tmp_path / "cases"),
            "--clauses",
            str(clauses),
            "--format",
            "txt",
            "-q",
            "-o",
            target,
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )


def character_device(path: str) -> tuple[int, int] | None:
    """The device number and inode of a character device; None if it is not one."""
    found = Path(path).stat()
    return (found.st_rdev, found.st_ino) if stat.S_ISCHR(found.st_mode) else None


def test_render_to_dev_null_writes_into_it_and_leaves_it_a_device(tmp_path: Path) -> None:
    before = character_device(os.devnull)
    if before is None:
        pytest.skip(f"{os.devnull} is not a character device on this machine")
    checked_on_a_fifo_first(lambda target: render_to(target, tmp_path), tmp_path)
    done = render_to(os.devnull, tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    assert character_device(os.devnull) == before


def test_render_to_a_full_device_is_one_clear_error_naming_it(tmp_path: Path) -> None:
    if not Path("/dev/full").exists() or character_device("/dev/full") is None:
        pytest.skip("no /dev/full on this machine")
    before = character_device("/dev/full")
    checked_on_a_fifo_first(lambda target: render_to(target, tmp_path), tmp_path)
    done = render_to("/dev/full", tmp_path)
    assert done.returncode == 1
    assert done.stderr.endswith("/dev/full: cannot write the letter (No space left on device)\n"), (
        done.stderr
    )
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert character_device("/dev/full") == before
