"""Amounts of money in pounds, as the Ombudsman's decisions write them: £300, £1,250, £150 a month.

A case gives an amount as a decision writes it ("£1,250", "£150 a month") or as a number (300,
"1250.50"); it is kept as a Decimal, so a sum is exact: no float rounding ever shows in a letter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from attrs import frozen

PERIODS = ("week", "month", "year")
"""The periods an amount can be paid by: "£150 a month"."""

_AMOUNT = re.compile(
    r"£?\s*(?P<pounds>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<pence>\d{1,2}))?"
    r"(?:\s+(?:a|per|each)\s+(?P<per>week|month|year))?",
    re.IGNORECASE,
)
_LARGEST = Decimal("1000000000")


class AmountError(ValueError):
    """Text that is not an amount in pounds; the message says what was expected."""


@frozen
class Money:
    """An amount in pounds, and the period it is paid by, if any ("a month")."""

    amount: Decimal
    per: str | None = None

    @classmethod
    def parse(cls, value: object) -> Money:
        """An amount as a case gives it: a whole number of pounds, or text as a decision writes
        it ("£1,250", "1250.50", "£150 a month")."""
        if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
            raise AmountError(
                'expected an amount in pounds, such as 300, "£1,250" or "£150 a month"'
            )
        text = str(value).strip()
        found = _AMOUNT.fullmatch(text)
        if found is None:
            raise AmountError(
                f'expected an amount in pounds, such as 300, "£1,250" or "£150 a month", got {text!r}'
            )
        try:
            amount = Decimal(found["pounds"].replace(",", "") + "." + (found["pence"] or "0"))
        except InvalidOperation:  # pragma: no cover - the pattern admits only digits
            raise AmountError(f"not an amount: {text!r}") from None
        if amount >= _LARGEST:
            raise AmountError(f"expected an amount below £1,000,000,000, got {text!r}")
        per = found["per"].lower() if found["per"] else None
        return cls(amount.quantize(Decimal("0.01")), per)

    @property
    def pounds(self) -> str:
        """The amount as a decision writes it, without its period: £300, £1,250, £1,250.50."""
        whole = self.amount == self.amount.to_integral_value()
        return f"£{self.amount:,.0f}" if whole else f"£{self.amount:,.2f}"

    def __str__(self) -> str:
        return self.pounds + (f" a {self.per}" if self.per else "")


def total(amounts: Iterable[object]) -> Money:
    """The sum of amounts paid by the same period (or once): exact, in pounds and pence."""
    found: list[Money] = []
    for amount in amounts:
        if amount is None:
            continue
        if not isinstance(amount, Money):
            raise AmountError("only amounts of money can be totalled")
        found.append(amount)
    periods = {amount.per for amount in found}
    if len(periods) > 1:
        shown = ", ".join(str(amount) for amount in found)
        raise AmountError(f"cannot total amounts paid by different periods: {shown}")
    per = periods.pop() if periods else None
    return Money(sum((amount.amount for amount in found), Decimal("0.00")), per)
