"""A new organisation's own library: ``letters init DIR``.

An organisation keeps its wording in its own repository. ``start_library`` makes one to start
from: the clause library (its facts, outlines and clauses) and Word templates that come with
letters, an example case, a ``letters.toml`` that points ``letters`` at them (so rendering in
that folder needs no flag), a README for the people who edit the wording, and a CI script that
lints the library and renders the examples.
"""

from __future__ import annotations

import shutil
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
    """Make a new organisation's library in ``folder`` (new or empty); the files it wrote."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise OutputError(
            "the folder is not empty; name a new folder for the library", Location(file=str(folder))
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copytree(bundled("clauses"), folder / "clauses")
        shutil.copytree(
            bundled("templates"), folder / "templates", ignore=shutil.ignore_patterns("*.py")
        )
        (folder / "examples").mkdir()
        example = bundled("examples") / EXAMPLE
        if not example.is_file():
            example = bundled("clauses").parent / "examples" / EXAMPLE
        shutil.copyfile(example, folder / "examples" / EXAMPLE)
        (folder / FILE_NAME).write_text(CONFIGURATION, encoding="utf-8")
        (folder / "README.md").write_text(README.format(example=EXAMPLE), encoding="utf-8")
        ci = folder / "ci.sh"
        ci.write_text(CI, encoding="utf-8")
        ci.chmod(0o755)
        (folder / ".gitignore").write_text("out/\n", encoding="utf-8")
    except OSError as error:
        raise OutputError(
            f"cannot make the library ({error.strerror}: {error.filename})",
            Location(file=str(folder)),
        ) from None
    return sorted(path for path in folder.rglob("*") if path.is_file())
