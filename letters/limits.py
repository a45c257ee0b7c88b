"""How much work one letter, and how much reading one file, may take.

Clause files and Word templates travel by email and are edited by many hands; a case file can
come from any system. None of them can make the engine run for ever or fill the memory: rendering
one letter has a time limit and a size limit, and reading a case file, a clause library or a
template has a size limit. The defaults are far above any real letter (a decision letter renders
in milliseconds and runs to some 20,000 characters); an operator can raise or lower them with
environment variables (and, for the time, ``render --time-limit``).

The time limit is kept by the wording sandbox itself, which looks at the clock at every call,
filter, loop step and piece of output of clause and template text: no signal or thread is
needed, so it holds in worker processes and in a server's threads alike.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from attrs import frozen

from letters.configuration import settings
from letters.problems import LettersError, LimitError, Location, TimeLimitError


@frozen
class Limits:
    """The bounds on one letter's work and on the files read for it."""

    time: float = 10.0
    """Seconds one letter may take to compose and fill its template (PDF conversion aside)."""
    letter_size: int = 5_000_000
    """Characters of text one letter, or any value made on the way to it, may hold."""
    file_size: int = 20_000_000
    """Bytes of one case file, clause file or template part (unpacked); a clause library may
    hold ten times this in all, and a template five times."""

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> Limits:
        """The limits as configured: ``LETTERS_TIME_LIMIT`` (seconds),
        ``LETTERS_LETTER_SIZE_LIMIT`` (characters) and ``LETTERS_FILE_SIZE_LIMIT`` (bytes),
        else ``letters.toml``'s ``[limits]``, else the defaults."""
        found = settings(environ=environ)
        return cls(
            time=float(found["time"].value),
            letter_size=int(found["letter_size"].value),
            file_size=int(found["file_size"].value),
        )


DEFAULT = Limits()


class _Budget(threading.local):
    deadline: float | None = None
    letter_size: int = DEFAULT.letter_size
    seconds: float = DEFAULT.time


_budget = _Budget()


@contextmanager
def budget(limits: Limits) -> Iterator[None]:
    """Work within the limits for one letter, in this thread; nested budgets keep the tighter."""
    saved = (_budget.deadline, _budget.letter_size, _budget.seconds)
    deadline = time.monotonic() + limits.time
    if _budget.deadline is not None:
        deadline = min(deadline, _budget.deadline)
    _budget.deadline = deadline
    _budget.letter_size = min(limits.letter_size, saved[1]) if saved[0] else limits.letter_size
    _budget.seconds = limits.time
    try:
        yield
    finally:
        _budget.deadline, _budget.letter_size, _budget.seconds = saved


def check_time() -> None:
    """Stop the work if this thread's letter is past its time."""
    deadline = _budget.deadline
    if deadline is not None and time.monotonic() > deadline:
        raise TimeLimitError(
            f"the letter took longer than its time limit of {_budget.seconds:g} s "
            "(LETTERS_TIME_LIMIT raises it)"
        )


def size_limit() -> int:
    """The most characters one letter, or one value made for it, may hold here."""
    return _budget.letter_size


OUTPUT_TIMES = 20
"""How many times the letter size limit a filled template part's XML may hold: Word's markup
around each paragraph and run, and the character references of escaped text (``&#123;`` for
``{``), make a part's XML several times as long as the letter's text."""


def check_output(size: int, what: str = "the filled template part") -> None:
    """Stop the work if the XML made for a letter is past the output bound (a template that
    repeats its text without end, say); the letter's own text is held to its size limit."""
    bound = OUTPUT_TIMES * _budget.letter_size
    if size > bound:
        raise LimitError(
            f"{what} of more than {bound:,} characters of XML (the output bound: "
            f"{OUTPUT_TIMES} times the letter size limit; LETTERS_LETTER_SIZE_LIMIT raises it)"
        )


def check_size(size: int, what: str = "text") -> None:
    """Stop the work if a value made for the letter is larger than a letter may be."""
    if size > _budget.letter_size:
        raise LimitError(
            f"{what} of more than {_budget.letter_size:,} characters "
            "(the letter size limit; LETTERS_LETTER_SIZE_LIMIT raises it)"
        )


def read_bounded(
    path: Path, limit: int, error: type[LettersError], what: str, *, times: str = ""
) -> bytes:
    """A file's bytes, read no further than ``limit`` (``/dev/zero`` is not read whole): a
    missing, unreadable or too large file is one ``error`` naming the file as ``what``."""
    try:
        with path.open("rb") as file:
            data = _read_upto(file, limit + 1)
    except FileNotFoundError:
        raise error(f"no such {what}", Location(file=str(path))) from None
    except OSError as problem:
        raise error(
            f"cannot read the {what} ({problem.strerror})", Location(file=str(path))
        ) from None
    if len(data) > limit:
        raise error(
            f"the {what} is larger than {limit:,} bytes ({times}LETTERS_FILE_SIZE_LIMIT)",
            Location(file=str(path)),
        )
    return data


def read_bounded_text(
    path: Path, limit: int, error: type[LettersError], what: str, *, times: str = ""
) -> str:
    """A text file's text, read as ``read_bounded`` reads it and decoded as UTF-8: case files
    and clause files alike. Bytes that are not UTF-8 are one ``error`` that says which."""
    data = read_bounded(path, limit, error, what, times=times)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as problem:
        raise error(
            f"not UTF-8 text ({problem.reason} at byte {problem.start})", Location(file=str(path))
        ) from None


_CHUNK = 1 << 16


def _read_upto(file: BinaryIO, most: int) -> bytes:
    """At most ``most`` bytes of a file, read in one go when its size is known.

    ``read(most)`` alone would set aside a buffer of ``most`` bytes for every file, however
    small: 20 MB for each case file.
    """
    try:
        size = os.fstat(file.fileno()).st_size
    except (OSError, ValueError):
        size = 0
    chunks: list[bytes] = []
    total = 0
    wanted = min(most, size + 1) if size else _CHUNK  # +1: to see the end, or a file that grew
    while total < most:
        chunk = file.read(min(wanted, most - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        wanted = _CHUNK
    return b"".join(chunks)
