"""A body's compliance, as the register holds it, and the facts of the letters it writes to the
body about it: a reminder of the remedies overdue, and a compliance report over a period.

The register writes those letters as it issues any other: from a case file, composed from
clauses by an outline (the register's letters' own library, ``clauses/register/``), filled into
a Word template, and recorded. This module makes their case files from what the register holds,
as plain data: a body's remedies as they stood on a day (``letters.register.life``) and its
final decisions. The numbers are worked out here; every word is the library's.

What counts, in a report of a period:

- a decision: a final decision in force about the body (a draft, a letter corrected or sent
  again, and the register's own letters, which decide nothing, are not), by its date; it
  followed an investigation when its outcome is upheld or not upheld (the investigation
  outline's), and was upheld when it is upheld;
- a remedy: one of a final decision in force, by the day its decision set for it: done on
  time (by the day it was due then, with any extension), done late, refused, or still to be
  done, as it stood on the date of the report.

Pure: no database, no files, no clock (the days are given).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from attrs import frozen

from letters.problems import RegisterError, UsageError
from letters.register.life import Remedy

REMINDER = "reminder"
"""The outline of a reminder, in the register's letters' library."""
REPORT = "compliance-report"
"""The outline of a compliance report, in the register's letters' library."""
OUTCOMES = ("on_time", "late", "outstanding", "refused")
"""What became of a remedy due, as a report counts it (its facts, and the chart's bars)."""


@frozen
class Decision:
    """A final decision about the body, as a report counts it: its record, reference, date
    and outcome as the case gave it ("Upheld", "Not upheld: no fault", "Closed after initial
    enquiries")."""

    record: int
    reference: str | None
    day: datetime.date
    outcome: str

    @property
    def is_investigated(self) -> bool:
        """Whether it followed an investigation: upheld, or not upheld."""
        return self.is_upheld or self.outcome.strip().casefold().startswith("not upheld")

    @property
    def is_upheld(self) -> bool:
        return self.outcome.strip().casefold().startswith("upheld")


def outcome_of(remedy: Remedy) -> str:
    """What became of a remedy, as it stood on its day: one of ``OUTCOMES``."""
    if remedy.done_on is not None:
        return "on_time" if remedy.on_time else "late"
    if remedy.recorded_status == "refused":
        return "refused"
    return "outstanding"


@frozen
class Compliance:
    """A body's figures for a period, as the register held them on a day."""

    start: datetime.date
    end: datetime.date
    on: datetime.date
    decisions: int
    investigated: int
    upheld: int
    remedies_due: int
    on_time: int
    late: int
    outstanding: int
    refused: int

    @property
    def upheld_rate(self) -> str | None:
        """The share of the complaints investigated that were upheld, as a whole percentage
        (a half rounded up); none when none was investigated."""
        if not self.investigated:
            return None
        share = Decimal(100 * self.upheld) / Decimal(self.investigated)
        return f"{share.quantize(Decimal(1), rounding=ROUND_HALF_UP)}%"

    def as_facts(self) -> dict[str, Any]:
        """The figures as a report's case gives them: numbers written as text ("12")."""
        facts: dict[str, Any] = {
            "period_from": self.start.isoformat(),
            "period_to": self.end.isoformat(),
            "decisions": str(self.decisions),
            "investigated": str(self.investigated),
            "upheld": str(self.upheld),
            "remedies_due": str(self.remedies_due),
            **{name: str(getattr(self, name)) for name in OUTCOMES},
        }
        if self.upheld_rate is not None:
            facts["upheld_rate"] = self.upheld_rate
        return facts


def check_period(start: datetime.date, end: datetime.date, on: datetime.date) -> None:
    """A UsageError unless the period runs forward and has begun by the day of the report."""
    if end < start:
        raise UsageError(
            f"--to {end.isoformat()} is before --from {start.isoformat()}: a period runs forward"
        )
    if on < start:
        raise UsageError(
            f"--on {on.isoformat()} is before the period begins ({start.isoformat()}): a "
            "report is of a period begun"
        )


def compliance(
    decisions: Sequence[Decision],
    remedies: Sequence[Remedy],
    *,
    start: datetime.date,
    end: datetime.date,
    on: datetime.date,
) -> Compliance:
    """The figures of a period: the decisions dated in it, and the remedies due in it (by the
    day their decision set), each as it stood on ``on`` (the remedies must be as of that day)."""
    check_period(start, end, on)
    dated = [decision for decision in decisions if start <= decision.day <= end]
    due = [r for r in remedies if r.due is not None and start <= r.due <= end]
    outcomes = [outcome_of(remedy) for remedy in due]
    return Compliance(
        start=start,
        end=end,
        on=on,
        decisions=len(dated),
        investigated=sum(1 for decision in dated if decision.is_investigated),
        upheld=sum(1 for decision in dated if decision.is_upheld),
        remedies_due=len(due),
        **{name: outcomes.count(name) for name in OUTCOMES},
    )


def overdue_facts(remedies: Sequence[Remedy]) -> list[dict[str, Any]]:
    """The remedies overdue (as they stood on their day) as a letter's case gives them
    (``facts.overdue``): the earliest due first."""
    found = sorted(
        (remedy for remedy in remedies if remedy.is_overdue),
        key=lambda remedy: (remedy.due_now or datetime.date.min, remedy.letter, remedy.index),
    )
    records = []
    for remedy in found:
        due = remedy.due_now
        assert due is not None  # an overdue remedy is due on a day
        record: dict[str, Any] = {"kind": "remedy", "remedy": str(remedy.id)}
        if remedy.reference:
            record["case_reference"] = remedy.reference
        if remedy.complainant:
            record["case_complainant"] = remedy.complainant
        record |= {"action": remedy.wording, "due": due.isoformat()}
        records.append(record)
    return records


def body_case(body: str, called: str | None, on: datetime.date) -> dict[str, Any]:
    """What every letter to a body gives: the body (as the register holds its name, and as
    its decisions call it) and the date of the letter."""
    named: dict[str, str] = {"name": body}
    if called:
        named["called"] = called
    return {"body": named, "decision_date": on.isoformat()}


def reminder_case(
    body: str, called: str | None, remedies: Sequence[Remedy], on: datetime.date
) -> dict[str, Any]:
    """The case of a reminder of the remedies overdue on ``on`` (``remedies``: as of that
    day); a RegisterError when none is."""
    overdue = overdue_facts(remedies)
    if not overdue:
        raise RegisterError(
            f"no remedy of {body} is overdue on {on.isoformat()}: there is nothing to remind "
            "it of (letters register remedies --body ... --overdue lists them)"
        )
    return {"outline": REMINDER, **body_case(body, called, on), "facts": {"overdue": overdue}}


def report_case(
    body: str,
    called: str | None,
    figures: Compliance,
    remedies: Sequence[Remedy],
) -> dict[str, Any]:
    """The case of a compliance report: the figures, and the remedies overdue on its day."""
    facts = figures.as_facts()
    overdue = overdue_facts(remedies)
    if overdue:
        facts["overdue"] = overdue
    return {"outline": REPORT, **body_case(body, called, figures.on), "facts": facts}
