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
from typing import Any

import sqlalchemy as sa

from letters.register import tables
from letters.register.derived import initial_status
from letters.register.following import remedies
from letters.register.life import Remedy, RemedyQuery
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


def due_before(register: Records, day: datetime.date) -> list[Remedy]:
    """The remedies still outstanding that are due before ``day`` (not on it), earliest first,
    of the final decisions in force: each as it stands today, on the day it is due now (an
    extension's). ``register remedies --status outstanding --due-to`` the day before."""
    if day == datetime.date.min:
        return []
    outstanding = RemedyQuery(statuses=("outstanding",), due_to=day - datetime.timedelta(days=1))
    today = datetime.date.today()
    return [remedy for remedy in remedies(register, outstanding, today) if remedy.due_now]
