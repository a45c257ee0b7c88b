from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from letters.output import write_atomic
from letters.problems import OutputError


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
