"""The register's read side: what a record is, finding records, a record in full, and the
inputs the register keeps by content.

A record is a row of ``letters`` with the clause set and the library version it names
(``letters.register.tables``). ``Records`` reads them from a register's database; issuing,
reproducing and the remedies are given one, and ``Register`` (``letters.register.front``) is one.

A record is in force until a later one supersedes it: a correction (which names the record it
``replaces``), or a later letter of the same case (the same reference, case and spacing aside;
for a letter with no reference, the same case file): a final decision supersedes every record
of its case before it, a draft the drafts before it. A final decision names its draft: the
last draft of its case before it. Only letters in force have their remedies followed up.
"""

from __future__ import annotations

import datetime
import json
import zlib
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from attrs import frozen
from sqlalchemy.engine import Engine

from letters.problems import RegisterError
from letters.register import tables
from letters.register.database import reading
from letters.register.derived import reference_key
from letters.register.sealing import SEALED

_SUMMARY = (
    "id",
    "issued_at",
    "issued_by",
    "replaces",
    "case_source",
    "reference",
    "complainant",
    "body",
    "outline",
    "output_format",
    "output_sha256",
    "output_path",
)


@frozen
class Query:
    """What to find: every field given must match. Names and the reference match whatever
    their case and spacing; ``since`` and ``until`` are days of issue (UTC), both included."""

    reference: str | None = None
    complainant: str | None = None
    body: str | None = None
    since: datetime.date | None = None
    until: datetime.date | None = None
    clause: str | None = None
    outline: str | None = None
    issued_by: str | None = None
    sha256: str | None = None  # the letter's: which record is this file?
    first: int | None = None  # record ids from ...
    last: int | None = None  # ... to, both included
    limit: int | None = None


@frozen
class Summary:
    """A record as a list of records shows it."""

    id: int
    issued_at: datetime.datetime
    issued_by: str
    replaces: int | None
    case_source: str
    reference: str | None
    complainant: str
    body: str | None
    outline: str | None
    output_format: str
    output_sha256: str
    output_path: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            name: (value.isoformat() + "Z" if isinstance(value, datetime.datetime) else value)
            for name, value in ((name, getattr(self, name)) for name in _SUMMARY)
        }


@frozen
class Record:
    """A record in full: what was issued, from which inputs, and where each sentence came from."""

    summary: Summary
    note: str | None
    replaced_by: int | None
    case_data: bytes
    case_sha256: str
    decision_date: str | None
    library_hash: str
    git_commit: str | None
    git_path: str | None
    is_dirty: bool
    template: str
    template_sha256: str
    engine: str
    output_size: int
    clauses: tuple[tuple[str, str, str], ...]  # clause, variant, SHA-256 of its wording
    provenance: dict[str, Any]
    stage: str = "final"
    superseded_by: int | None = None  # the later record that supersedes it, if any
    draft: int | None = None  # a final decision's: the draft it follows
    final: int | None = None  # a draft's: the final decision that names it

    @property
    def id(self) -> int:
        return self.summary.id

    def as_json(self) -> dict[str, Any]:
        return {
            **self.summary.as_json(),
            "note": self.note,
            "replaced_by": self.replaced_by,
            "case_sha256": self.case_sha256,
            "case": self.case_data.decode("utf-8", "replace"),
            "decision_date": self.decision_date,
            "library": {
                "hash": self.library_hash,
                "git_commit": self.git_commit,
                "git_path": self.git_path,
                "dirty": self.is_dirty,
            },
            "template": {"file": self.template, "sha256": self.template_sha256},
            "engine": self.engine,
            "output_size": self.output_size,
            "clauses": [
                {"clause": clause, "variant": variant, "text_sha256": digest}
                for clause, variant, digest in self.clauses
            ],
            "provenance": self.provenance,
            "stage": self.stage,
            "superseded_by": self.superseded_by,
            "draft": self.draft,
            "final": self.final,
        }


class Records:
    """A register's records, read from its database (``engine``): found by a query, one in
    full, and the inputs it keeps by content. Issuing, reproducing and the remedies are given
    one; a ``Register`` is one, opened where the register is."""

    def __init__(self, engine: Engine):
        self.engine = engine

    @property
    def shown(self) -> str:
        """The register's name for messages, any password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    def find(self, query: Query | None = None) -> list[Summary]:
        """The records that match, oldest first."""
        letters = tables.letters
        statement = sa.select(*(letters.c[name] for name in _SUMMARY)).where(
            *_conditions(query or Query())
        )
        statement = statement.order_by(letters.c.id)
        if query is not None and query.limit is not None:
            statement = statement.limit(query.limit)
        with reading(self.engine) as connection:
            return [Summary(*row) for row in connection.execute(statement)]

    def ids(self, query: Query | None = None) -> list[int]:
        """The ids of the records that match, oldest first."""
        statement = (
            sa.select(tables.letters.c.id)
            .where(*_conditions(query or Query()))
            .order_by(tables.letters.c.id)
        )
        with reading(self.engine) as connection:
            return [int(identity) for identity in connection.execute(statement).scalars()]

    def record(self, identity: int) -> Record:
        """One record in full; an error if the register has none of that id."""
        letters, libraries = tables.letters, tables.libraries
        with reading(self.engine) as connection:
            row = connection.execute(
                sa.select(letters, libraries)
                .join(libraries, libraries.c.hash == letters.c.library_hash)
                .where(letters.c.id == identity)
            ).first()
            if row is None:
                raise RegisterError(f"no record {identity} in the register {self.shown}")
            later = connection.execute(
                sa.select(letters.c.id).where(letters.c.replaces == identity)
            ).scalar()
            stage = row._mapping[letters.c.stage] or "final"
            superseded_by = connection.execute(
                sa.select(sa.func.min(_LATER.c.id))
                .where(superseding(letters, _LATER))
                .where(letters.c.id == identity)
            ).scalar()
            draft = final = None
            if stage == "final":
                draft = connection.execute(draft_of(identity)).scalar()
            else:
                final = _final_of(connection, identity)
            members = tables.clause_set_members
            uses = connection.execute(
                sa.select(members.c.clause, members.c.variant, members.c.text_sha256)
                .where(members.c.set_hash == row._mapping[letters.c.clause_set])
                .order_by(members.c.clause, members.c.variant)
            ).all()
        values = row._mapping
        return Record(
            summary=Summary(*(values[letters.c[name]] for name in _SUMMARY)),
            note=values[letters.c.note],
            replaced_by=later,
            case_data=bytes(values[letters.c.case_data]),
            case_sha256=values[letters.c.case_sha256],
            decision_date=values[letters.c.decision_date],
            library_hash=values[letters.c.library_hash],
            git_commit=values[libraries.c.git_commit],
            git_path=values[libraries.c.git_path],
            is_dirty=bool(values[libraries.c.is_dirty]),
            template=values[letters.c.template],
            template_sha256=values[letters.c.template_sha256],
            engine=values[letters.c.engine],
            output_size=values[letters.c.output_size],
            clauses=tuple((clause, variant, digest) for clause, variant, digest in uses),
            provenance=json.loads(zlib.decompress(values[letters.c.provenance])),
            stage=stage,
            superseded_by=superseded_by,
            draft=draft,
            final=final,
        )

    def head(self) -> tuple[int, str | None]:
        """How many records the register holds, and the last one's seal (None: none, or
        not sealed), read at one moment."""
        letters = tables.letters
        last = sa.select(letters.c.seal).order_by(letters.c.id.desc()).limit(1).scalar_subquery()
        with reading(self.engine) as connection:
            count, seal = connection.execute(sa.select(sa.func.count(letters.c.id), last)).one()
        return int(count), seal

    def chain(self) -> Iterator[dict[str, Any]]:
        """Every record as its seal covers it, with its previous seal, seal and signature (and
        what is derived from it: ``reference_key``, ``stage``), in id order (the chain's), read
        as a stream."""
        letters = tables.letters
        names = (*SEALED, "previous", "seal", "signature", "reference_key", "stage")
        columns = [letters.c[name] for name in names]
        statement = sa.select(*columns).order_by(letters.c.id)
        with reading(self.engine) as connection:
            for row in connection.execution_options(yield_per=500).execute(statement):
                yield dict(row._mapping)

    def blob(self, digest: str) -> bytes:
        """Content the register keeps by its SHA-256 (a template, a library file)."""
        with reading(self.engine) as connection:
            found = connection.execute(
                sa.select(tables.blobs.c.content).where(tables.blobs.c.sha256 == digest)
            ).scalar()
        if found is None:
            raise RegisterError(f"the register has no content of SHA-256 {digest}")
        return bytes(found)

    def library_files(self, library_hash: str) -> dict[str, bytes]:
        """The files of a library version as the register keeps them, by relative path."""
        files = tables.library_files
        with reading(self.engine) as connection:
            rows = connection.execute(
                sa.select(files.c.path, tables.blobs.c.content)
                .join(tables.blobs, tables.blobs.c.sha256 == files.c.sha256)
                .where(files.c.library_hash == library_hash)
            ).all()
        return {path: bytes(content) for path, content in rows}


def name_key(name: str) -> str:
    """A name as it is found: case and runs of spaces do not matter."""
    return " ".join(name.split()).casefold()


_LATER = tables.letters.alias("later")


def same_case(record: sa.FromClause, other: sa.FromClause) -> sa.ColumnElement[bool]:
    """Whether two records (rows of ``letters`` or its aliases) are letters of one case: the
    same reference, case and spacing aside; with no reference, the same case file."""
    return sa.or_(
        sa.and_(
            record.c.reference_key.is_not(None), other.c.reference_key == record.c.reference_key
        ),
        sa.and_(
            record.c.reference_key.is_(None),
            other.c.reference_key.is_(None),
            other.c.case_sha256 == record.c.case_sha256,
        ),
    )


def superseding(record: sa.FromClause, later: sa.FromClause) -> sa.ColumnElement[bool]:
    """Whether the record ``later`` supersedes ``record``: a correction of it, or a later
    letter of its case that is a final decision, or a draft after a draft."""
    return sa.or_(
        later.c.replaces == record.c.id,
        sa.and_(
            later.c.id > record.c.id,
            same_case(record, later),
            sa.or_(later.c.stage != "draft", record.c.stage == "draft"),
        ),
    )


def in_force(record: sa.FromClause | None = None) -> sa.ColumnElement[bool]:
    """Whether a record (a row of ``letters``, by default) is in force: no later record
    supersedes it."""
    record = tables.letters if record is None else record
    return ~sa.exists().where(superseding(record, _LATER))


def draft_of(final: int | sa.ColumnElement[Any]) -> sa.Select[int | None]:
    """The draft a final decision (its id) follows: the last draft of its case before it, or
    the draft it corrects."""
    record = tables.letters.alias("final_decision")
    draft = tables.letters.alias("draft")
    return (
        sa.select(sa.func.max(draft.c.id))
        .select_from(record)
        .join(draft, draft.c.id < record.c.id)
        .where(
            record.c.id == final,
            draft.c.stage == "draft",
            sa.or_(same_case(record, draft), record.c.replaces == draft.c.id),
        )
    )


def _final_of(connection: sa.Connection, draft: int) -> int | None:
    """The final decision that names a draft (its id), if one does."""
    letters = tables.letters
    later = (
        sa.select(_LATER.c.id)
        .select_from(letters)
        .join(_LATER, _LATER.c.id > letters.c.id)
        .where(
            letters.c.id == draft,
            _LATER.c.stage == "final",
            sa.or_(same_case(letters, _LATER), _LATER.c.replaces == letters.c.id),
        )
        .order_by(_LATER.c.id)
        .limit(1)
    )
    first = connection.execute(later).scalar()
    # the first final after it names it, or a later draft (which the later finals name too)
    if first is None or connection.execute(draft_of(first)).scalar() != draft:
        return None
    return int(first)


def _conditions(query: Query) -> list[sa.ColumnElement[bool]]:
    letters = tables.letters
    found: list[sa.ColumnElement[bool]] = []
    if query.reference is not None:
        key = reference_key(query.reference)
        found.append(letters.c.reference_key == key if key is not None else sa.false())
    if query.complainant is not None:
        found.append(letters.c.complainant_key == name_key(query.complainant))
    if query.body is not None:
        found.append(letters.c.body_key == name_key(query.body))
    if query.outline is not None:
        found.append(letters.c.outline == query.outline)
    if query.issued_by is not None:
        found.append(letters.c.issued_by == query.issued_by)
    if query.sha256 is not None:
        found.append(letters.c.output_sha256 == query.sha256.strip().lower())
    if query.since is not None:
        found.append(letters.c.issued_at >= _start_of(query.since))
    if query.until is not None:
        found.append(letters.c.issued_at < _start_of(query.until + datetime.timedelta(days=1)))
    if query.first is not None:
        found.append(letters.c.id >= query.first)
    if query.last is not None:
        found.append(letters.c.id <= query.last)
    if query.clause is not None:
        found.append(
            letters.c.clause_set.in_(
                sa.select(tables.clause_set_members.c.set_hash).where(
                    tables.clause_set_members.c.clause == query.clause
                )
            )
        )
    return found


def _start_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day)
