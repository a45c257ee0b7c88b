"""Following remedies up in the register: the remedies of the letters in force, each with its
history, found by body, reference, kind, status and due day; a change of a remedy's status
recorded with its evidence; the chain of those changes, for ``verify``.

Each change is a new row of ``remedy_events``, never an edit: sealed to the change before it
(``letters.register.sealing.EVENTS``) and signed when a key is configured, in a transaction
that holds the register's lock, so that two caseworkers recording at once cannot fork the chain
nor both move a remedy on from the same status. Its evidence files are recorded by SHA-256 in
``remedy_evidence``, and kept in ``blobs`` (by content, once) unless only referenced.

What a remedy's status is on a day is worked out by ``letters.register.life`` (pure); this
module reads and writes the rows.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from attrs import frozen
from sqlalchemy.engine import Connection

from letters.problems import LimitError, Location, RegisterError, UsageError
from letters.register import tables
from letters.register.database import is_read_only, reading
from letters.register.derived import reference_key
from letters.register.life import (
    Change,
    Evidence,
    Remedy,
    RemedyId,
    RemedyQuery,
    check_change,
)
from letters.register.records import Records, in_force, name_key, superseding
from letters.register.sealing import GENESIS, Signer, event_message, evidence_text, seal_event

_EVENT_LOCK = 7_340_023  # the PostgreSQL advisory lock that makes one process at a time record
_CHUNK = 500  # remedies whose history is read in one statement
_READ = 1 << 16


@frozen
class EvidenceFile:
    """Evidence as it is given: a file's name, its SHA-256 and size, where it was (if it is
    a file), and its content when it is to be kept (None: referenced only)."""

    name: str
    sha256: str
    size: int
    content: bytes | None = None
    location: str | None = None

    @classmethod
    def of_bytes(cls, name: str, data: bytes, *, location: str | None = None) -> EvidenceFile:
        """Evidence given as bytes (a file sent to the service), kept."""
        if not name.strip() or not name.isprintable():
            raise UsageError(f"evidence needs a printable file name, not {name!r}")
        return cls(name, hashlib.sha256(data).hexdigest(), len(data), data, location)

    @classmethod
    def read(cls, path: str | Path, *, keep: bool = True, limit: int = 20_000_000) -> EvidenceFile:
        """A file given as evidence, read to hash it; its content kept when ``keep`` (at most
        ``limit`` bytes: a larger file is referenced instead, ``keep=False``)."""
        given = Path(path)
        digest = hashlib.sha256()
        kept: list[bytes] | None = [] if keep else None
        size = 0
        if given.exists() and not given.is_file():  # checked first: a FIFO waits for a writer
            raise UsageError(
                "evidence is a file, not a folder or device", Location(file=str(given))
            )
        try:
            with given.open("rb") as file:
                while chunk := file.read(_READ):
                    digest.update(chunk)
                    size += len(chunk)
                    if kept is not None:
                        if size > limit:
                            raise LimitError(
                                f"the evidence is larger than {limit:,} bytes, too large to keep "
                                "in the register: record it by reference (--no-keep), or raise "
                                "LETTERS_FILE_SIZE_LIMIT",
                                Location(file=str(given)),
                            )
                        kept.append(chunk)
        except FileNotFoundError:
            raise UsageError("no such evidence file", Location(file=str(given))) from None
        except OSError as error:
            raise UsageError(
                f"cannot read the evidence ({error.strerror})", Location(file=str(given))
            ) from None
        content = b"".join(kept) if kept is not None else None
        return cls(given.name, digest.hexdigest(), size, content, str(given.absolute()))

    @property
    def evidence(self) -> Evidence:
        return Evidence(self.name, self.sha256, self.size, self.content is not None, self.location)


# -- reading ------------------------------------------------------------------------------------


def remedies(register: Records, query: RemedyQuery, on: datetime.date) -> list[Remedy]:
    """The remedies the query asks for, as they stood on the day ``on``: by the day they are
    due then (none last), then by letter and place."""
    with reading(register.engine) as connection, connection.begin():
        found = _load(connection, query, on)
    return sorted(
        (remedy for remedy in found if query.matches(remedy)),
        key=lambda r: (r.due_now or datetime.date.max, r.letter, r.index),
    )


def remedy(register: Records, identity: RemedyId, on: datetime.date) -> Remedy:
    """One remedy with its whole history, as it stood on the day ``on``."""
    with reading(register.engine) as connection, connection.begin():
        return _one(connection, identity, on, register.shown)


def _one(connection: Connection, identity: RemedyId, on: datetime.date, shown: str) -> Remedy:
    found = _load(connection, RemedyQuery(letter=identity.letter), on, number=identity.number - 1)
    if not found:
        letter = connection.execute(
            sa.select(tables.letters.c.id).where(tables.letters.c.id == identity.letter)
        ).first()
        if letter is None:
            raise RegisterError(f"no record {identity.letter} in the register {shown}")
        count = connection.execute(
            sa.select(sa.func.count())
            .select_from(tables.remedies)
            .where(tables.remedies.c.letter_id == identity.letter)
        ).scalar()
        raise RegisterError(
            f"no remedy {identity}: record {identity.letter} sets out "
            + (f"{count} remedies" if count != 1 else "1 remedy")
        )
    return found[0]


def _load(
    connection: Connection, query: RemedyQuery, on: datetime.date, *, number: int | None = None
) -> list[Remedy]:
    letters, remedies_ = tables.letters, tables.remedies
    events = tables.remedy_events
    later = tables.letters.alias("superseding")
    superseded_by = (
        sa.select(sa.func.min(later.c.id)).where(superseding(letters, later)).scalar_subquery()
    )
    statement = (
        sa.select(
            remedies_.c.letter_id,
            remedies_.c.number,
            remedies_.c.field,
            remedies_.c.kind,
            remedies_.c.wording,
            remedies_.c.recipient,
            remedies_.c.amount,
            remedies_.c.per,
            remedies_.c.deadline,
            remedies_.c.due,
            remedies_.c.stage,
            remedies_.c.status,
            letters.c.reference,
            letters.c.complainant,
            letters.c.body,
            superseded_by.label("superseded_by"),
        )
        .join(letters, letters.c.id == remedies_.c.letter_id)
        .order_by(remedies_.c.letter_id, remedies_.c.number)
    )
    if query.body is not None:
        statement = statement.where(letters.c.body_key == name_key(query.body))
    if query.reference is not None:
        key = reference_key(query.reference)
        statement = statement.where(
            letters.c.reference_key == key if key is not None else sa.false()
        )
    if query.kind is not None:
        statement = statement.where(remedies_.c.kind == query.kind.strip().lower())
    if query.letter is not None:
        statement = statement.where(remedies_.c.letter_id == query.letter)
    else:
        if not query.drafts:
            statement = statement.where(remedies_.c.stage != "draft")
        if not query.superseded:
            statement = statement.where(in_force(letters))
    if number is not None:
        statement = statement.where(remedies_.c.number == number)
    # the day a remedy is due may have moved (an extension): the letter's day or any extension
    extended = sa.exists().where(
        events.c.letter_id == remedies_.c.letter_id,
        events.c.number == remedies_.c.number,
        events.c.status == "extended",
    )
    if query.overdue:
        statement = statement.where(sa.or_(remedies_.c.due < on, extended))
    if query.due_from is not None:
        statement = statement.where(sa.or_(remedies_.c.due >= query.due_from, extended))
    if query.due_to is not None:
        statement = statement.where(sa.or_(remedies_.c.due <= query.due_to, extended))
    rows = connection.execute(statement).all()
    wanted = {row.letter_id for row in rows}
    histories = _histories(connection, sorted(wanted))
    for place, carried in _carried(connection, wanted).items():
        histories[place] = sorted([*carried, *histories.get(place, [])], key=lambda c: c.id)
    return [
        Remedy(
            letter=row.letter_id,
            index=row.number,
            field=row.field,
            kind=row.kind,
            wording=row.wording,
            recipient=row.recipient,
            amount=row.amount,
            per=row.per,
            deadline=row.deadline,
            due=row.due,
            stage=row.stage,
            started=row.status or ("recommended" if row.stage == "draft" else "agreed"),
            reference=row.reference,
            complainant=row.complainant,
            body=row.body,
            on=on,
            superseded_by=row.superseded_by,
            history=tuple(histories.get((row.letter_id, row.number), ())),
        )
        for row in rows
    ]


def _superseded_by(connection: Connection, letters: set[int]) -> dict[int, int | None]:
    """The record that supersedes each of these records, if any."""
    record, later = tables.letters, tables.letters.alias("superseding")
    first = sa.select(sa.func.min(later.c.id)).where(superseding(record, later)).scalar_subquery()
    found: dict[int, int | None] = {}
    ordered = sorted(letters)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        for identity, by in connection.execute(
            sa.select(record.c.id, first).where(record.c.id.in_(chunk))
        ):
            found[identity] = by
    return found


def _carried(connection: Connection, wanted: set[int]) -> dict[tuple[int, int], list[Change]]:
    """The changes recorded against a remedy of a record since superseded (a reissue, a
    correction), carried to the same remedy (the same place, kind, wording, recipient and
    amount) of each record after it, as far as it stays the same: a letter sent again does not
    undo what the body did. Only for the remedies of ``wanted`` records."""
    events, remedies_ = tables.remedy_events, tables.remedies
    changed = set(
        connection.execute(
            sa.select(events.c.letter_id)
            .distinct()
            .join(tables.letters, tables.letters.c.id == events.c.letter_id)
            .where(~in_force(tables.letters))
        ).scalars()
    )
    if not changed:
        return {}
    chains: dict[int, list[int]] = {identity: [] for identity in changed}
    successor = _superseded_by(connection, changed)
    ends = {identity: successor[identity] for identity in changed}
    while any(end is not None for end in ends.values()):
        step = {end for end in ends.values() if end is not None}
        successor.update(_superseded_by(connection, step - successor.keys()))
        for identity, end in ends.items():
            if end is not None:
                chains[identity].append(end)
                ends[identity] = successor[end]
    if not any(wanted.intersection(chain) for chain in chains.values()):
        return {}
    involved = sorted(changed.union(*chains.values()))
    same: dict[tuple[int, int], tuple[Any, ...]] = {}
    for start in range(0, len(involved), _CHUNK):
        for row in connection.execute(
            sa.select(remedies_).where(remedies_.c.letter_id.in_(involved[start : start + _CHUNK]))
        ):
            same[(row.letter_id, row.number)] = (
                row.field,
                row.kind,
                row.wording,
                row.recipient,
                row.amount,
                row.per,
            )
    carried: dict[tuple[int, int], list[Change]] = {}
    for (letter, number), history in _histories(connection, sorted(changed)).items():
        for later in chains[letter]:
            if same.get((later, number)) != same.get((letter, number)):
                break
            if later in wanted:
                carried.setdefault((later, number), []).extend(history)
    return carried


def _histories(
    connection: Connection, letters: Sequence[int]
) -> dict[tuple[int, int], list[Change]]:
    """The changes of the remedies of these letters, each remedy's in order."""
    events, evidence = tables.remedy_events, tables.remedy_evidence
    found: dict[tuple[int, int], list[Change]] = {}
    for start in range(0, len(letters), _CHUNK):
        chunk = letters[start : start + _CHUNK]
        rows = connection.execute(
            sa.select(events).where(events.c.letter_id.in_(chunk)).order_by(events.c.id)
        ).all()
        if not rows:
            continue
        files: dict[int, list[Evidence]] = {}
        for each in connection.execute(
            sa.select(evidence)
            .where(evidence.c.event_id.in_([row.id for row in rows]))
            .order_by(evidence.c.event_id, evidence.c.number)
        ):
            files.setdefault(each.event_id, []).append(
                Evidence(each.name, each.sha256, int(each.size), bool(each.kept), each.location)
            )
        for row in rows:
            found.setdefault((row.letter_id, row.number), []).append(
                Change(
                    id=row.id,
                    remedy=str(RemedyId(row.letter_id, row.number + 1)),
                    status=row.status,
                    day=row.day,
                    recorded_at=row.recorded_at,
                    recorded_by=row.recorded_by,
                    note=row.note,
                    due=row.due,
                    evidence=tuple(files.get(row.id, ())),
                )
            )
    return found


def evidence_content(register: Records, digest: str) -> tuple[Evidence, bytes]:
    """Evidence the register keeps, by its SHA-256: the file as recorded, and its content."""
    evidence = tables.remedy_evidence
    with reading(register.engine) as connection, connection.begin():
        row = connection.execute(
            sa.select(evidence, tables.blobs.c.content)
            .join(tables.blobs, tables.blobs.c.sha256 == evidence.c.sha256)
            .where(evidence.c.sha256 == digest.strip().lower(), evidence.c.kept.is_(True))
            .order_by(evidence.c.event_id)
            .limit(1)
        ).first()
    if row is None:
        raise RegisterError(
            f"the register {register.shown} keeps no evidence of SHA-256 {digest.strip()} "
            "(evidence recorded by reference is not kept: see where it was)"
        )
    found = Evidence(row.name, row.sha256, int(row.size), True, row.location)
    return found, bytes(row.content)


def change_head(register: Records) -> tuple[int, str | None]:
    """How many changes of remedies the register holds, and the last one's seal (None: none,
    or not sealed), read at one moment."""
    events = tables.remedy_events
    last = sa.select(events.c.seal).order_by(events.c.id.desc()).limit(1).scalar_subquery()
    with reading(register.engine) as connection:
        count, seal = connection.execute(sa.select(sa.func.count(events.c.id), last)).one()
    return int(count), seal


def change_chain(register: Records) -> Iterator[dict[str, Any]]:
    """Every change of a remedy as its seal covers it (its evidence as ``evidence_text``),
    with its previous seal, seal and signature, in id order (the chain's), read as a stream."""
    events, evidence = tables.remedy_events, tables.remedy_evidence
    with reading(register.engine) as connection, connection.begin():
        files = iter(
            connection.execution_options(yield_per=500).execute(
                sa.select(evidence).order_by(evidence.c.event_id, evidence.c.number)
            )
        )
        pending = next(files, None)
        rows = connection.execution_options(yield_per=500).execute(
            sa.select(events).order_by(events.c.id)
        )
        for row in rows:
            mine = []
            while pending is not None and pending.event_id <= row.id:
                if pending.event_id == row.id:
                    mine.append(dict(pending._mapping))
                pending = next(files, None)
            yield {**row._mapping, "evidence": evidence_text(mine)}


# -- recording a change -------------------------------------------------------------------------


def record_change(
    register: Records,
    identity: RemedyId,
    status: str,
    *,
    by: str,
    day: datetime.date,
    today: datetime.date,
    recorded_at: datetime.datetime,
    due: datetime.date | None = None,
    note: str | None = None,
    evidence: Sequence[EvidenceFile] = (),
    signer: Signer | None = None,
) -> Remedy:
    """Record a change of a remedy's status, with its evidence: the remedy as it stands after
    it (on ``today``). A RegisterError or UsageError says why a change cannot be made."""
    engine = register.engine
    if not by.strip() or not by.isprintable():
        raise UsageError("who records the change? --by NAME (printable text)")
    if is_read_only(engine):
        raise RegisterError(
            "the register is read-only (this user cannot write the file or its folder): "
            "a remedy's change cannot be recorded in it",
            Location(file=str(engine.url.database)),
        )
    note = note.strip() if note is not None and note.strip() else None
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_EVENT_LOCK)))
            now = _one(connection, identity, datetime.date.max, register.shown)
            check_change(
                now,
                status,
                day=day,
                today=today,
                due=due,
                note=note,
                evidence=[each.evidence for each in evidence],
            )
            _store(connection, identity, status, by, day, recorded_at, due, note, evidence, signer)
            return _one(connection, identity, today, register.shown)
    except sa.exc.OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise RegisterError(
            f"the register {register.shown} did not take the change: {reason}"
        ) from None


def _store(
    connection: Connection,
    identity: RemedyId,
    status: str,
    by: str,
    day: datetime.date,
    recorded_at: datetime.datetime,
    due: datetime.date | None,
    note: str | None,
    evidence: Sequence[EvidenceFile],
    signer: Signer | None,
) -> None:
    """The change's row, sealed to the last, its evidence's rows, and the content kept."""
    events = tables.remedy_events
    kept = {each.sha256: each.content for each in evidence if each.content is not None}
    if kept:
        _insert_new(
            connection, tables.blobs, [{"sha256": k, "content": v} for k, v in kept.items()]
        )
    top = connection.execute(sa.select(sa.func.max(events.c.id))).scalar() or 0
    previous = (
        connection.execute(sa.select(events.c.seal).order_by(events.c.id.desc()).limit(1)).scalar()
        or GENESIS
    )
    files = [
        {"event_id": top + 1, "number": number, **each.evidence.as_row()}
        for number, each in enumerate(evidence)
    ]
    row: dict[str, Any] = {
        "id": top + 1,
        "letter_id": identity.letter,
        "number": identity.number - 1,
        "status": status,
        "day": day,
        "due": due,
        "recorded_at": recorded_at,
        "recorded_by": by.strip(),
        "note": note,
    }
    row["seal"] = seal_event(previous, {**row, "evidence": evidence_text(files)})
    row["previous"] = previous
    row["signature"] = signer.sign(event_message(row["seal"])) if signer else None
    connection.execute(sa.insert(events), row)
    if files:
        connection.execute(sa.insert(tables.remedy_evidence), files)


def _insert_new(connection: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows whose key may be there already (the same content kept before)."""
    # deferred: start-up speed (a dialect's module is imported for the database in use only)
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert  # noqa: PLC0415
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]  # noqa: PLC0415
    connection.execute(insert(table).on_conflict_do_nothing(), rows)
