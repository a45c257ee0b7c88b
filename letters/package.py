"""Write a .docx package (a zip) fast and deterministically.

A letter differs from its template in a few parts (the document, its header and properties);
every other part (styles, theme, numbering, fonts, images) is compressed once per template and
copied as it is. The standard zipfile module cannot take data already compressed, so this writes
the zip structure itself: local headers, data, central directory. Entry times are fixed, so the
same parts make the same bytes.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable

from attrs import frozen

_DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01, the earliest date a zip can hold
_DOS_TIME = 0
_VERSION = 20  # 2.0: deflate
_DEFLATE = 8
_FILE_MODE = 0o100644 << 16


@frozen
class Entry:
    """One part of the package, compressed."""

    name: str
    crc: int
    size: int
    data: bytes


def compress(name: str, content: bytes) -> Entry:
    """Compress a part with raw deflate, as a zip entry holds it."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    data = compressor.compress(content) + compressor.flush()
    return Entry(name=name, crc=zlib.crc32(content), size=len(content), data=data)


def write_package(entries: Iterable[Entry]) -> bytes:
    """The zip file holding the entries, in the order given."""
    chunks: list[bytes] = []
    directory: list[bytes] = []
    offset = 0
    count = 0
    for entry in entries:
        name = entry.name.encode("utf-8")
        fields = (_DEFLATE, _DOS_TIME, _DOS_DATE, entry.crc, len(entry.data), entry.size, len(name))
        local = struct.pack("<IHHHHHIIIHH", 0x04034B50, _VERSION, 0, *fields, 0) + name
        directory.append(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                _VERSION | (3 << 8),
                _VERSION,
                0,
                *fields,
                0,
                0,
                0,
                0,
                _FILE_MODE,
                offset,
            )
            + name
        )
        chunks += (local, entry.data)
        offset += len(local) + len(entry.data)
        count += 1
    central = b"".join(directory)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), offset, 0)
    return b"".join([*chunks, central, end])
