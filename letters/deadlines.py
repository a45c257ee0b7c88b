"""Deadlines as the Ombudsman's decisions give them, and the dates they fall on.

A remedy is due "within one month of my final decision", "within three months", "within 20
working days", or by a date the letter gives. A case gives the period as words ("one month",
"20 working days") or the date itself (2025-06-30). The date a period ends on is reckoned
from the date of the final decision: months as the calendar has them (a month from 31 January
is the last day of February), working days without weekends and the bank holidays of England
and Wales (from the ``holidays`` package, which is kept up to date, not a list kept by hand).
"""

from __future__ import annotations

import functools
import re
from datetime import date, timedelta
from typing import Any

from attrs import frozen

from letters.grammar import long_date
from letters.problems import CaseError

UNITS = ("working day", "day", "week", "month")
_WORDS = [
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
]
_NUMBERS = {word: number for number, word in enumerate(_WORDS, start=1)}
_PERIOD = re.compile(
    r"(?:within\s+)?(?P<count>\d{1,3}|[a-z]+)\s+(?P<unit>working\s+days?|days?|weeks?|months?)",
    re.IGNORECASE,
)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class DeadlineError(ValueError):
    """Text that is not a deadline; the message says what was expected."""


EXPECTED = 'expected a period such as "one month", "three months" or "20 working days", or a date as YYYY-MM-DD'


@frozen
class Deadline:
    """When something is due: a period after the final decision, or a date."""

    count: int = 0
    unit: str = ""  # one of UNITS; "" for a date
    on: date | None = None

    @classmethod
    def parse(cls, value: object) -> Deadline:
        if isinstance(value, date):
            return cls(on=value)
        if not isinstance(value, str):
            raise DeadlineError(EXPECTED)
        text = " ".join(value.split())
        if _ISO_DATE.fullmatch(text):
            try:
                return cls(on=date.fromisoformat(text))
            except ValueError:
                raise DeadlineError(f"{text!r} is no date of the calendar") from None
        found = _PERIOD.fullmatch(text)
        if found is None:
            raise DeadlineError(f"{EXPECTED}, got {text!r}")
        count_text = found["count"].lower()
        count = int(count_text) if count_text.isdigit() else _NUMBERS.get(count_text, 0)
        if not 0 < count <= 366:
            raise DeadlineError(f"{EXPECTED}, got {text!r}")
        unit = " ".join(found["unit"].lower().split()).removesuffix("s")
        return cls(count=count, unit=unit)

    @property
    def is_date(self) -> bool:
        """Whether the deadline is a date the letter gives, rather than a period."""
        return self.on is not None

    @property
    def period(self) -> str:
        """The period as a decision says it: "one month", "three months", "20 working days"."""
        if self.on is not None:
            return ""
        count = _WORDS[self.count - 1] if self.count <= 10 else str(self.count)
        return f"{count} {self.unit}{'' if self.count == 1 else 's'}"

    def due(self, start: date | None) -> date | None:
        """The date the deadline falls on, a period reckoned from ``start`` (the final decision's
        date); None for a period when there is no start yet (a draft decision)."""
        if self.on is not None:
            return self.on
        if start is None:
            return None
        try:
            return self._after(start)
        except (OverflowError, ValueError):  # past 9999-12-31, the calendar's last day
            raise CaseError(
                f"{self.period} after {start.isoformat()} falls past 31 December 9999, the "
                "last day of the calendar: expected a date that leaves room for its deadlines"
            ) from None

    def _after(self, start: date) -> date:
        """The day this period after ``start`` ends."""
        if self.unit == "month":
            from dateutil.relativedelta import relativedelta  # noqa: PLC0415 - deferred: start-up speed (dateutil; read when a month is first reckoned)

            later: date = start + relativedelta(months=self.count)
            return later
        if self.unit == "week":
            return start + timedelta(weeks=self.count)
        if self.unit == "day":
            return start + timedelta(days=self.count)
        return add_working_days(start, self.count)

    def explain(self, start: date | None, since: str = "the decision date") -> str:
        """How the due date was reckoned, for ``letters explain``."""
        if self.on is not None:
            return f"{long_date(self.on)}: the date the case gives"
        if start is None:
            return f"{self.period}: no date yet (it runs from {since})"
        due = self.due(start)
        assert due is not None
        how = f"{long_date(due)}: {self.period} after {since}, {long_date(start)}"
        if self.unit == "working day":
            skipped = bank_holidays_between(start, due)
            how += ", not counting Saturdays, Sundays"
            if skipped:
                how += " and the bank holidays of England and Wales: " + ", ".join(
                    f"{name} ({long_date(day)})" for day, name in skipped
                )
            else:
                how += " (no bank holiday of England and Wales falls between)"
        return how

    def sort_key(self, start: date | None) -> tuple[int, date | None, int]:
        """For ordering deadlines: by due date where there is one, else by length of period."""
        due = self.due(start)
        if due is not None:
            return (0, due, 0)
        days = {"working day": 1.4, "day": 1, "week": 7, "month": 30.5}[self.unit]
        return (1, None, int(self.count * days))


@functools.lru_cache(maxsize=64)
def _bank_holidays(year: int) -> dict[date, str]:
    """The bank holidays of England and Wales in a year (both have the same ones)."""
    import holidays  # noqa: PLC0415 - deferred: start-up speed (holidays is large; read when a working day is first reckoned)

    found: Any = holidays.country_holidays("GB", subdiv="ENG", years=year)
    return {day: str(name) for day, name in found.items()}


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start: date, count: int) -> date:
    """The day ``count`` working days after ``start``."""
    day = start
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def bank_holidays_between(start: date, end: date) -> list[tuple[date, str]]:
    """The bank holidays on weekdays after ``start`` and up to ``end``, in order."""
    found = []
    for year in range(start.year, end.year + 1):
        for day, name in sorted(_bank_holidays(year).items()):
            if start < day <= end and day.weekday() < 5:
                found.append((day, name))
    return found
