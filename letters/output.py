"""Write letters to disk so that a failure never leaves a partial file or loses an earlier one.

A letter is written to a temporary file beside its target and renamed into place: a render or
write that fails (a full disk, a killed process) leaves any earlier letter of that name as it
was. The file is not forced to the disk (fsync) before the rename; a batch of thousands would
spend most of its time waiting on the disk, and a power cut in between is the operating
system's to recover.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from letters.errors import OutputError


def write_atomic(path: str | Path, data: bytes) -> None:
    """Write the file whole or not at all: a temporary file beside it, renamed into place."""
    path = Path(path)
    directory = path.parent
    if not directory.is_dir():
        raise OutputError("the folder to write into does not exist", source=str(path))
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=directory)
    except OSError as error:
        raise OutputError(f"cannot write here ({error.strerror})", source=str(path)) from None
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        Path(temporary).chmod(0o644)
        Path(temporary).replace(path)
    except OSError as error:
        with contextlib.suppress(OSError):
            Path(temporary).unlink()
        raise OutputError(f"cannot write the letter ({error.strerror})", source=str(path)) from None
