"""The facts of a case as clause wording sees them (``{{ complainant.their }}``, ``{{ body }}``),
and the facts a library declares in its ``facts.yaml``.

The names here are the one definition of what wording may use from a case: composition builds
each letter's context from them, the library refuses a parameter that would hide one, and the
clause lint checks wording against them. A library declares the facts its outlines test and its
clauses fill in besides (``facts.late``): each with its kind, what it means, and whether every
case must give it; ``facts.yaml`` is read into attrs classes by a cattrs converter, as case
files are.
"""

from __future__ import annotations

import functools
import keyword
import typing
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import attrs
from cattrs.gen import override

from letters.deadlines import Deadline
from letters.grammar import PersonWords
from letters.model import Body, Case, Complaint, Person
from letters.money import Money
from letters.problems import ClauseError, LettersError, Location
from letters.wording import plain_values
from letters.yaml_lines import (
    NO_NAMES,
    Entries,
    Keys,
    Lines,
    Names,
    Refused,
    SomeEntries,
    Text,
    converter,
    keys_of,
    line_of,
    no_entries,
    read_yaml,
    structured,
    unknown_keys,
)

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
    if case.complainant is not None:  # a library may never name its complainant
        context["complainant"] = PersonWords(case.complainant.name, case.complainant.pronouns)
    context["stage"] = case.stage
    context.update({name: value for name, value in optional.items() if value is not None})
    return context


# The facts a library declares ------------------------------------------------------------------

FactKind = Literal[
    "text", "yes/no", "date", "choice", "list", "person", "money", "deadline", "records"
]
FieldKind = Literal["text", "yes/no", "date", "choice", "list", "person", "money", "deadline"]

KINDS: tuple[str, ...] = typing.get_args(FactKind)
"""The kinds of fact a library can declare. ``money`` is an amount in pounds ("£1,250", "£150
a month"); ``deadline`` a period after the final decision ("one month", "20 working days") or
a date; ``records`` a list of records, each of a kind the declaration names, with the fields it
declares (the remedies of a decision)."""

FIELD_KINDS: tuple[str, ...] = typing.get_args(FieldKind)
"""The kinds a field of a record can be."""


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
    default: Any = None
    """What wording reads for a case that does not give the fact, read as its kind is
    ("20 working days" a deadline); None for none. Conditions test what the case gives."""
    runs_from: str | None = None
    """For a ``deadline`` of the letter's own (the comments on a draft): the ``date`` fact its
    period runs from where the case gives it (the draft's date); else the decision date."""

    def as_json(self) -> dict[str, Any]:
        record: dict[str, Any] = {"name": self.name, "kind": self.kind, "about": self.about}
        record["required"] = self.required
        if self.choices:
            record["choices"] = list(self.choices)
        if self.default is not None:
            record["default"] = _default_json(self.default)
        if self.runs_from is not None:
            record["runs_from"] = self.runs_from
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


# facts.yaml as it is written: each fact's name, and under it what it is ---------------------


def _any_choices(value: object, _: type) -> tuple[str, ...]:
    """The ``choices`` of a fact that is not a choice, read as they always were: any values
    one after another (the letters of a text, the keys of a mapping)."""
    if not value:
        return ()
    if not isinstance(value, Iterable):
        raise Refused
    return tuple(str(choice) for choice in value)


@attrs.define(kw_only=True, eq=False, repr=False, slots=False)  # a file's shape, read and dropped
class _Written:
    """A fact as ``facts.yaml`` writes it under its name."""

    kind: FactKind = "text"
    about: Text
    required: Any = False  # anything: read as yes or no
    choices: Annotated[tuple[str, ...], override(struct_hook=_any_choices)] = ()
    kinds: Any = None  # the next three, for a records fact: _WrittenRecords
    fields: Any = None
    worded_by: Any = None
    default: Any = None  # read as the fact's kind: _read_default
    runs_from: Text | None = None  # a deadline's: the date fact it runs from


@attrs.define(kw_only=True, eq=False, repr=False, slots=False)  # a file's shape, read and dropped
class _WrittenChoice(_Written):
    """A choice fact as ``facts.yaml`` writes it: its ``choices`` a list, or none (an outline's
    clause variants are then its choices)."""

    choices: Names = NO_NAMES


@attrs.define(kw_only=True, eq=False, repr=False, slots=False)  # a file's shape, read and dropped
class _WrittenRecords:
    """A ``records`` fact as ``facts.yaml`` writes it: its kinds of record (each with what it
    means and the fields it needs), its fields (each declared as a fact is), and the folder of
    clauses that word each kind."""

    about: Text
    required: Any = False
    kinds: SomeEntries  # of _WrittenKind
    fields: Entries = attrs.field(factory=no_entries)  # of _WrittenField
    worded_by: Text | None = None


@attrs.define(kw_only=True, eq=False, repr=False, slots=False)  # a file's shape, read and dropped
class _WrittenField:
    """A field of a record, under its name in the fact's ``fields``."""

    kind: FieldKind = "text"
    about: Text
    required: Any = False
    choices: Names = NO_NAMES


@attrs.define(kw_only=True, eq=False, repr=False, slots=False)  # a file's shape, read and dropped
class _WrittenKind:
    """A kind of record, under its name in the fact's ``kinds``."""

    about: Text
    needs: Names = NO_NAMES


DECLARATION_KEYS = keys_of(_Written)
RECORD_KIND_KEYS = keys_of(_WrittenKind)
FIELD_KEYS = keys_of(_WrittenField)

_READER = converter()


def read_declarations(path: Path) -> tuple[dict[str, FactDeclaration], list[LettersError]]:
    """The facts a library declares in its ``facts.yaml``, and the problems of the file."""
    if not path.exists():
        return {}, []
    try:
        data, lines = read_yaml(path.read_text(encoding="utf-8"), str(path))
    except LettersError as error:
        return {}, [error]
    except (OSError, UnicodeDecodeError) as error:
        return {}, [ClauseError(f"cannot read the facts ({error})", Location(file=str(path)))]
    if data is None:
        return {}, []
    if not isinstance(data, dict):
        return {}, [
            ClauseError(
                "declare each fact as 'name:' with its kind and about",
                Location(file=str(path), line=1),
            )
        ]
    reading = _Reading(str(path), lines)
    declarations: dict[str, FactDeclaration] = {}
    for key, written in data.items():
        declaration = reading.fact(key, written)
        if declaration is not None:
            declarations[declaration.name] = declaration
    for declaration in declarations.values():
        reading.runs_from(declaration, declarations)
    return declarations, reading.problems


class _Reading:
    """One reading of a ``facts.yaml``: the declarations as the converter reads them, and what
    it refuses said as a caseworker reads it, each problem at the line of its key."""

    def __init__(self, path: str, lines: Lines):
        self.path = path
        self.lines = lines
        self.problems: list[LettersError] = []

    def problem(self, message: str, *at: str) -> None:
        line = line_of(self.lines, *at)
        self.problems.append(ClauseError(message, Location(file=self.path, line=line)))

    def fact(self, key: object, written: object) -> FactDeclaration | None:
        """One fact, from its name and what is written under it; None if it is wrong."""
        name = str(key)
        if not is_fact_name(key):
            self.problem(
                f"the fact name {name!r} cannot be used: a fact's name is letters, digits "
                "and _, starting with a letter, and not a word conditions keep (True, None, "
                "not, and, or ...)",
                name,
            )
            return None
        if name in FACT_NAMES:
            self.problem(f"fact {name!r} is one every case has already; choose another name", name)
            return None
        kind = written.get("kind") if isinstance(written, dict) else None
        is_records = kind == "records"
        shape: type[_Written | _WrittenRecords] = _Written
        if is_records:
            shape = _WrittenRecords
        elif kind == "choice":
            shape = _WrittenChoice
        fact, refused = structured(_READER, written, shape)
        if refused[:1] and refused[0][0] == ():
            self.problem(f"fact {name!r} needs 'kind' ({', '.join(KINDS)}) and 'about'", name)
            return None
        for unknown in unknown_keys(written, DECLARATION_KEYS):
            self.problem(
                f"fact {name!r}: unknown key {unknown!r} (expected: {', '.join(DECLARATION_KEYS)})",
                name,
                str(unknown),
            )
        assert isinstance(written, dict)
        if is_records:
            assert fact is None or isinstance(fact, _WrittenRecords)
            return self.records(name, written, fact, refused)
        if refused:
            (attribute, *_), _ = refused[0]
            if attribute == "kind":
                kinds = ", ".join(KINDS)
                self.problem(
                    f"fact {name!r}: kind {written['kind']!r} is not one of {kinds}", name, "kind"
                )
            elif attribute == "about":
                self.problem(f"fact {name!r} needs 'about': what it means", name)
            else:
                self.problem(f"fact {name!r} is a choice: list its 'choices'", name)
            return None
        assert isinstance(fact, _Written)
        default = None
        if fact.default is not None:
            try:
                default = _read_default(fact.kind, fact.default, fact.choices)
            except ValueError as error:
                self.problem(f"fact {name!r}: default: {error}", name, "default")
                return None
        if fact.runs_from is not None and fact.kind != "deadline":
            self.problem(
                f"fact {name!r}: 'runs_from' is for a deadline (the date fact its period runs "
                f"from), not a fact of kind {fact.kind!r}",
                name,
                "runs_from",
            )
            return None
        return FactDeclaration(
            name=name,
            kind=fact.kind,
            about=fact.about,
            required=bool(fact.required),
            choices=fact.choices,
            line=line_of(self.lines, name),
            default=default,
            runs_from=fact.runs_from.strip() if fact.runs_from else None,
        )

    def runs_from(
        self, declaration: FactDeclaration, declarations: Mapping[str, FactDeclaration]
    ) -> None:
        """A deadline's ``runs_from`` names a date fact the library declares."""
        named = declaration.runs_from
        if named is None:
            return
        found = declarations.get(named)
        if found is None or found.kind != "date":
            dates = sorted(name for name, fact in declarations.items() if fact.kind == "date")
            self.problem(
                f"fact {declaration.name!r}: 'runs_from' names {named!r}, which is no date "
                f"fact of this library (its date facts: {', '.join(dates) or 'none'})",
                declaration.name,
                "runs_from",
            )

    def records(
        self,
        name: str,
        written: dict[Any, Any],
        records: _WrittenRecords | None,
        refused: list[tuple[Keys, BaseException]],
    ) -> FactDeclaration | None:
        """A ``records`` fact: its kinds and fields, each read in turn, and the folder of
        clauses that word them; None if any of them is wrong."""
        wrong = {str(keys[0]) for keys, _ in refused}
        for own in ("default", "runs_from"):
            if own in written:
                self.problem(f"fact {name!r}: a list of records takes no {own!r}", name, own)
                return None
        if "about" in wrong:
            self.problem(f"fact {name!r} needs 'about': what it means", name)
            return None
        if "kinds" in wrong:
            self.problem(
                f"fact {name!r} is a list of records: give its 'kinds', each with its 'about'",
                name,
            )
            return None
        if "fields" in wrong:
            self.problem(
                f"fact {name!r}: 'fields' must give each field as 'name:' with its kind", name
            )
            return None
        fields = [
            self.field(name, key, field) for key, field in (written.get("fields") or {}).items()
        ]
        read = tuple(field for field in fields if field is not None)
        names = {field.name for field in read}
        kinds = [self.kind(name, key, kind, names) for key, kind in written["kinds"].items()]
        found = None not in fields and None not in kinds
        if "worded_by" in wrong:
            self.problem(
                f"fact {name!r}: 'worded_by' must name a folder of clauses", name, "worded_by"
            )
            return None
        if not found or records is None:
            return None
        return FactDeclaration(
            name=name,
            kind="records",
            about=records.about,
            required=bool(records.required),
            line=line_of(self.lines, name),
            kinds=tuple(kind for kind in kinds if kind is not None),
            fields=read,
            worded_by=records.worded_by.strip("/") if records.worded_by is not None else None,
        )

    def field(self, fact: str, key: object, written: object) -> FactDeclaration | None:
        """A field of a record, from its name and what is written under it."""
        name = str(key)
        at = (fact, "fields", name)
        if not is_fact_name(name):
            self.problem(
                f"fact {fact!r}: the field name {name!r} cannot be used: a field's name "
                "is letters, digits and _, starting with a letter, and not a word conditions "
                "keep (True, None, not, and, or ...)",
                *at,
            )
            return None
        if name == "kind":
            self.problem(
                f"fact {fact!r}: 'kind' is each record's kind already; name the field otherwise",
                *at,
            )
            return None
        field, refused = structured(_READER, written, _WrittenField)
        unknown = unknown_keys(written, FIELD_KEYS)
        wrong = refused[0][0][:1] if refused else None
        if wrong == ():
            self.problem(f"fact {fact!r}: field {name!r} needs 'kind' and 'about'", *at)
        elif unknown:
            self.problem(
                f"fact {fact!r}: field {name!r}: unknown key {unknown[0]!r} "
                f"(expected: {', '.join(FIELD_KEYS)})",
                *at,
                str(unknown[0]),
            )
        elif wrong == ("kind",):
            assert isinstance(written, dict)
            self.problem(
                f"fact {fact!r}: field {name!r}: kind {written['kind']!r} is not one of "
                f"{', '.join(FIELD_KINDS)}",
                *at,
                "kind",
            )
        elif wrong == ("about",):
            self.problem(f"fact {fact!r}: field {name!r} needs 'about': what it means", *at)
        elif field is None or (field.kind == "choice" and not field.choices):
            self.problem(f"fact {fact!r}: field {name!r} is a choice: list its 'choices'", *at)
        else:
            return FactDeclaration(
                name=name,
                kind=field.kind,
                about=field.about,
                required=bool(field.required),
                choices=field.choices,
                line=line_of(self.lines, *at),
            )
        return None

    def kind(self, fact: str, key: object, written: object, fields: set[str]) -> RecordKind | None:
        """A kind of record, from its name and what is written under it; ``fields`` are the
        names of the fields the fact declares, which it may need."""
        name = str(key)
        at = (fact, "kinds", name)
        written = written if isinstance(written, dict) else {}
        kind, refused = structured(_READER, written, _WrittenKind)
        unknown = unknown_keys(written, RECORD_KIND_KEYS)
        if unknown:
            self.problem(
                f"fact {fact!r}: kind {name!r}: unknown key {unknown[0]!r} "
                f"(expected: {', '.join(RECORD_KIND_KEYS)})",
                *at,
                str(unknown[0]),
            )
        elif refused and refused[0][0] == ("about",):
            self.problem(f"fact {fact!r}: kind {name!r} needs 'about': what it is", *at)
        elif kind is None or not set(kind.needs) <= fields:
            self.problem(
                f"fact {fact!r}: kind {name!r}: 'needs' must list fields it declares "
                f"({', '.join(sorted(fields)) or 'none'})",
                *at,
                "needs",
            )
        else:
            return RecordKind(name, kind.about, kind.needs, line_of(self.lines, *at))
        return None


def _read_default(kind: str, value: object, choices: tuple[str, ...]) -> Any:
    """A fact's ``default`` as facts.yaml writes it, read as a case's value of its kind is;
    a ValueError says what was expected."""
    if kind == "deadline":
        return Deadline.parse(value)
    if kind == "money":
        return Money.parse(value)
    if kind == "date":
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise ValueError(f"expected a date as YYYY-MM-DD, got {value!r}") from None
    if kind == "yes/no":
        if not isinstance(value, bool):
            raise ValueError(f"expected yes or no (true, false), got {value!r}")
        return value
    if kind in ("text", "choice") and isinstance(value, (str, int, float)):
        text = str(value)
        if choices and text not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, got {text!r}")
        return text
    if kind == "list" and isinstance(value, list) and all(isinstance(v, str) for v in value):
        if choices and not set(value) <= set(choices):
            raise ValueError(f"expected items of {', '.join(choices)}, got {value!r}")
        return tuple(value)
    raise ValueError(
        f"a fact of kind {kind!r} takes no default of this kind, got {value!r}"
        if kind not in ("person", "records")
        else f"a fact of kind {kind!r} takes no default"
    )


def _default_json(value: Any) -> Any:
    """A default as JSON shows it: a deadline or an amount as written, a date as YYYY-MM-DD."""
    if isinstance(value, (bool, str)):
        return value
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Deadline):
        return value.on.isoformat() if value.on is not None else value.period
    return str(value)


def with_variant_choices(
    declarations: Mapping[str, FactDeclaration],
    picks: Mapping[str, Mapping[str, tuple[str, ...]]],
    path: str,
    *,
    all_read: bool = True,
) -> tuple[dict[str, FactDeclaration], list[LettersError]]:
    """The declared facts, a choice fact without ``choices`` taking them from the variants of
    the clauses whose wording it picks: a wording is declared once, in its clause file.
    ``picks`` gives, for each fact an outline picks a clause's wording with (``variant: {fact:
    NAME}``), each such clause and its variants. A choice fact with neither is a problem at its
    line, unless an outline or the layout could not be read (``all_read``): its error says it."""
    facts = dict(declarations)
    problems: list[LettersError] = []
    for name, declaration in declarations.items():
        if declaration.kind != "choice" or declaration.choices:
            continue
        if name in picks:
            variants = dict.fromkeys(
                variant for clause in picks[name].values() for variant in clause
            )
            facts[name] = attrs.evolve(
                declaration, choices=tuple(variants), variants_of=tuple(picks[name])
            )
        else:
            del facts[name]
            if not all_read:  # an outline or the layout that could pick it has its own error
                continue
            problems.append(
                ClauseError(
                    f"fact {name!r} is a choice: list its 'choices', or let an outline pick a "
                    f"clause's wording with it (variant: {{fact: {name}}}), whose variants are "
                    "then its choices",
                    Location(file=path, line=declaration.line),
                )
            )
    return facts, problems


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
