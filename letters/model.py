"""The facts of a case, as a case file states them: plain attrs classes, data only.

A case names the body complained about, the complainant and the complaint, and plans the
letter: its sections, and in each the paragraphs, each made of the caseworker's own sentences
and clauses from the library. The standard wording itself is never here; it is in the clauses.
Loading from JSON is in ``loading.py``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date

from attrs import field, frozen


class Pronouns(enum.Enum):
    """How the letter refers to a person: she/her, he/him or they/them."""

    SHE = "she"
    HE = "he"
    THEY = "they"


@frozen
class Person:
    """Someone the letter names, as the letter names them ("Mrs X", "Ms Y")."""

    name: str
    pronouns: Pronouns


@frozen
class Body:
    """The organisation complained about."""

    name: str | None = None
    called: str = "the Council"


@frozen
class Complaint:
    """What the complaint is about, in the caseworker's words.

    ``about`` completes "We will not investigate this complaint ..." in the Summary, with its own
    joining word ("about the content of a report", "that the Council failed to ...").
    """

    about: str
    statement: str | None = None
    wants: str | None = None


ParamValue = str | tuple[str, ...]


@frozen
class ClauseUse:
    """A clause of the library placed in a paragraph, with the variant and parameters it takes."""

    clause: str
    variant: str | None = None
    params: Mapping[str, ParamValue] = field(factory=dict)


@frozen
class Reason:
    """A reason for the decision: a folder of ``clauses/reasons/``, with the facts it needs."""

    reason: str
    params: Mapping[str, ParamValue] = field(factory=dict)


Part = str | ClauseUse
"""One piece of a paragraph: the case's own text, or a clause."""

Paragraph = tuple[Part, ...]
"""A paragraph as planned: its parts, joined by spaces when composed."""


@frozen
class SectionPlan:
    """A section of the letter: which one (its heading comes from the library) and its paragraphs."""

    section: str
    paragraphs: tuple[Paragraph, ...]


@frozen
class Case:
    """Everything the letter needs to know about one complaint."""

    complainant: Person
    complaint: Complaint
    sections: tuple[SectionPlan, ...]
    body: Body = Body()
    reference: str | None = None
    category: str | None = None
    decision: str | None = None
    decision_date: date | None = None
    people: tuple[Person, ...] = ()
    considered: tuple[str, ...] = ()
    reasons: tuple[Reason, ...] = ()
    summary: Paragraph = ()
