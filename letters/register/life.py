"""A remedy's life, from the promise in a letter to the evidence it was kept: its statuses, the
changes a caseworker records, and what a remedy's status is on a given day.

A remedy starts as its letter says it: ``recommended`` (a draft's, proposed for comments, or a
final decision's the body has not agreed to) or ``agreed``. Then each change is recorded, with
who made it, when, why and its evidence: the body ``accepted`` a recommendation or ``refused``
it, was given until a new day (``extended``), or did it (``done``). ``overdue`` is never
recorded: a remedy is overdue on a day when it is still outstanding on that day (recommended,
agreed, accepted or extended) and the day it was due by then has passed. ``superseded``: its
letter is no longer in force (a correction, a reissue or the final decision came after it).

Pure: no database, no files, no clock (the day is given).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import attrs
from attrs import frozen

from letters.money import Money
from letters.problems import RegisterError, UsageError

STATUSES = ("recommended", "agreed", "accepted", "refused", "extended", "done")
"""What a remedy's status is recorded as: the first two as its letter says, the rest changes."""
SHOWN = (*STATUSES, "overdue", "superseded")
"""What a remedy's status is shown as on a day."""
OUTSTANDING = ("recommended", "agreed", "accepted", "extended")
"""The statuses of a remedy still to be done."""
CHANGES: dict[str, tuple[str, ...]] = {
    "accepted": ("recommended", "refused"),
    "refused": ("recommended", "agreed", "accepted", "extended"),
    "extended": ("recommended", "agreed", "accepted", "extended"),
    "done": ("recommended", "agreed", "accepted", "extended", "refused"),
}
"""Each change a caseworker records, and the statuses it may follow (``done`` is the last)."""

_ID = re.compile(r"\s*(\d{1,18})\.(\d{1,9})\s*")


@frozen
class RemedyId:
    """A remedy as a caseworker names it: its letter's record and its place in the letter's
    remedies, from 1 (``12.2``: record 12's second remedy)."""

    letter: int
    number: int

    def __str__(self) -> str:
        return f"{self.letter}.{self.number}"

    @classmethod
    def parse(cls, text: str) -> RemedyId:
        """A remedy's id from its text; a UsageError saying what was expected."""
        found = _ID.fullmatch(text)
        if found is None or int(found[1]) < 1 or int(found[2]) < 1:
            raise UsageError(
                f"{text!r} is not a remedy: a remedy is RECORD.NUMBER, its letter's record and "
                "its place among the letter's remedies from 1 (12.2: record 12's second), as "
                "letters register remedies lists them"
            )
        return cls(int(found[1]), int(found[2]))


@frozen
class Evidence:
    """A file given as a change's evidence: recorded by its SHA-256, and kept (its content
    in the register) or referenced (where it was)."""

    name: str
    sha256: str
    size: int
    kept: bool
    location: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "sha256": self.sha256,
            "size": self.size,
            "kept": self.kept,
            "location": self.location,
        }

    def as_row(self) -> dict[str, Any]:
        """As ``remedy_evidence`` and the change's seal take it."""
        return self.as_json()


@frozen
class Change:
    """A change of a remedy's status: to what, the day it took effect, who recorded it and
    when (UTC), why, the new day it is due (extended), and its evidence. ``remedy``: the one
    it was recorded against (the same remedy of a letter since reissued or corrected, when it
    is not this one)."""

    id: int
    remedy: str
    status: str
    day: datetime.date
    recorded_at: datetime.datetime
    recorded_by: str
    note: str | None = None
    due: datetime.date | None = None
    evidence: tuple[Evidence, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "change": self.id,
            "remedy": self.remedy,
            "status": self.status,
            "day": self.day.isoformat(),
            "due": self.due.isoformat() if self.due else None,
            "recorded_at": self.recorded_at.isoformat() + "Z",
            "recorded_by": self.recorded_by,
            "note": self.note,
            "evidence": [each.as_json() for each in self.evidence],
        }


@frozen
class Remedy:
    """A remedy an issued letter set out, with its history, as it stood on a day (``on``)."""

    letter: int
    index: int  # its place in the letter's remedies, from 0 (facts.remedies[index])
    field: str
    kind: str
    wording: str
    recipient: str
    amount: Decimal | None
    per: str | None
    deadline: str
    due: datetime.date | None  # as the letter set it; none in a draft
    stage: str
    started: str  # recommended or agreed, as the letter says
    reference: str | None
    complainant: str
    body: str | None
    on: datetime.date
    superseded_by: int | None = None
    history: tuple[Change, ...] = ()

    @property
    def id(self) -> RemedyId:
        return RemedyId(self.letter, self.index + 1)

    @property
    def changes(self) -> tuple[Change, ...]:
        """The changes made by ``on`` (the history runs forward: in order of their days)."""
        return tuple(change for change in self.history if change.day <= self.on)

    @property
    def recorded_status(self) -> str:
        """Its status as recorded by ``on``: its last change's, else the letter's."""
        changes = self.changes
        return changes[-1].status if changes else self.started

    @property
    def due_now(self) -> datetime.date | None:
        """The day it is due by ``on``: the last extension's, else the letter's."""
        for change in reversed(self.changes):
            if change.status == "extended":
                return change.due
        return self.due

    @property
    def is_overdue(self) -> bool:
        """Whether it is overdue on ``on``: outstanding, and the day it was due has passed."""
        due = self.due_now
        return (
            self.superseded_by is None
            and self.recorded_status in OUTSTANDING
            and due is not None
            and due < self.on
        )

    @property
    def status(self) -> str:
        """Its status shown on ``on``: superseded, overdue, else as recorded."""
        if self.superseded_by is not None:
            return "superseded"
        return "overdue" if self.is_overdue else self.recorded_status

    @property
    def done_on(self) -> datetime.date | None:
        """The day it was done, when it was by ``on``."""
        return next((c.day for c in reversed(self.changes) if c.status == "done"), None)

    @property
    def on_time(self) -> bool | None:
        """Whether it was done by the day it was due then (None: not done, or not due)."""
        done = self.done_on
        if done is None:
            return None
        due = attrs.evolve(self, on=done).due_now
        return None if due is None else done <= due

    @property
    def shown_amount(self) -> str | None:
        """The amount as the letter writes it: £300, £150 a month."""
        if self.amount is None:
            return None
        return str(Money(Decimal(self.amount).quantize(Decimal("0.01")), self.per))

    def as_json(self) -> dict[str, Any]:
        due = self.due_now
        return {
            "remedy": str(self.id),
            "letter": self.letter,
            "number": self.index + 1,
            "field": self.field,
            "reference": self.reference,
            "complainant": self.complainant,
            "body": self.body,
            "kind": self.kind,
            "wording": self.wording,
            "to": self.recipient,
            "amount": str(Decimal(self.amount).quantize(Decimal("0.01")))
            if self.amount is not None
            else None,
            "per": self.per,
            "amount_shown": self.shown_amount,
            "deadline": self.deadline,
            "stage": self.stage,
            "on": self.on.isoformat(),
            "status": self.status,
            "recorded_status": self.recorded_status,
            "overdue": self.is_overdue,
            "due": due.isoformat() if due else None,
            "due_first": self.due.isoformat() if self.due else None,
            "done_on": self.done_on.isoformat() if self.done_on else None,
            "on_time": self.on_time,
            "superseded_by": self.superseded_by,
            "history": [change.as_json() for change in self.history],
        }


@frozen
class RemedyQuery:
    """Which remedies to list: every field given must match. ``statuses``: any of them, as
    shown on the day or as recorded (``agreed`` finds the agreed remedies overdue too);
    ``overdue``: overdue on the day; ``due_from``/``due_to``: the day it is due by then, both
    included. The remedies of final decisions in force, unless ``drafts`` (a draft's, proposed)
    or ``superseded`` (of a letter no longer in force) are asked for too, or ``letter`` names
    one record."""

    body: str | None = None
    reference: str | None = None
    kind: str | None = None
    statuses: tuple[str, ...] = ()
    overdue: bool = False
    due_from: datetime.date | None = None
    due_to: datetime.date | None = None
    letter: int | None = None
    drafts: bool = False
    superseded: bool = False

    def __attrs_post_init__(self) -> None:
        unknown = [status for status in self.statuses if status not in (*SHOWN, "outstanding")]
        if unknown:
            raise UsageError(
                f"not a remedy's status: {', '.join(unknown)} (expected one of "
                f"{', '.join(SHOWN)}, or outstanding)"
            )

    def matches(self, remedy: Remedy) -> bool:
        """Whether a remedy (as it stood on its day) is one of those asked for, beyond what
        the database chose (body, reference, kind, letter, drafts, superseded)."""
        if self.overdue and not remedy.is_overdue:
            return False
        if self.statuses and not any(_has_status(remedy, s) for s in self.statuses):
            return False
        if self.due_from is not None or self.due_to is not None:
            due = remedy.due_now
            if due is None:
                return False
            if self.due_from is not None and due < self.due_from:
                return False
            if self.due_to is not None and due > self.due_to:
                return False
        return True


def _has_status(remedy: Remedy, status: str) -> bool:
    if status == "outstanding":
        return remedy.superseded_by is None and remedy.recorded_status in OUTSTANDING
    return status in (remedy.status, remedy.recorded_status)


def check_change(
    remedy: Remedy,
    status: str,
    *,
    day: datetime.date,
    today: datetime.date,
    due: datetime.date | None = None,
    note: str | None = None,
    evidence: Sequence[Evidence] = (),
) -> None:
    """Whether a change can be recorded (``remedy`` as it stands now, with its whole
    history): a RegisterError or UsageError saying why it cannot."""
    name = f"remedy {remedy.id}"
    if status not in CHANGES:
        raise UsageError(
            f"{name}: a remedy's change is one of {', '.join(CHANGES)}, not {status!r}"
        )
    if status == "extended" and due is None:
        raise UsageError(f"{name}: extended to when? --to YYYY-MM-DD, the new day it is due")
    if status != "extended" and due is not None:
        raise UsageError(f"{name}: --to gives an extension's new day; it goes with extended")
    has_note = note is not None and note.strip() != ""
    if status in ("refused", "extended") and not has_note:
        raise UsageError(f"{name}: {status} why? --note TEXT")
    if status == "done" and not evidence and not has_note:
        raise UsageError(
            f"{name}: done on what evidence? --evidence FILE (or --note saying why there is none)"
        )
    if day > today:
        raise UsageError(f"{name}: --on {day.isoformat()} has not come yet (today is {today})")
    if remedy.superseded_by is not None:
        raise RegisterError(
            f"{name}: record {remedy.letter} is superseded by record {remedy.superseded_by}: "
            f"follow up the remedies of the letter in force"
        )
    if remedy.stage == "draft":
        raise RegisterError(
            f"{name}: record {remedy.letter} is a draft decision, whose remedies are proposed: "
            "follow up the final decision's"
        )
    if remedy.history and day < remedy.history[-1].day:
        last = remedy.history[-1]
        raise UsageError(
            f"{name}: --on {day.isoformat()} is before its last change ({last.status} on "
            f"{last.day.isoformat()}): a remedy's history runs forward"
        )
    current = remedy.history[-1].status if remedy.history else remedy.started
    if current not in CHANGES[status]:
        raise RegisterError(
            f"{name} is {current}: it cannot be {status} "
            f"(a remedy is {status} when it is {' or '.join(CHANGES[status])})"
        )
    now = attrs.evolve(remedy, on=datetime.date.max).due_now
    if status == "extended" and due is not None and now is not None and due <= now:
        raise UsageError(
            f"{name}: --to {due.isoformat()} is not after the day it is due now "
            f"({now.isoformat()}): an extension gives a later day"
        )
