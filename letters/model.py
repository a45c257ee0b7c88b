"""The facts of a case, as a case file states them: plain attrs classes, data only.

A case names the body complained about, the complainant and the complaint, and plans the
letter: its sections, and in each the paragraphs, each made of the caseworker's own sentences
and clauses from the library. The standard wording itself is never here; it is in the clauses.
Loading from JSON is in ``loading.py``; each field's ``description`` is what ``letters schema``
tells editors about it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from attrs import field, frozen


def described(text: str) -> dict[str, Any]:
    """A field's description, for the JSON Schema of a case file."""
    return {"description": text}


class Pronouns(enum.Enum):
    """How the letter refers to a person: she/her, he/him or they/them."""

    SHE = "she"
    HE = "he"
    THEY = "they"


@frozen
class Person:
    """Someone the letter names, as the letter names them ("Mrs X", "Ms Y")."""

    name: str = field(metadata=described('The name as the letter writes it: "Mrs X", "Ms Y".'))
    pronouns: Pronouns = field(metadata=described("The pronouns the letter uses: she, he or they."))
    address: tuple[str, ...] = field(
        default=(), metadata=described("Postal address lines, for a letter sent to the person.")
    )


@frozen
class Body:
    """The organisation complained about."""

    name: str | None = field(
        default=None, metadata=described('Its full name: "North Northamptonshire Council".')
    )
    called: str = field(
        default="the Council", metadata=described('How the letter refers to it: "the Council".')
    )


@frozen
class Complaint:
    """What the complaint is about, in the caseworker's words.

    ``about`` completes "We will not investigate this complaint ..." in the Summary, with its own
    joining word ("about the content of a report", "that the Council failed to ...").
    """

    about: str | None = field(
        default=None,
        metadata=described(
            'Completes "We will not investigate this complaint ...", with its joining word: '
            '"about the content of a report", "that the Council failed to ...".'
        ),
    )
    statement: str | None = field(
        default=None,
        metadata=described('What the complainant complains of: "... complains that <statement>".'),
    )
    wants: str | None = field(
        default=None, metadata=described('What the complainant wants: "Mr X wants <wants>".')
    )


ParamValue = str | tuple[str, ...]


@frozen
class ClauseUse:
    """A clause of the library placed in a paragraph, with the variant and parameters it takes."""

    clause: str = field(
        metadata=described('The clause\'s id: its file in clauses/ without ".txt".')
    )
    variant: str | None = field(
        default=None,
        metadata=described(
            "Which wording of the clause; default: the one in force on the decision date."
        ),
    )
    params: Mapping[str, ParamValue] = field(
        factory=dict, metadata=described("Values for the clause's parameters, by name.")
    )


@frozen
class Reason:
    """A reason for the decision: a folder of ``clauses/reasons/``, with the facts it needs."""

    reason: str = field(metadata=described("The reason's name: a folder of clauses/reasons/."))
    params: Mapping[str, ParamValue] = field(
        factory=dict, metadata=described('Facts its wording needs, such as {"tribunal": "..."}.')
    )


@frozen
class ListPart:
    """The caseworker's own list in a paragraph: its items, each text or a list in the item
    before it, bulleted or numbered (a), b) ... under the paragraph's number)."""

    list: tuple[str | ListPart, ...] = field(
        metadata=described(
            'The items: each text, or a list of its own ({"list": [...]}) that goes under the '
            "item before it."
        )
    )
    numbered: bool = field(
        default=False,
        metadata=described("Whether the items are numbered a), b) ... rather than bulleted."),
    )


Part = str | ClauseUse | ListPart
"""One piece of a paragraph: the case's own text, a clause, or the caseworker's own list."""

Paragraph = tuple[Part, ...]
"""A paragraph as planned: its parts, joined by spaces when composed."""


@frozen
class SectionPlan:
    """A section of the letter: which one (its heading comes from the library) and its paragraphs."""

    section: str = field(
        metadata=described(
            'Which section: its heading is the clause headings/<section> ("complaint").'
        )
    )
    paragraphs: tuple[Paragraph, ...] = field(
        metadata=described(
            "The section's numbered paragraphs. Each is the caseworker's own text, a clause, or a "
            "list of both joined into one paragraph."
        )
    )


FactValue = str | bool | int | tuple[str, ...] | tuple[Mapping[str, Any], ...] | Person
"""A fact the library declares, as a case gives it: text (or a date, an amount or a deadline as
text), yes/no, a number (an amount in pounds), a list of text, a list of records, or a person."""


Stage = Literal["draft", "final"]
"""An investigation's decision is sent first as a draft, for comments, then as the final one."""


@frozen
class Addition:
    """A clause a case adds to its outline's plan: into a section, after a clause or at its end."""

    clause: str = field(metadata=described('The clause\'s id: "assessment/negligence".'))
    section: str = field(metadata=described('The section it goes in: "assessment".'))
    after: str | None = field(
        default=None,
        metadata=described("A clause of that section it follows; default: the section's end."),
    )
    variant: str | None = field(default=None, metadata=described("Which wording of the clause."))
    params: Mapping[str, ParamValue] = field(
        factory=dict, metadata=described("Values for the clause's parameters, by name.")
    )


@frozen
class Case:
    """Everything the letter needs to know about one complaint.

    A case gives facts, and the caseworker's own sentences by section; an outline of the
    library (named by ``outline`` or chosen from the facts) turns them into the letter's plan.
    ``sections`` and ``summary`` plan a letter, or parts of one, by hand.
    """

    complainant: Person | None = field(
        default=None,
        metadata=described(
            "The person who complained; required where the library says so (layout.yaml's needs)."
        ),
    )
    complaint: Complaint = field(
        factory=Complaint,
        metadata=described(
            "What the complaint is about; its parts required where the library says so "
            "(layout.yaml's needs)."
        ),
    )
    sections: tuple[SectionPlan, ...] = field(
        default=(),
        metadata=described(
            "Sections planned by hand, in order; with an outline, each replaces the outline's "
            "section of the same name (or is added after the outline's sections)."
        ),
    )
    outline: str | None = field(
        default=None,
        metadata=described(
            "The outline that plans the letter: a file of clauses/outlines/ without .yaml; "
            "default: the one whose condition the case's facts meet."
        ),
    )
    facts: Mapping[str, FactValue] = field(
        factory=dict,
        metadata=described(
            "The facts the library declares (clauses/facts.yaml), by name: "
            '{"data_protection": true, "document": "the report"}.'
        ),
    )
    text: Mapping[str, tuple[Paragraph, ...]] = field(
        factory=dict,
        metadata=described(
            "The caseworker's own paragraphs, by section: "
            '{"assessment": ["Mrs X says ...", "..."]}.'
        ),
    )
    wording: Mapping[str, str] = field(
        factory=dict,
        metadata=described(
            'The wording (variant) of any clause the letter uses, by clause id: {"role/tests": '
            '"2021-22"}; default: the outline\'s, else the one in force on the decision date.'
        ),
    )
    drop: tuple[str, ...] = field(
        default=(), metadata=described("Clauses the outline places that this letter leaves out.")
    )
    add: tuple[Addition, ...] = field(
        default=(), metadata=described("Clauses this letter adds to the outline's plan.")
    )
    numbered: bool | None = field(
        default=None,
        metadata=described(
            "Whether the paragraphs are numbered; default: the outline's, else yes."
        ),
    )
    body: Body = field(factory=Body, metadata=described("The organisation complained about."))
    reference: str | None = field(
        default=None, metadata=described('The decision\'s reference: "24 018 696".')
    )
    category: str | None = field(
        default=None,
        metadata=described('The category: "Children\'s care services > Child protection".'),
    )
    decision: str | None = field(
        default=None, metadata=described('The outcome: "Closed after initial enquiries".')
    )
    decision_date: date | None = field(
        default=None,
        metadata=described("The decision date, YYYY-MM-DD; it picks the clause wordings in force."),
    )
    stage: Stage = field(
        default="final",
        metadata=described(
            'Which decision this letter is: "final" (the default), or "draft", the draft decision '
            "sent for comments, with its deadline for them; one case file gives both."
        ),
    )
    people: tuple[Person, ...] = field(
        default=(), metadata=described("Other people the letter names.")
    )
    considered: tuple[str, ...] = field(
        default=(),
        metadata=described('Whose information was considered: ["the complainant", "the Council"].'),
    )
    reasons: tuple[Reason, ...] = field(
        default=(),
        metadata=described(
            "The reasons for the decision, the main one first: a folder of clauses/reasons/, or "
            '{"reason": ..., "params": {...}}.'
        ),
    )
    summary: Paragraph = field(
        default=(), metadata=described("The Summary paragraph, planned like any paragraph.")
    )
