"""The engine's unit tests survive a caseworker's ordinary edit of the real clause library."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

UNIT_TESTS = [
    "tests/batch/test_running.py",
    "tests/test_cli.py",
    "tests/test_clauses.py",
    "tests/test_compose.py",
    "tests/test_impact.py",
    "tests/test_lint.py",
    "tests/outline/test_outlines.py",
    "tests/test_provenance.py",
    "tests/word/test_template.py",
    "tests/test_hostile.py",  # the live library's messages, its reasons and variants not listed
    "tests/test_golden.py",  # the references: a trial variant and a new reason change no letter
]


def test_unit_tests_pass_on_a_library_with_a_new_variant_and_clause(tmp_path: Path) -> None:
    library = tmp_path / "clauses"
    shutil.copytree(ROOT / "clauses", library)
    tests = library / "role" / "tests.txt"
    text = tests.read_text(encoding="utf-8")
    text = text.replace(
        "\n---\n",
        '\n  "2024-short":\n    from: 2024-06-01\n    until: 2024-06-01\n    about: "a trial wording"\n---\n',
        1,
    )
    tests.write_text(
        text.rstrip()
        + "\n\n== 2024-short ==\nWe do not investigate if {{ reasons.test | join_or }}.\n",
        encoding="utf-8",
    )
    complains = library / "complaint" / "complains-that.txt"
    complains.write_text(
        complains.read_text(encoding="utf-8").replace(
            "---\n", "---\nid: complaint/complains-that\n", 1
        ),
        encoding="utf-8",
    )
    (library / "letter" / "note.txt").write_text("---\ntitle: A note\n---\nA new clause.\n")
    tribunal = library / "role" / "tribunal.txt"  # a variant of a clause the tests name
    text = tribunal.read_text(encoding="utf-8").replace(
        "\n---\n", '\n  "2025-trial":\n    from: 2025-06-01\n    until: 2025-06-01\n---\n', 1
    )
    tribunal.write_text(text.rstrip() + "\n\n== 2025-trial ==\nA trial wording.\n", "utf-8")
    shutil.copytree(library / "reasons" / "late", library / "reasons" / "trial-reason")
    for path in library.rglob("*.txt"):  # a comment line in every front matter
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("---\n", "---\n# checked this year\n", 1), encoding="utf-8")
    facts = library / "facts.yaml"
    facts.write_text(
        facts.read_text(encoding="utf-8") + "\nurgent:\n  kind: yes/no\n  about: a new fact\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            *UNIT_TESTS,
        ],
        cwd=ROOT,
        env={**os.environ, "LETTERS_CLAUSES": str(library)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:]
