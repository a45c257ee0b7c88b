"""The grammar clause authors need: pronouns, possessives, lists, capitals, dates.

Pure functions, offered to clause text as filters and as attributes of the people a letter names
(``{{ complainant.their }}``, ``{{ complainant | possessive }}``, ``{{ considered | join_and }}``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from attrs import frozen

from letters import lists, money
from letters.model import Pronouns

APOSTROPHE = "\u2019"  # the published decisions write "Mrs X’s" with a typographic apostrophe


MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


@frozen
class PronounForms:
    """The forms of one set of pronouns, named after the "they" forms."""

    they: str
    them: str
    their: str
    theirs: str
    themselves: str
    is_plural: bool


PRONOUN_FORMS = {
    Pronouns.SHE: PronounForms("she", "her", "her", "hers", "herself", is_plural=False),
    Pronouns.HE: PronounForms("he", "him", "his", "his", "himself", is_plural=False),
    Pronouns.THEY: PronounForms("they", "them", "their", "theirs", "themselves", is_plural=True),
}


def possessive(name: object) -> str:
    """Make a name possessive: "Mrs X" -> "Mrs X’s", "Mr and Mrs X" -> "Mr and Mrs X’s".

    British usage adds ’s to singular names ending in s too ("Mr Jones’s"). Text that already
    ends in an apostrophe (a plural such as "the residents’") is left as it is.
    """
    text = str(name)
    if text.endswith((APOSTROPHE, "'")):
        return text
    return text + APOSTROPHE + "s"


def join_words(items: Iterable[object], conjunction: str) -> str:
    """Join items as English does: "A", "A and B", "A, B and C"."""
    words = [str(item) for item in items]
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def join_and(items: Iterable[object]) -> str:
    """Join with "and": "the complainant and the Council"."""
    return join_words(items, "and")


def join_or(items: Iterable[object]) -> str:
    """Join with "or": "A, B or C"."""
    return join_words(items, "or")


def each_or(items: Iterable[object]) -> list[str]:
    """End every item but the last with ", or", as the Ombudsman's lists of tests do.

    Then run them into the sentence (``| join(" ")``) or set them out as ``| bullets``.
    """
    words = [str(item) for item in items]
    return [f"{word}, or" for word in words[:-1]] + words[-1:]


def each_and(items: Iterable[object]) -> list[str]:
    """End every item but the last with ";", the one before the last with "; and", as the
    Ombudsman's lists of actions do: "apologise ...; and", "pay ..."."""
    words = [str(item) for item in items]
    if len(words) < 2:
        return words
    return [f"{word};" for word in words[:-2]] + [f"{words[-2]}; and", words[-1]]


def total(amounts: Iterable[object]) -> object:
    """The sum of amounts of money, exact: ``{{ facts.remedies | map(attribute="amount") | total }}``."""
    return money.total(amounts)


def bullets(items: Iterable[object]) -> str:
    """Set items out as a bulleted list in the paragraph: a Word list in a letter."""
    return lists.items_of(lists.BULLET, items)


def numbered(items: Iterable[object]) -> str:
    """Set items out as a numbered list in the paragraph: a), b) ... under its number."""
    return lists.items_of(lists.NUMBER, items)


def sentence(text: object) -> str:
    """Capitalise the first letter, as at the start of a sentence, leaving the rest as it is."""
    value = str(text)
    for index, char in enumerate(value):
        if char.isalpha():
            return value[:index] + char.upper() + value[index + 1 :]
    return value


def short_date(day: date) -> str:
    """The date as the decision's header shows it: "23 Mar 2025"."""
    _expect_date(day, "short_date")
    return f"{day.day:02d} {MONTHS[day.month - 1][:3]} {day.year}"


def long_date(day: date) -> str:
    """The date as the body of a letter writes it: "9 September 2022"."""
    _expect_date(day, "long_date")
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _expect_date(value: object, name: str) -> None:
    if not isinstance(value, date):
        raise TypeError(f"{name} takes a date, not {type(value).__name__}")


@frozen
class PersonWords:
    """A person as clause text refers to them: ``{{ complainant }}`` is their name.

    ``{{ complainant.they }}``, ``.them``, ``.their``, ``.theirs`` and ``.themselves`` give their
    pronouns; ``{{ complainant.possessive }}`` gives "Mrs X’s"; ``{{ complainant.verb("has",
    "have") }}`` picks the verb that agrees with their pronoun.
    """

    name: str
    pronouns: Pronouns

    def __str__(self) -> str:
        return self.name

    @property
    def forms(self) -> PronounForms:
        return PRONOUN_FORMS[self.pronouns]

    @property
    def they(self) -> str:
        return self.forms.they

    @property
    def them(self) -> str:
        return self.forms.them

    @property
    def their(self) -> str:
        return self.forms.their

    @property
    def theirs(self) -> str:
        return self.forms.theirs

    @property
    def themselves(self) -> str:
        return self.forms.themselves

    @property
    def possessive(self) -> str:
        return possessive(self.name)

    def verb(self, singular: str, plural: str) -> str:
        """The verb form that agrees with the person's pronoun: "she has", "they have"."""
        return plural if self.forms.is_plural else singular


FILTERS: dict[str, Callable[..., Any]] = {
    "possessive": possessive,
    "each_or": each_or,
    "each_and": each_and,
    "total": total,
    "bullets": bullets,
    "numbered": numbered,
    "join_and": join_and,
    "join_or": join_or,
    "sentence": sentence,
    "short_date": short_date,
    "long_date": long_date,
}
"""The grammar helpers as clause text uses them: ``{{ value | name }}``."""
