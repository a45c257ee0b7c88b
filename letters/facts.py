"""The facts of a case as clause wording sees them: ``{{ complainant.their }}``, ``{{ body }}``.

The names here are the one definition of what wording may use from a case: composition builds
each letter's context from them, the library refuses a parameter that would hide one, and the
clause lint checks wording against them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from letters.grammar import PersonWords
from letters.model import Body, Case, Complaint
from letters.wording import plain_values

PERSON_WORDS = frozenset(name for name in dir(PersonWords) if not name.startswith("_")) - {"forms"}

FACTS: Mapping[str, frozenset[str] | None] = {
    "body": frozenset(field.name for field in attrs.fields(Body)),
    "reference": None,
    "category": None,
    "decision": None,
    "decision_date": None,
    "complainant": PERSON_WORDS,
    "people": None,
    "complaint": frozenset(field.name for field in attrs.fields(Complaint)),
    "considered": None,
    "reason": None,  # the attributes of a reason are the wordings the library has for it
    "reasons": None,
    "facts": None,  # the facts the library declares: checked against its facts.yaml
}
"""Each fact wording can use, and the attributes it has (None: not checked by name)."""

FACT_NAMES = frozenset(FACTS)
"""The case facts every clause can use; a parameter may not take one of these names."""

REASON_FACTS = frozenset(("reason", "reasons"))
"""The facts whose attributes are a reason's wordings: ``{{ reason.summary }}``."""


class Facts(Mapping[str, Any]):
    """Facts of the case under one name, as clause text sees them (``complaint.wants``).

    A fact the case leaves out is simply absent, so a clause that needs it fails with its
    name rather than printing a blank.
    """

    def __init__(self, facts: Mapping[str, Any], text: str = ""):
        self._facts = {name: value for name, value in facts.items() if value is not None}
        self._text = text

    def __getitem__(self, name: str) -> Any:
        return self._facts[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._facts)

    def __len__(self) -> int:
        return len(self._facts)

    def __str__(self) -> str:
        return self._text


plain_values(Facts)


def fields_of(record: object) -> dict[str, Any]:
    """A record's fields by name, as they are (a record of plain values: a body, a complaint)."""
    kind: type = type(record)
    return {name: getattr(record, name) for name in field_names(kind)}


@functools.lru_cache(maxsize=64)
def field_names(kind: type) -> tuple[str, ...]:
    """The names of an attrs class's fields, in order."""
    return tuple(field.name for field in attrs.fields(kind))


def case_facts(case: Case) -> dict[str, Any]:
    """The facts of a case that wording sees, but for its reasons (composition adds those)."""
    context: dict[str, Any] = {
        "complainant": PersonWords(case.complainant.name, case.complainant.pronouns),
        "people": [PersonWords(person.name, person.pronouns) for person in case.people],
        "body": Facts(fields_of(case.body), case.body.called),
        "complaint": Facts(fields_of(case.complaint)),
        "considered": list(case.considered),
    }
    optional = {
        "reference": case.reference,
        "category": case.category,
        "decision": case.decision,
        "decision_date": case.decision_date,
    }
    context.update({name: value for name, value in optional.items() if value is not None})
    return context


# The facts a library declares ------------------------------------------------------------------

KINDS = ("text", "yes/no", "date", "choice", "list", "person")
"""The kinds of fact a library can declare."""

DECLARATION_KEYS = ("kind", "about", "required", "choices")


@attrs.frozen
class FactDeclaration:
    """A fact the library declares: its name, kind, what it means, and whether a case must give it."""

    name: str
    kind: str
    about: str
    required: bool = False
    choices: tuple[str, ...] = ()
    line: int = 0

    def as_json(self) -> dict[str, Any]:
        record: dict[str, Any] = {"name": self.name, "kind": self.kind, "about": self.about}
        record["required"] = self.required
        if self.choices:
            record["choices"] = list(self.choices)
        return record


def fact_type(declaration: FactDeclaration) -> Any:
    """The Python type a declared fact is read as."""
    from datetime import date
    from typing import Literal

    from letters.model import Person

    kind = declaration.kind
    if kind == "yes/no":
        return bool
    if kind == "date":
        return date
    if kind == "choice":
        return Literal[declaration.choices]
    if kind == "list":
        return tuple[str, ...]
    if kind == "person":
        return Person
    return str


_ORDERS: dict[int, tuple[Mapping[str, FactDeclaration], tuple[str, ...], tuple[str, ...]]] = {}


def fact_order(declarations: Mapping[str, FactDeclaration]) -> tuple[str, ...]:
    """The declared facts' names as a case's facts are given to wording: those a case must
    give first, then the others, each in the order declared; worked out once for each
    library's declarations.

    Facts are read one by one with the type of their kind (``fact_type``), not through a class
    made for the library: a class of thousands of fields takes minutes to make, and a fact's
    name would be Python source in it.
    """
    return _orders(declarations)[1]


def required_facts(declarations: Mapping[str, FactDeclaration]) -> tuple[str, ...]:
    """The names of the facts every case must give, in the order declared."""
    return _orders(declarations)[2]


def _orders(
    declarations: Mapping[str, FactDeclaration],
) -> tuple[Mapping[str, FactDeclaration], tuple[str, ...], tuple[str, ...]]:
    found = _ORDERS.get(id(declarations))
    if found is None or found[0] is not declarations:
        if len(_ORDERS) >= 32:  # libraries read again (letters serve): the old ones go
            _ORDERS.clear()
        required = tuple(name for name, fact in declarations.items() if fact.required)
        others = tuple(name for name, fact in declarations.items() if not fact.required)
        found = _ORDERS[id(declarations)] = (declarations, required + others, required)
    return found
