"""What the register's tests share: a register on SQLite or on the PostgreSQL server that
``make postgresql`` starts, a small clause library of their own in a git repository, and case
files for it."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

POSTGRESQL_URL = ROOT / "out" / "postgresql.url"
"""Where ``make postgresql`` writes the URL of the server it started."""

CLAUSES = {
    "letter/title.txt": '---\ntitle: "Title"\n---\nDecision\n',
    "letter/sign-off.txt": '---\ntitle: "Sign-off"\n---\nYours sincerely\n',
    "headings/complaint.txt": '---\ntitle: "Heading: the complaint"\n---\nThe complaint\n',
    "headings/final.txt": '---\ntitle: "Heading: final decision"\n---\nFinal decision\n',
    "complaint/about.txt": (
        '---\ntitle: "What the complaint is about"\n---\n'
        "{{ complainant }} complains {{ complaint.about }}.\n"
    ),
    "final/decision.txt": (
        '---\ntitle: "Final decision"\nvariants:\n  "2024":\n    from: 2024-01-01\n'
        '  "old":\n    until: 2023-12-31\n---\n'
        "== 2024 ==\nWe will not investigate {{ complainant.possessive }} complaint.\n\n"
        "== old ==\nThe Ombudsman will not investigate this complaint.\n"
    ),
    "final/late.txt": (
        '---\ntitle: "Late"\n---\nThe complaint is late and we see no reason to look at it now.\n'
    ),
}


def postgresql_server() -> str | None:
    """The URL of the tests' PostgreSQL server: LETTERS_TEST_POSTGRESQL, else the one
    ``make postgresql`` wrote; None when there is none."""
    given = os.environ.get("LETTERS_TEST_POSTGRESQL", "").strip()
    if given:
        return given
    if POSTGRESQL_URL.is_file():
        return POSTGRESQL_URL.read_text(encoding="utf-8").strip() or None
    return None


class fresh_postgresql_database:
    """A database made for one test on the tests' server and dropped after it."""

    def __enter__(self) -> str:
        import psycopg
        import sqlalchemy as sa

        server = postgresql_server()
        if server is None:
            pytest.skip(
                "no PostgreSQL server for the tests: `make postgresql` starts one "
                "(or set LETTERS_TEST_POSTGRESQL to a postgresql:// URL)"
            )
        self.server = sa.make_url(server)
        self.name = f"letters_test_{uuid.uuid4().hex[:12]}"
        try:
            with psycopg.connect(self._conninfo(self.server.database), autocommit=True) as db:
                db.execute(f'CREATE DATABASE "{self.name}"')
        except psycopg.OperationalError as error:
            pytest.skip(f"the tests' PostgreSQL server ({server}) cannot be reached: {error}")
        return self.server.set(database=self.name).render_as_string(hide_password=False)

    def _conninfo(self, database: str | None) -> str:
        url = self.server.set(drivername="postgresql", database=database)
        return url.render_as_string(hide_password=False)

    def __exit__(self, *_: object) -> None:
        import psycopg

        with psycopg.connect(self._conninfo(self.server.database), autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def git(folder: Path, *arguments: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(folder), *arguments],
        capture_output=True,
        text=True,
        check=True,
        env={
            **os.environ,
            "GIT_AUTHOR_NAME": "Tests",
            "GIT_AUTHOR_EMAIL": "tests@letters.invalid",
            "GIT_COMMITTER_NAME": "Tests",
            "GIT_COMMITTER_EMAIL": "tests@letters.invalid",
        },
    )
    return done.stdout.strip()


def write_library(folder: Path, *, commit: bool = True) -> Path:
    """The tests' clause library in ``folder/clauses``, committed in a git repository there."""
    clauses = folder / "clauses"
    for relative, text in CLAUSES.items():
        path = clauses / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if commit:
        git(folder, "init", "-q")
        git(folder, "add", "clauses")
        git(folder, "commit", "-q", "-m", "the library")
    return clauses


def case(
    number: int = 1,
    *,
    name: str = "Mrs A",
    body: str = "Town Council",
    late: bool = False,
    decided: str = "2024-05-01",
    **extra: Any,
) -> dict[str, Any]:
    """A case for the tests' library: its final section says it is late, or not investigated."""
    final = "final/late" if late else "final/decision"
    return {
        "complainant": {"name": name, "pronouns": "she"},
        "complaint": {"about": f"about the refuse service ({number})"},
        "reference": f"R{number:05d}",
        "body": {"name": body},
        "decision_date": decided,
        "sections": [
            {"section": "complaint", "paragraphs": [{"clause": "complaint/about"}]},
            {"section": "final", "paragraphs": [{"clause": final}, f"Case {number}."]},
        ],
        **extra,
    }


def write_case(folder: Path, number: int = 1, **fields: Any) -> str:
    """A case file, written as a caseworker's tool would (indented, a trailing newline)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"case-{number:05d}.json"
    path.write_text(json.dumps(case(number, **fields), indent=2) + "\n", encoding="utf-8")
    return str(path)
