"""What the register's letters to a body read of it, and where their case files go.

``Register.reminder`` and ``Register.report`` (``letters register reminder``, ``letters register
report``) make a letter's case from what the register holds (``letters.register.compliance``),
write it as a case file beside the letter (``out/reminder.json`` for ``out/reminder.docx``),
and issue that file as any case is issued: composed from the register's letters' own library
(``clauses/register/``: its facts, layout, outlines and clauses), filled into its template
(``templates/reminder.docx``, ``templates/report.docx``), written and recorded in one step. The
case file stays: it is what the letter said and why, in the register too, and an ordinary case
file (``letters issue --clauses clauses/register`` makes its correction).

This module reads the register for them (the body as the register names it, and its final
decisions in a period), and writes their case files and issues them.
"""

from __future__ import annotations

import datetime
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from attrs import frozen

from letters.configuration import bundled
from letters.problems import Location, OutputError, RegisterError, UsageError
from letters.register import tables
from letters.register.compliance import Decision
from letters.register.database import reading
from letters.register.issuing import IssueOutcome
from letters.register.records import Records, in_force, name_key

REGISTER_LETTERS = bundled("clauses/register")
"""The register's letters' library: the facts, layout, outlines and clauses of a reminder and a
compliance report (``--clauses`` names another)."""


def body_named(register: Records, body: str) -> tuple[str, str | None]:
    """The body as the register names it (in its latest letter, its name found whatever its
    case and spacing), and what that letter calls it ("the Council"), if it says; a
    RegisterError when no letter of the register is about it."""
    letters = tables.letters
    with reading(register.engine) as connection, connection.begin():
        row = connection.execute(
            sa.select(letters.c.body, letters.c.case_data)
            .where(letters.c.body_key == name_key(body))
            .order_by(letters.c.id.desc())
            .limit(1)
        ).first()
    if row is None or not row.body:
        raise RegisterError(
            f"no letter in the register {register.shown} is about {body!r} "
            "(letters register find --body NAME lists those that are)"
        )
    said = _case_of(bytes(row.case_data)).get("body")
    called = said.get("called") if isinstance(said, dict) else None
    return str(row.body), called if isinstance(called, str) and called.strip() else None


def decisions_of(
    register: Records, body: str, start: datetime.date, end: datetime.date
) -> list[Decision]:
    """The final decisions in force about the body dated in the period (both days included),
    each with its outcome as its case gave it; a letter whose case gives no outcome (the
    register's own letters to the body) is not a decision."""
    letters = tables.letters
    statement = (
        sa.select(letters.c.id, letters.c.reference, letters.c.decision_date, letters.c.case_data)
        .where(
            letters.c.body_key == name_key(body),
            sa.or_(letters.c.stage.is_(None), letters.c.stage != "draft"),
            letters.c.decision_date >= start.isoformat(),
            letters.c.decision_date <= end.isoformat(),
            in_force(letters),
        )
        .order_by(letters.c.id)
    )
    found = []
    with reading(register.engine) as connection, connection.begin():
        for row in connection.execute(statement):
            outcome = _case_of(bytes(row.case_data)).get("decision")
            if isinstance(outcome, str) and outcome.strip():
                day = datetime.date.fromisoformat(row.decision_date)
                found.append(Decision(row.id, row.reference, day, outcome))
    return found


def _case_of(data: bytes) -> dict[str, Any]:
    """A recorded case file's fields (it was read as JSON when it was issued); none where it
    is not an object of them."""
    try:
        found = json.loads(data)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


@frozen
class CaseFile:
    """A letter's case file as written beside it: where, and whether it was made now (a file
    of the same bytes already there is taken as it is)."""

    path: Path
    made: bool


def write_case(case: dict[str, Any], letter: str | Path) -> CaseFile:
    """Write a letter's case beside the letter: the letter's name with ``.json``. Never over
    another file: one of the same bytes is taken as it is, a different one is an OutputError."""
    letter = Path(letter)
    if str(letter) in ("", "-"):
        raise UsageError("a letter of the register goes to a file: -o FILE")
    if letter.suffix.lower() == ".json":
        raise UsageError(
            f"-o {letter}: its case file is written beside it as {letter.name}; name the "
            "letter .docx, .txt or .md"
        )
    path = letter.with_suffix(".json")
    data = (json.dumps(case, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    if not path.parent.is_dir():
        raise OutputError("the folder to write into does not exist", Location(file=str(path)))
    try:
        file = path.open("xb")
    except FileExistsError:
        if path.is_file() and path.read_bytes() == data:
            return CaseFile(path, made=False)
        raise OutputError(
            "a file is already there; the letter's case file is never written over "
            "(choose another -o)",
            Location(file=str(path)),
        ) from None
    except OSError as error:
        raise OutputError(
            f"cannot write the letter's case file ({error.strerror})", Location(file=str(path))
        ) from None
    try:
        with file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
    except BaseException as error:  # none of it left: a case file is whole or not there
        path.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise OutputError(
                f"cannot write the letter's case file ({error.strerror})",
                Location(file=str(path)),
            ) from None
        raise
    return CaseFile(path, made=True)


def issued_beside(
    issue: Callable[..., Iterable[IssueOutcome]],
    case: dict[str, Any],
    output: str | Path,
    *,
    clauses: str | Path | None,
    **options: Any,
) -> IssueOutcome:
    """Write a letter's case beside it and issue it (``issue``: ``Register.issue``), with the
    register's letters' library unless ``clauses`` names another; the case file goes again
    if the letter is not issued (and it was made for it)."""
    written = write_case(case, output)
    try:
        [outcome] = issue(
            [str(written.path)],
            clauses=clauses if clauses is not None else REGISTER_LETTERS,
            output=str(output),
            **options,
        )
    except BaseException:
        if written.made:
            written.path.unlink(missing_ok=True)
        raise
    if not outcome.is_ok and written.made:
        written.path.unlink(missing_ok=True)
    return outcome
