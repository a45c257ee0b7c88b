"""The remedies issued letters set out, each with its due date: recorded with the letter, and
listed when they fall due, so that compliance can be followed up.

A letter's remedies are the actions composition finds in its facts (``Letter.actions``: each
record of a ``records`` fact with a deadline, worded by its kind's clause). They are recorded
in the same transaction as the letter, each with the status it starts with (recommended in a
draft, or where the body has not agreed; else agreed). A draft's remedies are recorded with no
due date (their periods run from the final decision); a letter no longer in force (a
correction, a reissue or its final decision came after it) no longer counts: the later
letter's remedies do. A remedy done or refused is no longer due; one extended is due on its
new day (``letters.register.life``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from attrs import frozen

from letters.money import Money
from letters.register import tables
from letters.register.derived import initial_status
from letters.register.following import remedies
from letters.register.life import RemedyQuery
from letters.register.recording import IssuedLetter
from letters.register.records import Records


class RemedyRecorder:
    """Adds a row of ``remedies`` for each action of an issued letter."""

    def rows(self, issued: IssuedLetter) -> Iterable[tuple[sa.Table, dict[str, Any]]]:
        status = initial_status(issued.letter.stage, issued.case.facts.get("remedies_are"))
        for number, action in enumerate(issued.letter.actions):
            amount = action.amount
            yield (
                tables.remedies,
                {
                    "number": number,
                    "field": action.field,
                    "kind": action.kind,
                    "wording": action.wording,
                    "recipient": action.to,
                    "amount": amount.amount if amount is not None else None,
                    "per": amount.per if amount is not None else None,
                    "deadline": action.deadline,
                    "due": action.due,
                    "stage": issued.letter.stage,
                    "status": status,
                },
            )


@frozen
class DueRemedy:
    """A remedy an issued letter set out, due on a day: with the letter it came from."""

    due: datetime.date
    letter: int
    reference: str | None
    complainant: str
    body: str | None
    kind: str
    wording: str
    recipient: str
    amount: Decimal | None
    per: str | None
    deadline: str
    remedy: str = ""  # its id: RECORD.NUMBER
    status: str = "agreed"  # as recorded now: agreed, recommended, accepted or extended

    @property
    def shown_amount(self) -> str | None:
        """The amount as the letter writes it: £300, £150 a month."""
        if self.amount is None:
            return None
        return str(Money(Decimal(self.amount).quantize(Decimal("0.01")), self.per))

    def as_json(self) -> dict[str, Any]:
        return {
            "due": self.due.isoformat(),
            "letter": self.letter,
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
            "remedy": self.remedy,
            "status": self.status,
        }


def due_before(register: Records, day: datetime.date) -> list[DueRemedy]:
    """The remedies still outstanding that are due before ``day`` (not on it), earliest first,
    of the final decisions in force: each on the day it is due now (an extension's)."""
    if day == datetime.date.min:
        return []
    outstanding = RemedyQuery(statuses=("outstanding",), due_to=day - datetime.timedelta(days=1))
    return [
        DueRemedy(
            due=remedy.due_now,
            letter=remedy.letter,
            reference=remedy.reference,
            complainant=remedy.complainant,
            body=remedy.body,
            kind=remedy.kind,
            wording=remedy.wording,
            recipient=remedy.recipient,
            amount=remedy.amount,
            per=remedy.per,
            deadline=remedy.deadline,
            remedy=str(remedy.id),
            status=remedy.recorded_status,
        )
        for remedy in remedies(register, outstanding, datetime.date.max)
        if remedy.due_now is not None
    ]
