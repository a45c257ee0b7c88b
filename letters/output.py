"""Where letters go: their file names, and writing them so that a failure loses nothing.

A letter is written to a temporary file beside its target and renamed into place: a render or
write that fails (a full disk, a killed process) leaves any earlier letter of that name as it
was. The temporary name is short, so any name the file system takes for a letter works. The
file is not forced to the disk (fsync) before the rename; a batch of thousands would spend most
of its time waiting on the disk, and a power cut in between is the operating system's to
recover.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import signal
import stat
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from letters.problems import CaseError, Location, OutputError

STDIN = "-"
"""The case name that reads a case from standard input, and the output that is standard output."""
STDIN_NAME = "stdin.json"

_counter = itertools.count()
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][\w.]*)\}")
_UNSAFE = re.compile(r'[\x00-\x1f/\\:*?"<>|]+')


def output_name(
    case: str, pattern: str | None, data: Mapping[str, Any] | None, suffix: str = ".docx"
) -> str:
    """The file name of a case's letter: the case file's name, or a pattern of its fields.

    ``{reference} {complainant.name}`` gives "24 018 696 Mrs X.docx". Characters a file name
    cannot hold become "-". A case read from standard input is named as if it were stdin.json.
    """
    if pattern is None:
        return Path(STDIN_NAME if case == STDIN else case).with_suffix(suffix).name

    def value_of(match: re.Match[str]) -> str:
        value: Any = data
        for step in match.group(1).split("."):
            if not isinstance(value, Mapping) or value.get(step) is None:
                raise CaseError(
                    f"--name {pattern!r}: the case has no {match.group(1)!r} to name its letter by",
                    Location(file=case),
                )
            value = value[step]
        if isinstance(value, (Mapping, list)):
            raise CaseError(
                f"--name {pattern!r}: {match.group(1)!r} is not text", Location(file=case)
            )
        return str(value)

    name = _UNSAFE.sub("-", _PLACEHOLDER.sub(value_of, pattern)).strip(" .")
    if not name:
        raise CaseError(f"--name {pattern!r} gives an empty file name", Location(file=case))
    return name if name.lower().endswith(suffix) else name + suffix


def write_atomic(path: str | Path, data: bytes) -> None:
    """Write the file whole or not at all: a temporary file beside it, renamed into place.

    The letter gets the permissions of any new file (0666 less the umask). A target that is
    not a regular file (a device such as /dev/null, a FIFO, a socket) is written into, not
    replaced: renaming a file over it would put a file where the device or pipe was.
    """
    path = Path(path)
    if _write_into_special(path, data):
        return
    directory = path.parent
    if not directory.is_dir():
        raise OutputError("the folder to write into does not exist", Location(file=str(path)))
    # A stop signal is held back while the temporary file is made, and taken inside the try,
    # so that the file is always removed: none is left behind by a stopped batch.
    held = hold_signals()
    try:
        descriptor, temporary = _create_temporary(path)
    except BaseException:
        release_signals(held)
        raise
    try:
        release_signals(held)
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        Path(temporary).replace(path)
    except BaseException as error:  # a stop signal too: no temporary file is left behind
        with contextlib.suppress(OSError):
            Path(temporary).unlink()
        if isinstance(error, OSError):
            raise OutputError(
                f"cannot write the letter ({error.strerror})", Location(file=str(path))
            ) from None
        raise


def _write_into_special(path: Path, data: bytes) -> bool:
    """Write into a device, FIFO or socket at ``path``, if that is what is there: whether it
    was. A FIFO's open waits for its reader, as a shell's ``> fifo`` does."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False  # nothing there (or not reachable): a regular file is made
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return False
    try:
        if stat.S_ISSOCK(mode):
            import socket  # noqa: PLC0415 - deferred: start-up speed (a socket target is rare)

            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
                connection.connect(str(path))
                connection.sendall(data)
            return True
        flags = os.O_WRONLY | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)
        with os.fdopen(os.open(path, flags), "wb") as file:
            if stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                return False  # replaced by a regular file since: written atomically after all
            file.write(data)
    except OSError as error:
        raise OutputError(
            f"cannot write the letter ({error.strerror or error})", Location(file=str(path))
        ) from None
    return True


_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class HeldSignals:
    """Stop signals held back: the handlers they go back to, and those that came meanwhile."""

    def __init__(self) -> None:
        self.handlers: dict[int, Any] = {}
        self.caught: list[int] = []

    def catch(self, number: int, _frame: object) -> None:
        if number not in self.caught:
            self.caught.append(number)


def hold_signals() -> HeldSignals:
    """Hold back the stop signals (SIGTERM, SIGINT) until ``release_signals``, which then takes
    any that came meanwhile, as its handler would have.

    They are held by Python handlers, not by the thread's signal mask: a process with threads
    (a worker pool's) takes a signal in any thread that does not block it, and Python then runs
    the handler in the main thread at once, whatever that thread's mask. Only the main thread
    runs signal handlers, so only there is anything held (or needs to be)."""
    held = HeldSignals()
    with contextlib.suppress(ValueError):  # not the main thread
        for number in _STOP_SIGNALS:
            held.handlers[number] = signal.signal(number, held.catch)
    return held


def release_signals(held: HeldSignals | None) -> None:
    """Give the stop signals their handlers back, and take those held meanwhile."""
    if held is None:
        return
    handlers, held.handlers = held.handlers, {}
    for number, handler in handlers.items():
        signal.signal(number, signal.SIG_DFL if handler is None else handler)
    caught, held.caught = held.caught, []
    for number in caught:
        signal.raise_signal(number)  # its handler runs before this returns


def temporary_names(pid: int) -> str:
    """The pattern of the temporary files process ``pid`` writes letters under (a glob): a
    batch removes those of a worker killed while it wrote."""
    return f".letters-{pid}-*.part"


def _create_temporary(path: Path) -> tuple[int, str]:
    """Create a new, empty temporary file beside ``path``: its descriptor and name.

    The name does not repeat the letter's, so a letter whose name is as long as the file
    system allows can still be written.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    while True:
        name = str(path.parent / f".letters-{os.getpid()}-{next(_counter)}.part")
        try:
            return os.open(name, flags, 0o666), name
        except FileExistsError:
            continue  # left by an earlier run that was killed; take the next name
        except OSError as error:
            raise OutputError(
                f"cannot write here ({error.strerror})", Location(file=str(path))
            ) from None


def write_stdout(data: bytes) -> None:
    """Write a letter to standard output: a closed pipe or a full device is one clear error."""
    try:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    except BrokenPipeError:
        quiet_stdout()
        raise OutputError("standard output was closed before the letter was written") from None
    except OSError as error:
        quiet_stdout()
        raise OutputError(f"cannot write to standard output ({error.strerror})") from None


def quiet_stdout() -> None:
    """Point standard output at /dev/null, so that Python's own flush at exit cannot fail
    again on the closed pipe or full device and print a second message."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def json_text(value: Any, *, indent: int | None = 2) -> str:
    """Value as JSON text that any UTF-8 stream takes: readable non-ASCII characters, and a
    lone surrogate (from a key a case file wrote as an escape) written as its escape again."""
    text = json.dumps(value, indent=indent, ensure_ascii=False)
    return _LONE_SURROGATE.sub(lambda match: f"\\u{ord(match[0]):04x}", text)
