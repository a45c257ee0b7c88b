"""A new organisation's own library: ``letters init DIR``.

An organisation keeps its wording in its own repository. ``start_library`` makes one to start
from: the clause library (its facts, outlines and clauses) and Word templates that come with
letters, an example case, a ``letters.toml`` that points ``letters`` at them (so rendering in
that folder needs no flag), a README for the people who edit the wording, and a CI script that
lints the library and renders the examples.
"""

from __future__ import annotations

import contextlib
import errno
import fnmatch
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

from letters.configuration import FILE_NAME, bundled
from letters.problems import Location, OutputError

EXAMPLE = "cpc-report-defamation.json"

CONFIGURATION = """\
# letters reads this file in this folder and every folder below it.
# Paths are relative to this file. Flags and LETTERS_* environment variables override it.
clauses = "clauses"
templates = "templates"
template = "decision"

[limits]
time = 10              # seconds one letter may take
letter_size = 5000000  # characters one letter may hold
file_size = 20000000   # bytes of one case file, clause file or template part
"""

README = """\
# Our decision letters

This folder holds our standard wording and the Word templates our letters are made from.
`letters` reads it whenever it runs here (see `letters.toml`).

- `clauses/facts.yaml`: the facts a case file can give.
- `clauses/outlines/`: for each kind of decision, its sections and the clauses that fill them.
- `clauses/*/*.txt`: the wording, one clause a file. `clauses/README.md` explains the formats.
- `templates/`: the Word templates; restyle them in Word.
- `examples/`: case files, rendered by `ci.sh` on every change.

Everyday commands:

```sh
letters render examples/{example} -o letter.docx     # a letter
letters clauses find "we will not investigate"          # which clause holds a sentence
letters explain examples/{example}                   # where each sentence came from
letters clauses lint                                    # check the wording and the examples
./ci.sh                                                 # what CI runs
```
"""

CI = """\
#!/usr/bin/env sh
# Check our library: every clause, outline and fact, and every example renders.
set -eu
cd "$(dirname "$0")"
letters clauses lint --case examples
letters templates check decision
mkdir -p out
letters render examples/*.json --out-dir out -q
echo "ci: the library lints clean and every example renders"
"""


def start_library(folder: str | Path) -> list[Path]:
    """Make a new organisation's library in ``folder`` (new or empty); the files it wrote.

    The library is written into a new folder beside ``folder`` and renamed into place once it
    is whole: a full disk or a folder that cannot be written leaves nothing behind (neither
    that folder nor the parents made for it), and the error is the operating system's own.
    """
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise OutputError(
            "the folder is not empty; name a new folder for the library", Location(file=str(folder))
        )
    made: list[Path] = []  # the parents made for the folder, deepest last
    staging: Path | None = None
    writing = folder
    try:
        for parent in reversed(folder.absolute().parents):
            if not parent.exists():
                writing = parent
                parent.mkdir()
                made.append(parent)
        writing = staging = folder.parent / f".{folder.name}.{secrets.token_hex(4)}.tmp"
        staging.mkdir()
        for path in _write_library(staging):  # the library is written as the paths come
            writing = path
        writing = folder
        staging.replace(folder)  # an empty folder of that name is replaced
    except OSError as error:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        for parent in reversed(made):
            with contextlib.suppress(OSError):
                parent.rmdir()
        raise OutputError(
            f"cannot make the library: {_os_error(error, writing)}; nothing was left behind",
            Location(file=str(folder)),
        ) from None
    return sorted(path for path in folder.rglob("*") if path.is_file())


def _write_library(folder: Path) -> Iterator[Path]:
    """Write the library's files into ``folder``, saying each file before it is written."""
    yield from _copy_folder(bundled("clauses"), folder / "clauses")
    yield from _copy_folder(bundled("templates"), folder / "templates", skip="*.py")
    example = bundled("examples") / EXAMPLE
    if not example.is_file():
        example = bundled("clauses").parent / "examples" / EXAMPLE
    yield folder / "examples"
    (folder / "examples").mkdir()
    yield folder / "examples" / EXAMPLE
    shutil.copyfile(example, folder / "examples" / EXAMPLE)
    files = {
        FILE_NAME: CONFIGURATION,
        "README.md": README.format(example=EXAMPLE),
        "ci.sh": CI,
        ".gitignore": "out/\n",
    }
    for name, text in files.items():
        yield folder / name
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "ci.sh").chmod(0o755)


def _copy_folder(source: Path, target: Path, *, skip: str = "") -> Iterator[Path]:
    """Copy a folder file by file (shutil.copytree gathers its errors into one without the
    operating system's number and message), saying each file before it is copied."""
    for place, folders, files in os.walk(source):
        here = target / Path(place).relative_to(source)
        yield here
        here.mkdir()
        folders.sort()
        for name in sorted(files):
            if skip and fnmatch.fnmatch(name, skip):
                continue
            yield here / name
            shutil.copy2(Path(place) / name, here / name)


def _os_error(error: OSError, writing: Path) -> str:
    """The operating system's error as it gives it: its message, its number and the file."""
    number = errno.errorcode.get(error.errno, str(error.errno)) if error.errno else None
    reason = error.strerror or str(error) or type(error).__name__
    described = f"{reason} ({number})" if number else reason
    # a copy's error names the file read first and the file written second (sendfile's ENOSPC)
    return f"{described}, at {error.filename2 or error.filename or writing}"
