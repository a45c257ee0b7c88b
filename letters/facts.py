"""The facts of a case as clause wording sees them: ``{{ complainant.their }}``, ``{{ body }}``.

The names here are the one definition of what wording may use from a case: composition builds
each letter's context from them, the library refuses a parameter that would hide one, and the
clause lint checks wording against them.
"""

from __future__ import annotations

import functools
import keyword
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
    "stage": None,
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
    context["stage"] = case.stage
    context.update({name: value for name, value in optional.items() if value is not None})
    return context


# The facts a library declares ------------------------------------------------------------------

KINDS = ("text", "yes/no", "date", "choice", "list", "person", "money", "deadline", "records")
"""The kinds of fact a library can declare. ``money`` is an amount in pounds ("£1,250", "£150
a month"); ``deadline`` a period after the final decision ("one month", "20 working days") or
a date; ``records`` a list of records, each of a kind the declaration names, with the fields it
declares (the remedies of a decision)."""

FIELD_KINDS = tuple(kind for kind in KINDS if kind != "records")
"""The kinds a field of a record can be."""

DECLARATION_KEYS = ("kind", "about", "required", "choices", "kinds", "fields", "worded_by")
RECORD_KIND_KEYS = ("about", "needs")
FIELD_KEYS = ("kind", "about", "required", "choices")


@attrs.frozen
class RecordKind:
    """A kind of record a ``records`` fact can hold (a payment), and the fields it needs."""

    name: str
    about: str
    needs: tuple[str, ...] = ()
    line: int = 0


@attrs.frozen
class FactDeclaration:
    """A fact the library declares: its name, kind, what it means, and whether a case must give it."""

    name: str
    kind: str
    about: str
    required: bool = False
    choices: tuple[str, ...] = ()
    line: int = 0
    kinds: tuple[RecordKind, ...] = ()
    """For ``records``: the kinds of record, each worded by a clause of ``worded_by``."""
    fields: tuple[FactDeclaration, ...] = ()
    """For ``records``: the fields a record can give, besides its ``kind``."""
    worded_by: str | None = None
    """For ``records``: the folder of clauses that word each kind: ``remedies`` has
    ``remedies/payment`` for a payment."""
    variants_of: tuple[str, ...] = ()
    """For a choice fact that lists no ``choices``: the clauses whose variants are its choices."""

    def as_json(self) -> dict[str, Any]:
        record: dict[str, Any] = {"name": self.name, "kind": self.kind, "about": self.about}
        record["required"] = self.required
        if self.choices:
            record["choices"] = list(self.choices)
        if self.kind == "records":
            record["kinds"] = [
                {"name": kind.name, "about": kind.about, "needs": list(kind.needs)}
                for kind in self.kinds
            ]
            record["fields"] = [field.as_json() for field in self.fields]
            record["worded_by"] = self.worded_by
        if self.variants_of:
            record["choices_from"] = [f"the variants of {clause}" for clause in self.variants_of]
        return record

    def kind_named(self, name: str) -> RecordKind | None:
        return next((kind for kind in self.kinds if kind.name == name), None)


def fact_type(declaration: FactDeclaration) -> Any:
    """The Python type a declared fact is read as."""
    from datetime import date
    from typing import Literal

    from letters.deadlines import Deadline
    from letters.model import Person
    from letters.money import Money

    kind = declaration.kind
    if kind == "yes/no":
        return bool
    if kind == "date":
        return date
    if kind == "choice":
        return Literal[declaration.choices]
    if kind == "list":
        if declaration.choices:
            item: Any = Literal[declaration.choices]
            return tuple[item, ...]
        return tuple[str, ...]
    if kind == "person":
        return Person
    if kind == "money":
        return Money
    if kind == "deadline":
        return Deadline
    if kind == "records":
        record: Any = record_class(declaration)
        return tuple[record, ...]
    return str


def is_fact_name(name: object) -> bool:
    """Whether a facts.yaml key can name a fact: an identifier, not a keyword, not internal."""
    return (
        isinstance(name, str)
        and name.isidentifier()
        and not keyword.iskeyword(name)
        and not name.startswith("_")
    )


@functools.lru_cache(maxsize=64)
def record_class(declaration: FactDeclaration) -> type:
    """An attrs class of one record of a ``records`` fact: its kind and its fields."""
    from typing import Literal

    kinds: Any = Literal[tuple(kind.name for kind in declaration.kinds)]
    fields: dict[str, Any] = {"kind": attrs.field(type=kinds)}
    for field in sorted(declaration.fields, key=lambda field: not field.required):
        fields[field.name] = attrs.field(
            type=fact_type(field), default=attrs.NOTHING if field.required else None
        )
    return attrs.make_class("Record", fields, bases=(_Record,), frozen=True)


class _Record:
    """What every record of a ``records`` fact is: shown by its kind ("payment")."""

    kind: str

    def __str__(self) -> str:
        return self.kind


def records_declaration(
    name: str, about: str, spec: Mapping[str, Any], line: Any, problem: Any
) -> FactDeclaration | None:
    """A ``records`` fact as ``facts.yaml`` declares it: its kinds (each with what it means and
    the fields it needs), its fields (each declared as a fact is), and the folder of clauses
    that word each kind. ``line(*keys)`` is the line of a key; ``problem(message, *keys)``
    records a problem there."""
    kinds_data = spec.get("kinds")
    fields_data = spec.get("fields") or {}
    worded_by = spec.get("worded_by")
    if not isinstance(kinds_data, dict) or not kinds_data:
        problem(
            f"fact {name!r} is a list of records: give its 'kinds', each with its 'about'", name
        )
        return None
    if not isinstance(fields_data, dict):
        problem(f"fact {name!r}: 'fields' must give each field as 'name:' with its kind", name)
        return None
    found = True
    fields: list[FactDeclaration] = []
    for field_name, field_spec in fields_data.items():
        field_name = str(field_name)
        at = (name, "fields", field_name)
        if not is_fact_name(field_name):
            problem(
                f"fact {name!r}: the field name {field_name!r} cannot be used: a field's name "
                "is letters, digits and _, starting with a letter, and not a word conditions "
                "keep (True, None, not, and, or ...)",
                *at,
            )
            found = False
            continue
        if field_name == "kind":
            problem(
                f"fact {name!r}: 'kind' is each record's kind already; name the field otherwise",
                *at,
            )
            found = False
            continue
        if not isinstance(field_spec, dict):
            problem(f"fact {name!r}: field {field_name!r} needs 'kind' and 'about'", *at)
            found = False
            continue
        unknown = [key for key in field_spec if key not in FIELD_KEYS]
        field_kind = field_spec.get("kind", "text")
        field_about = field_spec.get("about")
        choices = field_spec.get("choices") or []
        if unknown:
            problem(
                f"fact {name!r}: field {field_name!r}: unknown key {unknown[0]!r} "
                f"(expected: {', '.join(FIELD_KEYS)})",
                *at,
                str(unknown[0]),
            )
            found = False
        elif field_kind not in FIELD_KINDS:
            problem(
                f"fact {name!r}: field {field_name!r}: kind {field_kind!r} is not one of "
                f"{', '.join(FIELD_KINDS)}",
                *at,
                "kind",
            )
            found = False
        elif not isinstance(field_about, str) or not field_about.strip():
            problem(f"fact {name!r}: field {field_name!r} needs 'about': what it means", *at)
            found = False
        elif not isinstance(choices, list) or (field_kind == "choice" and not choices):
            problem(f"fact {name!r}: field {field_name!r} is a choice: list its 'choices'", *at)
            found = False
        else:
            fields.append(
                FactDeclaration(
                    name=field_name,
                    kind=field_kind,
                    about=field_about.strip(),
                    required=bool(field_spec.get("required", False)),
                    choices=tuple(str(choice) for choice in choices),
                    line=line(*at),
                )
            )
    names = {field.name for field in fields}
    kinds: list[RecordKind] = []
    for kind_name, kind_spec in kinds_data.items():
        kind_name = str(kind_name)
        at = (name, "kinds", kind_name)
        kind_spec = kind_spec if isinstance(kind_spec, dict) else {}
        unknown = [key for key in kind_spec if key not in RECORD_KIND_KEYS]
        kind_about = kind_spec.get("about")
        needs = kind_spec.get("needs") or []
        if unknown:
            problem(
                f"fact {name!r}: kind {kind_name!r}: unknown key {unknown[0]!r} "
                f"(expected: {', '.join(RECORD_KIND_KEYS)})",
                *at,
                str(unknown[0]),
            )
            found = False
        elif not isinstance(kind_about, str) or not kind_about.strip():
            problem(f"fact {name!r}: kind {kind_name!r} needs 'about': what it is", *at)
            found = False
        elif not isinstance(needs, list) or any(str(need) not in names for need in needs):
            problem(
                f"fact {name!r}: kind {kind_name!r}: 'needs' must list fields it declares "
                f"({', '.join(sorted(names)) or 'none'})",
                *at,
                "needs",
            )
            found = False
        else:
            kinds.append(
                RecordKind(kind_name, kind_about.strip(), tuple(map(str, needs)), line(*at))
            )
    if worded_by is not None and (not isinstance(worded_by, str) or not worded_by.strip()):
        problem(f"fact {name!r}: 'worded_by' must name a folder of clauses", name, "worded_by")
        found = False
    if not found:
        return None
    return FactDeclaration(
        name=name,
        kind="records",
        about=about,
        required=bool(spec.get("required", False)),
        line=line(name),
        kinds=tuple(kinds),
        fields=tuple(fields),
        worded_by=worded_by.strip().strip("/") if isinstance(worded_by, str) else None,
    )


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
