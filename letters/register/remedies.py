"""The remedies issued letters set out, each with its due date: recorded with the letter, and
listed when they fall due, so that compliance can be followed up.

A letter's remedies are the actions composition finds in its facts (``Letter.actions``: each
record of a ``records`` fact with a deadline, worded by its kind's clause). They are recorded
in the same transaction as the letter. A draft's remedies are recorded with no due date (their
periods run from the final decision); a letter that a correction replaces no longer counts:
the correction's remedies do.
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
from letters.register.database import reading
from letters.register.recording import IssuedLetter
from letters.register.records import Records


class RemedyRecorder:
    """Adds a row of ``remedies`` for each action of an issued letter."""

    def rows(self, issued: IssuedLetter) -> Iterable[tuple[sa.Table, dict[str, Any]]]:
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
        }


def due_before(register: Records, day: datetime.date) -> list[DueRemedy]:
    """The remedies due before ``day`` (not on it), earliest first, of the letters in force:
    a letter a correction replaced is left out, its correction's remedies counting instead."""
    letters, remedies = tables.letters, tables.remedies
    replacing = letters.alias("replacing")
    statement = (
        sa.select(
            remedies.c.due,
            letters.c.id,
            letters.c.reference,
            letters.c.complainant,
            letters.c.body,
            remedies.c.kind,
            remedies.c.wording,
            remedies.c.recipient,
            remedies.c.amount,
            remedies.c.per,
            remedies.c.deadline,
        )
        .join(letters, letters.c.id == remedies.c.letter_id)
        .where(
            remedies.c.due.is_not(None),
            remedies.c.due < day,
            ~sa.exists().where(replacing.c.replaces == letters.c.id),
        )
        .order_by(remedies.c.due, letters.c.id, remedies.c.number)
    )
    with reading(register.engine) as connection:
        return [DueRemedy(*row) for row in connection.execute(statement)]
