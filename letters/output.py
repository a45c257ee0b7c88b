"""Write letters to disk so that a failure never leaves a partial file or loses an earlier one.

A letter is written to a temporary file beside its target and renamed into place: a render or
write that fails (a full disk, a killed process) leaves any earlier letter of that name as it
was. The file is not forced to the disk (fsync) before the rename; a batch of thousands would
spend most of its time waiting on the disk, and a power cut in between is the operating
system's to recover.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from pathlib import Path

from letters.errors import OutputError

_counter = itertools.count()


def write_atomic(path: str | Path, data: bytes) -> None:
    """Write the file whole or not at all: a temporary file beside it, renamed into place.

    The letter gets the permissions of any new file (0666 less the umask).
    """
    path = Path(path)
    directory = path.parent
    if not directory.is_dir():
        raise OutputError("the folder to write into does not exist", source=str(path))
    temporary = _create_temporary(path)
    try:
        with os.fdopen(temporary[0], "wb") as file:
            file.write(data)
        Path(temporary[1]).replace(path)
    except OSError as error:
        with contextlib.suppress(OSError):
            Path(temporary[1]).unlink()
        raise OutputError(f"cannot write the letter ({error.strerror})", source=str(path)) from None


def _create_temporary(path: Path) -> tuple[int, str]:
    """Create a new, empty temporary file beside ``path``: its descriptor and name."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    while True:
        name = str(path.parent / f".{path.name}.{os.getpid()}.{next(_counter)}.part")
        try:
            return os.open(name, flags, 0o666), name
        except FileExistsError:
            continue  # left by an earlier run that was killed; take the next name
        except OSError as error:
            raise OutputError(f"cannot write here ({error.strerror})", source=str(path)) from None
