from __future__ import annotations

import io
import zipfile

import pytest

from letters.word import ooxml
from letters.word.ooxml import compress, write_package


def test_written_package_reads_back_with_fixed_times() -> None:
    data = write_package([compress("word/document.xml", b"<w/>" * 50), compress("a.txt", b"")])
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert package.testzip() is None
        assert package.namelist() == ["word/document.xml", "a.txt"]
        assert package.read("word/document.xml") == b"<w/>" * 50
        assert {info.date_time for info in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_same_parts_make_the_same_bytes() -> None:
    parts = [compress("x.xml", b"<x>1</x>")]
    assert write_package(parts) == write_package(parts)


@pytest.mark.parametrize("isal", [True, False])
def test_parts_made_for_each_letter_deflate_with_or_without_isal(
    isal: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not isal:
        monkeypatch.setattr(ooxml, "_isal_zlib", None)
    elif not ooxml.deflates_with_isal():
        pytest.skip("isal is not installed here")
    content = b"<w:p><w:t>The Ombudsman will not investigate.</w:t></w:p>" * 100
    entry = compress("word/document.xml", content, quick=True)
    with zipfile.ZipFile(io.BytesIO(write_package([entry]))) as package:
        assert package.testzip() is None
        assert package.infolist()[0].compress_type == zipfile.ZIP_DEFLATED
        assert package.read("word/document.xml") == content
    assert len(entry.local) < len(content) // 10
