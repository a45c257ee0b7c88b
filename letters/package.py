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
_STORED, _DEFLATED = 0, 8
_FILE_MODE = 0o100644 << 16
_SMALL = 2048  # parts smaller than this are stored: compressing them costs more than it saves


@frozen
class Entry:
    """One part of the package, ready to write: its local header and data, and the central
    directory's record of it but for the offset, which depends on the parts before it."""

    name: str
    local: bytes
    central: bytes
    name_bytes: bytes


def compress(name: str, content: bytes) -> Entry:
    """A part as a zip entry: deflated (small parts stored).

    The deflate window is the smallest that holds the part (up to deflate's 32 KB): the same
    output for a small part, at half the cost of setting up a full window. Any reader takes it.
    """
    if len(content) < _SMALL:
        method, data = _STORED, content
    else:
        window = max(10, min(15, (len(content) - 1).bit_length()))
        compressor = zlib.compressobj(6, zlib.DEFLATED, -window, 8)
        method, data = _DEFLATED, compressor.compress(content) + compressor.flush()
    encoded = name.encode("utf-8")
    fields = (
        method,
        _DOS_TIME,
        _DOS_DATE,
        zlib.crc32(content),
        len(data),
        len(content),
        len(encoded),
    )
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, _VERSION, 0, *fields, 0) + encoded + data
    central = struct.pack(
        "<IHHHHHHIIIHHHHHI",
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
    )
    return Entry(name=name, local=local, central=central, name_bytes=encoded)


def write_package(entries: Iterable[Entry]) -> bytes:
    """The zip file holding the entries, in the order given."""
    chunks: list[bytes] = []
    directory: list[bytes] = []
    offset = 0
    for entry in entries:
        chunks.append(entry.local)
        directory += (entry.central, struct.pack("<I", offset), entry.name_bytes)
        offset += len(entry.local)
    central = b"".join(directory)
    count = len(chunks)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), offset, 0)
    return b"".join([*chunks, central, end])
