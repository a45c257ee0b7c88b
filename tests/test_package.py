from __future__ import annotations

import io
import zipfile

from letters.ooxml import compress, write_package


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
