"""The JSON Schema of a case file: the model's shape and, with a library, what its engine needs.

Editors use it for completion and checking as a case file is written (``letters schema``), and
programs that write case files check them with it (``GET /schema``). The shape comes from the
attrs model, so that it cannot drift: descriptions from each field's ``description``, and the
choices the loader accepts (a paragraph as text, a clause or a list of both; a reason as a name
or an object). Text holds no character the loader refuses. With a library, the schema says
what the engine needs of a case too:

- the fields every case of the library gives (layout.yaml's ``needs``), not blank;
- each declared fact with its kind's values (a choice's choices, the forms of a deadline and
  of an amount, each kind of record with the fields it needs);
- the clauses, each with its variants and the parameters it takes; the reasons, each with its
  parameters; the sections there are headings for;
- how the letter is planned (the schema's ``anyOf``): by hand, by an outline the case names, or
  by the first outline whose condition the case's facts meet. Each outline's condition is
  translated from its parsed form (``_Conditions``), and each way says what it allows (the
  sections with a place for the caseworker's text, the clauses to drop, the places to add one,
  the clauses whose wording to choose: those it always places) and what the wording of the
  clauses it always places needs;
- what no case may do (each way's ``not``, and the root's): leave out what the wording of a
  clause the letter places prints (a clause that prints the complaint's statement needs one),
  where the clause's conditions hold or where the case places it itself; add a clause after
  one its section does not place; give a reason without a parameter its wording needs.

What wording needs is read from each variant's parsed wording (``_needs_of``): what it prints
outside its tags. A case the schema accepts renders, but for the refusals of ``REFUSALS``,
which the schema cannot say; its description lists them, with any condition it takes as met
(written in a form this module does not translate) and those on the first reason, which it
reads as on one of the reasons.

The schema is written for generators (Schemathesis, hypothesis-jsonschema) as well as readers:
each way of planning merges with the case's properties without saying a keyword of a field
twice, and what no case may do is said in a ``not`` of each way of planning, where it is the
way's alone: Schemathesis turns a schema into a canonical form of bounded size, and a ``not``
that held every way's refusals at once would pass it.
"""

from __future__ import annotations

import enum
import json
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from types import NoneType, UnionType
from typing import Any

import attrs
from attrs import frozen
from jinja2 import nodes

from letters.composition import HEADINGS, REASONS, reason_names
from letters.facts import FactDeclaration, fact_type
from letters.library import ENVIRONMENT as WORDING
from letters.library import Clause, Library
from letters.loading import REFUSED
from letters.model import (
    Body,
    Case,
    ClauseUse,
    Complaint,
    FactValue,
    ListPart,
    Paragraph,
    ParamValue,
    Part,
    Person,
    Reason,
)
from letters.outline import ENVIRONMENT as CONDITIONS
from letters.outline import FactValueOf, Item, Outline

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _refused_class() -> str:
    """The characters the loader refuses in text, as the inside of a regular expression's
    class that ECMA-262, Python and Rust read alike (``\\uXXXX``). Lone surrogates are left
    out: no such class can name them (``REFUSALS``)."""
    ranges: list[list[int]] = []
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF or not REFUSED.match(chr(code)):
            continue
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "".join(
        f"\\u{first:04x}" if first == last else f"\\u{first:04x}-\\u{last:04x}"
        for first, last in ranges
    )


_REFUSED = _refused_class()
TEXT_PATTERN = f"^[^{_REFUSED}]*$"
"""Text a letter can hold: no control character but tab, line feed and carriage return, and no
Unicode noncharacter (the loader's ``REFUSED``)."""
NON_BLANK_PATTERN = f"^[^{_REFUSED}]*[^{_REFUSED}\\s][^{_REFUSED}]*$"
"""Such text with something in it but white space: the loader strips the white space around
text, and a letter never holds a blank."""
TEXTS = {
    "Text": {
        "type": "string",
        "pattern": TEXT_PATTERN,
        "description": "Text a letter can hold: no control character but tab, line feed and "
        "carriage return, and no Unicode noncharacter.",
    },
    "NonBlankText": {
        "type": "string",
        "pattern": NON_BLANK_PATTERN,
        "description": "Such text, with something in it but white space (the white space "
        "around text is no part of it).",
    },
}
TEXT = {"$ref": "#/$defs/Text"}
NON_BLANK = {"$ref": "#/$defs/NonBlankText"}
FILLED = {"anyOf": [NON_BLANK, {"type": "array", "items": TEXT, "contains": NON_BLANK}]}
"""A parameter's value that prints something: text, or a list of text with some in it."""


@frozen
class Refusal:
    """A refusal the engine can make of a case the schema accepts: a part of its message, and
    why the schema does not say it."""

    says: str
    why: str


REFUSALS = (
    Refusal(
        "a lone surrogate, which is not a character",
        "text with a lone surrogate (\\ud800 to \\udfff written in the JSON): UTF-8 cannot "
        "carry one, and no pattern that ECMA-262, Python and Rust read alike names one",
    ),
    Refusal(
        "no outline's condition fits this case's facts",
        "a case that names no outline, where an outline's condition is written in a form the "
        "schema does not translate (the description names any), which it takes as met",
    ),
    Refusal(
        "is empty for this case",
        "wording that prints a fact from inside a tag ({% if %}, {% set %}, a loop), through "
        "a variable or a filter with a default: the schema follows what wording prints "
        "directly; or a clause the caseworker's text names with [[ ]]",
    ),
    Refusal(
        "to add after",
        "a clause added after one that its section places only where a condition holds",
    ),
    Refusal(
        "to choose the wording of",
        "a case's 'wording' for a clause the outline always places, which the case drops or "
        "whose section it plans itself",
    ),
    Refusal(
        "falls past 31 December 9999",
        "a deadline's period that, reckoned from a decision date near the calendar's end, "
        "falls past it",
    ),
    Refusal(
        "_LIMIT raises it",
        "the letter's size and time limits, set where letters runs (LETTERS_*_LIMIT), not by "
        "the case",
    ),
    Refusal(
        "is given twice in one object",
        "a JSON object that names a key twice: a schema sees the object as parsed",
    ),
)
"""What the engine can refuse in a case the schema accepts, and why the schema does not say it."""


def case_schema(library: Library | None = None) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) a case file follows; with a library, what its engine
    needs of a case too (the module's description)."""
    definitions: dict[str, Any] = {name: dict(schema) for name, schema in TEXTS.items()}
    root = _object(Case, definitions)
    description = root.pop("description")
    if library is not None:
        made = _LibrarySchema(library, definitions)
        root = made.apply(root)
        description = f"{description} {made.refusals_said()}"
    return {
        "$schema": DIALECT,
        "$id": "https://letters.invalid/schema/case.json",
        "title": "A case file of the letters decision-letter engine",
        "description": description,
        **root,
        "$defs": definitions,
    }


# --- The model's shape ----------------------------------------------------------------------

DATE_PATTERN = (
    "^([0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})"
    "-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
)
"""A date as YYYY-MM-DD, from 0001-01-01 (``format: date`` says which days each month has)."""

MONEY = {
    "anyOf": [
        {"type": "integer", "minimum": 0, "maximum": 999_999_999},
        {
            "type": "string",
            "pattern": r"^£? *(\d{1,3}(,\d{3}){1,2}|\d{1,9})(\.\d{1,2})?( +(a|per|each) +(week|month|year))?$",
        },
    ],
    "examples": [300, "£1,250", "£150 a month"],
}
_NUMBER_WORDS = (
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
    "twenty",
)  # fmt: skip
_COUNT = "|".join(("36[0-6]", "3[0-5][0-9]", "[12][0-9][0-9]", "[1-9][0-9]", "[1-9]"))
DEADLINE = {
    "anyOf": [
        {
            "type": "string",
            "pattern": f"^(within +)?({_COUNT}|{'|'.join(_NUMBER_WORDS)}) +"
            "(working +days?|days?|weeks?|months?)$",
        },
        {"type": "string", "format": "date", "pattern": DATE_PATTERN},
    ],
    "examples": ["one month", "three months", "20 working days", "2025-06-30"],
}


def _about(declaration: FactDeclaration) -> str:
    """A declared fact's description; a choice says where its choices come from."""
    if declaration.variants_of:
        clauses = " and ".join(declaration.variants_of)
        return f"{declaration.about} (one of the variants of {clauses})"
    return declaration.about


def _fact(declaration: FactDeclaration, definitions: dict[str, Any]) -> dict[str, Any]:
    if declaration.kind == "choice":
        return {"enum": list(declaration.choices)}
    if declaration.kind == "list" and declaration.choices:
        return {"type": "array", "items": {"enum": list(declaration.choices)}}
    if declaration.kind == "money":
        return dict(MONEY)
    if declaration.kind == "deadline":
        return dict(DEADLINE)
    if declaration.kind == "records":
        return {"type": "array", "items": _record(declaration, definitions)}
    return _type(fact_type(declaration), definitions)


def _record(declaration: FactDeclaration, definitions: dict[str, Any]) -> dict[str, Any]:
    """A record of a ``records`` fact: its kind, its fields, and those its kind needs."""
    properties: dict[str, Any] = {
        "kind": {
            "enum": [kind.name for kind in declaration.kinds],
            "description": "; ".join(f"{kind.name}: {kind.about}" for kind in declaration.kinds),
        }
    }
    for field in declaration.fields:  # a field given blank is no field: the letter prints it
        value = NON_BLANK if field.kind == "text" else _fact(field, definitions)
        properties[field.name] = {**value, "description": field.about}
    required = ["kind", *(field.name for field in declaration.fields if field.required)]
    record: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }
    needing = [kind for kind in declaration.kinds if kind.needs]
    if needing:
        others = [kind.name for kind in declaration.kinds if not kind.needs]
        record["anyOf"] = [
            {"properties": {"kind": {"const": kind.name}}, "required": [*required, *kind.needs]}
            for kind in needing
        ] + ([{"properties": {"kind": {"enum": others}}}] if others else [])
    return record


def _object(cls: type, definitions: dict[str, Any]) -> dict[str, Any]:
    attrs.resolve_types(cls)
    properties = {}
    required = []
    for field in attrs.fields(cls):
        schema = dict(_type(field.type, definitions))
        if "description" in field.metadata:
            schema["description"] = field.metadata["description"]
        properties[field.name] = schema
        if field.default is attrs.NOTHING:
            required.append(field.name)
    return {
        "type": "object",
        "description": (cls.__doc__ or "").strip().splitlines()[0],
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def _reference(cls: type, definitions: dict[str, Any]) -> dict[str, Any]:
    if cls.__name__ not in definitions:
        definitions[cls.__name__] = {}  # placeholder against recursion
        definitions[cls.__name__] = _object(cls, definitions)
    return {"$ref": f"#/$defs/{cls.__name__}"}


def _type(target: Any, definitions: dict[str, Any]) -> dict[str, Any]:
    if target == ParamValue:
        return {"anyOf": [TEXT, {"type": "array", "items": TEXT}]}
    if target == Part:
        return {
            "anyOf": [TEXT, _reference(ClauseUse, definitions), _reference(ListPart, definitions)]
        }
    if target == str | ListPart:
        return {"anyOf": [TEXT, _reference(ListPart, definitions)]}
    if target == Paragraph:
        part = _type(Part, definitions)
        return {"anyOf": [part, {"type": "array", "items": part}]}
    if target is Reason:
        return {"anyOf": [TEXT, _reference(Reason, definitions)]}
    if target == FactValue:
        return {
            "anyOf": [
                TEXT,
                {"type": "boolean"},
                {"type": "integer"},
                {"type": "array", "items": TEXT},
                {"type": "array", "items": {"type": "object"}},
                _reference(Person, definitions),
            ]
        }
    if target is bool:
        return {"type": "boolean"}
    if target is str:
        return dict(TEXT)
    if target is date:
        return {"type": "string", "format": "date", "pattern": DATE_PATTERN}
    if isinstance(target, type) and issubclass(target, enum.Enum):
        return {"enum": [member.value for member in target]}
    if isinstance(target, type) and attrs.has(target):
        return _reference(target, definitions)
    origin, arguments = typing.get_origin(target), typing.get_args(target)
    if origin is typing.Literal:
        return {"enum": list(arguments)}
    if isinstance(target, UnionType) or origin is typing.Union:
        options = [_type(a, definitions) for a in arguments if a is not NoneType]
        if NoneType in arguments:
            options.append({"type": "null"})
        return options[0] if len(options) == 1 else {"anyOf": options}
    if origin is tuple:
        return {"type": "array", "items": _type(arguments[0], definitions)}
    if origin in (Mapping, dict, typing.Mapping):
        return {
            "type": "object",
            "propertyNames": TEXT,
            "additionalProperties": _type(arguments[1], definitions),
        }
    raise TypeError(f"no JSON Schema for {target!r}")  # a model type this module must learn


def _params(
    names: Iterable[str], needed: Iterable[str] = (), printed: Iterable[str] = ()
) -> dict[str, Any]:
    """A clause's (or a reason's) parameters by name: those named, each text or a list of
    text; the ``needed`` ones required; those its wording prints, with something in them."""
    names, needed = sorted(names), sorted(needed)
    if not names:
        return {"type": "object", "maxProperties": 0}
    params: dict[str, Any] = {
        "type": "object",
        "propertyNames": {"enum": names},
        "additionalProperties": {"anyOf": [TEXT, {"type": "array", "items": TEXT}]},
    }
    filled = sorted({*needed, *printed})
    if filled:
        params["properties"] = {name: FILLED for name in filled}
    if needed:
        params["required"] = needed
    return params


# --- Conditions on a case, as JSON Schema ----------------------------------------------------

ANY: dict[str, Any] = {}
NOTHING: dict[str, Any] = {"not": {}}


@frozen
class _Rule:
    """A condition on a whole case, as JSON Schema."""

    schema: dict[str, Any]


_ANY, _NOTHING = _Rule(ANY), _Rule(NOTHING)


def _all(rules: Iterable[_Rule]) -> _Rule:
    """The cases that meet every rule."""
    return _joined(rules, "allOf", absorbing=_NOTHING, neutral=_ANY)


def _any(rules: Iterable[_Rule]) -> _Rule:
    """The cases that meet one of the rules at least."""
    return _joined(rules, "anyOf", absorbing=_ANY, neutral=_NOTHING)


def _joined(rules: Iterable[_Rule], keyword: str, *, absorbing: _Rule, neutral: _Rule) -> _Rule:
    """The rules joined by ``keyword`` (allOf, anyOf): ``absorbing`` if one of them is, the
    others flattened (a rule that is itself such a join gives its parts) without repeats and
    without ``neutral``."""
    found = list(rules)
    if any(rule.schema == absorbing.schema for rule in found):
        return absorbing
    schemas = _unique(
        part
        for rule in found
        if rule.schema != neutral.schema
        for part in (rule.schema[keyword] if list(rule.schema) == [keyword] else [rule.schema])
    )
    if not schemas:
        return neutral
    return _Rule(schemas[0] if len(schemas) == 1 else {keyword: schemas})


def _not(rule: _Rule) -> _Rule:
    if rule.schema == ANY:
        return _NOTHING
    return _ANY if rule.schema == NOTHING else _Rule({"not": rule.schema})


def _unique(schemas: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for schema in schemas:
        seen.setdefault(json.dumps(schema, sort_keys=True), schema)
    return list(seen.values())


def _at(path: tuple[str, ...], value: dict[str, Any], required: bool) -> _Rule:
    """The cases that hold ``value`` at a path of their fields (given, if ``required``)."""
    schema = value
    for name in reversed(path):
        schema = {"properties": {name: schema}, **({"required": [name]} if required else {})}
    return _Rule(schema)


def _literal(text: str) -> str:
    """Text as a regular expression that matches just it, in ECMA-262, Python and Rust."""
    return "".join("\\" + c if c in "\\^$.|?*+()[]{}/" else c for c in text)


def _stripped(values: Iterable[str]) -> str:
    """A pattern for text that is one of ``values`` once the white space around it goes."""
    return "^\\s*(" + "|".join(_literal(value) for value in values) + ")\\s*$"


@frozen
class _Field:
    """What a condition or wording reads of a case, and where the case file gives it."""

    path: tuple[str, ...]
    kind: str
    """yes/no, text, choice, list (of text), choices (a list of choices), records, reasons,
    reason (the first reason's name), people, present (a value that is true wherever it is
    given: a date, an amount, a person) or absent (nothing a case gives)."""
    choices: tuple[str, ...] = ()
    default: Any = None
    """The value of the field in a case that does not give it."""


def _declared(name: str, declaration: FactDeclaration | None) -> _Field:
    """A fact the library declares (or, None, does not: no case gives it)."""
    path = ("facts", name)
    if declaration is None:
        return _Field(path, "absent")
    if declaration.kind == "list":
        return _Field(path, "choices" if declaration.choices else "list", declaration.choices)
    kinds = ("yes/no", "text", "choice", "records")
    kind = declaration.kind if declaration.kind in kinds else "present"
    return _Field(path, kind, declaration.choices)


def _model_default(cls: type, name: str) -> Any:
    """A field's value in a case that does not give it."""
    default: Any = attrs.fields_dict(cls)[name].default
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        return default.factory()
    return None if default is attrs.NOTHING else default


class _Reader:
    """Where what conditions and wording read is in a case file, and the cases for which it is
    true, is one of some texts, or holds one."""

    def __init__(self, library: Library):
        self.library = library
        self.reasons = tuple(reason_names(library))
        layout = library.layout
        needs = [need for need, _ in layout.case_needs] if layout is not None else []
        self.given = {("body", "called")} | {
            ("complainant", "name") if need == "complainant" else tuple(need.split("."))
            for need in needs
        }
        """The fields every case the schema accepts gives, not blank: what the layout needs
        (the complainant: their name), and what the letter calls the body."""

    def field(self, node: nodes.Node) -> _Field | None:
        """The field a name or an attribute names (``facts.late``, ``complaint.statement``),
        or None for one this module does not follow."""
        if isinstance(node, nodes.Name):
            return self.named(node.name, None)
        if isinstance(node, nodes.Getattr) and isinstance(node.node, nodes.Name):
            return self.named(node.node.name, node.attr)
        if (
            isinstance(node, nodes.Getitem)
            and isinstance(node.node, nodes.Name)
            and isinstance(node.arg, nodes.Const)
            and isinstance(node.arg.value, str)
        ):
            return self.named(node.node.name, node.arg.value)
        return None

    def named(self, head: str, attribute: str | None) -> _Field | None:
        if attribute is not None:
            if head == "facts":
                return _declared(attribute, self.library.facts.get(attribute))
            if head == "complaint" and attribute in attrs.fields_dict(Complaint):
                return _Field(("complaint", attribute), "text")
            if head == "body" and attribute in attrs.fields_dict(Body):
                return _Field(("body", attribute), "text", (), _model_default(Body, attribute))
            if head == "text":
                return _Field(("text", attribute), "list")
            return None
        if head in ("decision", "reference", "category"):
            return _Field((head,), "text")
        if head == "decision_date":
            return _Field((head,), "present")
        if head == "stage":
            return _Field((head,), "choice", ("draft", "final"), _model_default(Case, head))
        if head == "complainant":  # a condition reads the name; wording, the person
            return _Field(("complainant", "name"), "text")
        if head in ("people", "reasons"):
            return _Field((head,), head)
        if head == "considered":
            return _Field((head,), "list")
        if head == "reason":
            return _Field(("reasons",), "reason")
        return None

    def reason_item(self, names: Iterable[str]) -> dict[str, Any]:
        """A reason of a case whose name is one of ``names``, as a name or an object."""
        wanted = set(names)
        chosen = [name for name in self.reasons if name in wanted]
        if not chosen:
            return NOTHING
        return {
            "anyOf": [
                {"type": "string", "enum": chosen},
                {
                    "type": "object",
                    "required": ["reason"],
                    "properties": {"reason": {"enum": chosen}},
                },
            ]
        }

    def truth(self, field: _Field, holds: bool) -> _Rule:
        """The cases whose field is true, as a condition takes it (not ``holds``: false)."""
        kind = field.kind
        if kind == "absent":
            return _NOTHING if holds else _ANY
        if field.path in self.given:
            return _ANY if holds else _NOTHING
        value: dict[str, Any]
        if kind == "yes/no":
            value = {"const": holds}
        elif kind == "text":
            value = dict(NON_BLANK) if holds else {"pattern": "^\\s*$"}
        elif kind == "choice":
            truthful = [choice for choice in field.choices if bool(choice) == holds]
            value = {"enum": truthful} if truthful else NOTHING
        elif kind in ("list", "choices", "records", "reasons", "reason", "people"):
            value = {"type": "array", "minItems": 1} if holds else {"maxItems": 0}
        else:  # present: true wherever it is given
            value = {"not": {"type": "null"}} if holds else {"type": "null"}
        return _at(field.path, value, required=bool(field.default) != holds)

    def printed(self, field: _Field) -> _Rule:
        """The cases whose field prints something: text with more than white space in it, a
        list with such an item, or any other value that is true."""
        if field.kind == "list" and field.path not in self.given:
            return _at(field.path, {"type": "array", "contains": NON_BLANK}, required=True)
        return self.truth(field, True)

    def absent(self, field: _Field) -> _Rule:
        """The cases that do not give a field."""
        return _at(field.path, NOTHING, required=False)

    def equals(self, field: _Field, values: set[str], holds: bool) -> _Rule | None:
        """The cases whose field is one of some texts (not ``holds``: is none of them); None
        for a field this module does not compare."""
        if field.kind == "choice":
            matching = [choice for choice in field.choices if (choice in values) == holds]
            value = {"enum": matching} if matching else NOTHING
            return _at(field.path, value, required=(field.default in values) != holds)
        if field.kind == "text":
            pattern = {"type": "string", "pattern": _stripped(sorted(values))}
            default = isinstance(field.default, str) and field.default.strip() in values
            return _at(field.path, pattern if holds else {"not": pattern}, default != holds)
        if field.kind == "reason":  # the first reason: read as one of them (``loosely``)
            names = [name for name in self.reasons if (name in values) == holds]
            some = _at(field.path, {"type": "array", "contains": self.reason_item(names)}, True)
            return some if holds else _any([_at(field.path, {"maxItems": 0}, False), some])
        if field.kind == "absent":
            return _NOTHING if holds else _ANY
        return None

    def contains(self, field: _Field, value: str, holds: bool) -> _Rule | None:
        """The cases whose field holds a text, an item of its list or a part of its text (not
        ``holds``: does not); None for a field this module does not look into."""
        kind = field.kind
        if kind == "reasons":
            if holds:
                return _at(
                    field.path, {"type": "array", "contains": self.reason_item([value])}, True
                )
            others = self.reason_item(name for name in self.reasons if name != value)
            return _at(field.path, {"items": others}, required=False)
        if kind in ("list", "choices", "people"):
            item: dict[str, Any] = {"type": "string", "pattern": _stripped([value])}
            if kind == "choices":
                item = {"const": value}
            if kind == "people":
                item = {"type": "object", "required": ["name"], "properties": {"name": item}}
            if holds:
                return _at(field.path, {"type": "array", "contains": item}, required=True)
            return _at(field.path, {"items": {"not": item}}, required=False)
        if kind == "text":
            part = {"type": "string", "pattern": _literal(value)}
            return _at(field.path, part if holds else {"not": part}, required=holds)
        if kind == "choice":
            return self.equals(field, {c for c in field.choices if value in c}, holds)
        if kind == "absent":
            return _NOTHING if holds else _ANY
        return None


def _parsed(source: str) -> nodes.Node:
    """A condition's expression, parsed as the engine parses it."""
    output = CONDITIONS.parse("{{ (" + source + ") }}").body[0]
    assert isinstance(output, nodes.Output)
    return output.nodes[0]


def _texts(node: nodes.Node) -> set[str] | None:
    """The texts of a tuple or list of texts: ``('Upheld', 'Not upheld')``."""
    if not isinstance(node, (nodes.Tuple, nodes.List)):
        return None
    items = node.items
    if all(isinstance(item, nodes.Const) and isinstance(item.value, str) for item in items):
        return {item.value for item in items if isinstance(item, nodes.Const)}
    return None


def _or_blank(node: nodes.Node) -> nodes.Node:
    """``(facts.tribunal or '')`` as ``facts.tribunal``: a text is part of neither when the
    fact is not given."""
    if isinstance(node, nodes.Or) and isinstance(node.right, nodes.Const) and not node.right.value:
        return node.left
    return node


class _Conditions:
    """An outline's condition as JSON Schema, from its parsed form: a name or an attribute
    (its truth), ``==``, ``!=``, ``in`` and ``not in`` against texts, ``and``, ``or``,
    ``not``. A form it does not translate is taken as met, and its condition is kept in
    ``untranslated``."""

    def __init__(self, reader: _Reader):
        self.reader = reader
        self.untranslated: dict[str, None] = {}
        self.loosely: dict[str, None] = {}
        """The conditions that compare the first reason, read as comparing one of them."""
        self._made: dict[tuple[str, bool], _Rule] = {}
        self._source = ""  # the condition being translated

    def of(self, source: str, holds: bool = True) -> _Rule:
        """The cases for which a condition holds (not ``holds``: does not)."""
        key = (source, holds)
        if key not in self._made:
            self._source = source
            self._made[key] = self.node(_parsed(source), holds)
        return self._made[key]

    def node(self, node: nodes.Node, holds: bool) -> _Rule:
        if isinstance(node, nodes.Not):
            return self.node(node.node, not holds)
        if isinstance(node, (nodes.And, nodes.Or)):
            parts = (self.node(node.left, holds), self.node(node.right, holds))
            return _all(parts) if isinstance(node, nodes.And) == holds else _any(parts)
        if isinstance(node, nodes.Const):
            return _ANY if bool(node.value) == holds else _NOTHING
        field = self.reader.field(node)
        found = self.compare(node, holds) if isinstance(node, nodes.Compare) else None
        if (
            found is not None
            and isinstance(node, nodes.Compare)
            and any(
                isinstance(n, nodes.Name) and n.name == "reason" for n in node.find_all(nodes.Name)
            )
        ):
            self.loosely[self._source] = None
        if found is None and field is not None:
            found = self.reader.truth(field, holds)
        if found is None:
            self.untranslated[self._source] = None
            return _ANY
        return found

    def compare(self, node: nodes.Compare, holds: bool) -> _Rule | None:
        if len(node.ops) != 1:
            return None
        left, operator, right = node.expr, node.ops[0].op, node.ops[0].expr
        if operator in ("eq", "ne"):
            if isinstance(left, nodes.Const):
                left, right = right, left
            field = self.reader.field(left)
            if field is None or not isinstance(right, nodes.Const):
                return None
            if not isinstance(right.value, str):
                return None
            return self.reader.equals(field, {right.value}, holds == (operator == "eq"))
        if operator in ("in", "notin"):
            holds = holds == (operator == "in")
            if isinstance(left, nodes.Const) and isinstance(left.value, str):
                field = self.reader.field(_or_blank(right))
                return None if field is None else self.reader.contains(field, left.value, holds)
            values, field = _texts(right), self.reader.field(left)
            if field is None or values is None:
                return None
            return self.reader.equals(field, values, holds)
        return None


# --- What wording reads ----------------------------------------------------------------------


@frozen
class _Param:
    """A parameter of the clause, printed by its wording."""

    name: str


@frozen
class _ReasonPart:
    """A reason's wording, printed by a clause: ``reason.summary`` (the first reason's) or
    ``reasons.test`` (each reason's that has it; one at least)."""

    part: str
    first: bool


@frozen
class _Either:
    """One of some needs, each a list of needs: ``because or reason.summary``."""

    options: tuple[tuple[Any, ...], ...]


_Need = _Param | _ReasonPart | _Either | _Field
"""What a clause's wording needs to print no blank: a parameter, a reason's wording, one of
several, or a field of the case that is true."""

_PLAIN_FILTERS = frozenset(("default", "d"))
"""Filters that give a value of their own for a blank one."""


def _needs_of(node: nodes.Node, clause: Clause, reader: _Reader) -> list[_Need]:
    """What one expression a clause prints needs, to print no blank."""
    if isinstance(node, nodes.Filter):
        if node.name in _PLAIN_FILTERS or node.node is None:
            return []
        return _needs_of(node.node, clause, reader)
    if isinstance(node, nodes.Call):
        return _needs_of(node.node, clause, reader)
    if isinstance(node, nodes.Or):
        left, right = _needs_of(node.left, clause, reader), _needs_of(node.right, clause, reader)
        return [_Either((tuple(left), tuple(right)))] if left and right else []
    if isinstance(node, nodes.Name):
        if node.name in clause.params:
            return [_Param(node.name)]
        field = reader.named("body", "called") if node.name == "body" else reader.field(node)
        return [field] if field is not None else []
    if isinstance(node, nodes.Getattr):
        base: nodes.Node = node
        while isinstance(base, nodes.Getattr) and isinstance(base.node, nodes.Getattr):
            base = base.node  # facts.comments_by.date: the fact
        if not (isinstance(base, nodes.Getattr) and isinstance(base.node, nodes.Name)):
            return []
        name, attribute = base.node.name, base.attr
        if name in clause.params:
            return [_Param(name)]
        if name in ("reason", "reasons"):
            return [_ReasonPart(attribute, name == "reason")]
        if name == "complainant":  # complainant.possessive: the person, named
            return [_Field(("complainant", "name"), "text")]
        field = reader.field(base)
        return [field] if field is not None else []
    return []


def _printed(tree: nodes.Template) -> Iterator[nodes.Node]:
    """The expressions a template prints whatever the case: those outside its tags."""
    for node in tree.body:
        if isinstance(node, nodes.Output):
            yield from (part for part in node.nodes if not isinstance(part, nodes.TemplateData))


def _blank(value: Any) -> bool:
    """Whether a parameter's value prints nothing: none, blank text or an empty list."""
    return value is None or (isinstance(value, str) and not value.strip()) or value == ()


_FILLING = frozenset(("text", "choice", "list", "person", "records"))
"""The kinds of fact that fill a clause's parameter of their name (the engine's ``FILLS``)."""

_ParamNeeds = Callable[[str], _Rule]

_Refused = tuple[str, _Rule]
"""A case the engine refuses: what the schema calls it, and the cases."""


def _refused(refused: Iterable[_Refused]) -> list[dict[str, Any]]:
    """The cases the engine refuses, each titled, as a ``not`` says them."""
    return _unique(
        {"title": title, **rule.schema} for title, rule in refused if rule.schema != NOTHING
    )


"""What a case needs for one of a clause's parameters to print something, by its name."""


# --- The schema a library makes --------------------------------------------------------------


class _LibrarySchema:
    """What a library's engine needs of a case, added to the model's schema."""

    def __init__(self, library: Library, definitions: dict[str, Any]):
        self.library = library
        self.definitions = definitions
        self.reader = _Reader(library)
        self.conditions = _Conditions(self.reader)
        self._wording_needs: dict[str, list[_Need]] = {}
        self._ways: list[tuple[str, _Rule, Outline | None]] | None = None

    def apply(self, root: dict[str, Any]) -> dict[str, Any]:
        """The case's schema with what the library's engine needs."""
        properties, definitions = root["properties"], self.definitions
        properties["facts"] = self.facts(properties["facts"])
        definitions["ClauseUse"] = self.clause_use(definitions["ClauseUse"])
        definitions["Addition"] = self.clause_use(definitions["Addition"])
        definitions["Addition"]["properties"]["after"] = {
            "description": definitions["Addition"]["properties"]["after"]["description"],
            "anyOf": [TEXT, {"type": "null"}],  # each way of planning says which
        }
        definitions["Reason"] = self.reason(definitions["Reason"])
        properties["reasons"]["items"] = {
            "anyOf": [
                {"type": "string", "enum": list(self.reader.reasons)},
                {"$ref": "#/$defs/Reason"},
            ]
        }
        definitions["SectionPlan"]["properties"]["section"] = {
            "description": definitions["SectionPlan"]["properties"]["section"]["description"],
            "enum": sorted(
                c.removeprefix(HEADINGS) for c in self.library.clauses if c.startswith(HEADINGS)
            ),
        }
        definitions["Body"]["properties"]["called"].update(NON_BLANK)  # the letter names it so
        definitions["Person"]["properties"]["name"].update(NON_BLANK)  # as for the body
        properties["wording"] = self.wording(properties["wording"])
        properties["text"].pop("propertyNames")  # each way of planning says which
        self.needs_of_every_case(root)
        if self.library.outlines:
            properties["outline"] = {
                "description": properties["outline"]["description"],
                "anyOf": [{"enum": sorted(self.library.outlines)}, {"type": "null"}],
            }
        root["anyOf"] = [{"title": title, **rule.schema} for title, rule in self.planning()]
        refused = [*self.reason_params(), *self.placed_by_hand_needs()]
        if refused:
            root["not"] = {
                "description": "What no case may do, however its letter is planned: each is a "
                "case the engine refuses (each way of planning says what else no case it plans "
                "may do).",
                "anyOf": _refused(refused),
            }
        return root

    def refusals_said(self) -> str:
        """What the schema's description says of the refusals it cannot say."""
        said = "; ".join(f'"{refusal.says}" ({refusal.why})' for refusal in REFUSALS)
        untranslated = ", ".join(repr(source) for source in self.conditions.untranslated)
        loosely = ", ".join(repr(source) for source in self.conditions.loosely)
        return (
            "A case this schema accepts renders, but for these refusals of the engine, which the "
            f"schema cannot say: {said}."
            + (f" Conditions it takes as met: {untranslated}." if untranslated else "")
            + (
                " Conditions on the first reason, read as on one of the reasons (where it refuses "
                f"a case for a clause they place, more than the engine does): {loosely}."
                if loosely
                else ""
            )
        )

    # the parts of a case

    def facts(self, facts: dict[str, Any]) -> dict[str, Any]:
        """The facts the library declares, each with its kind's values."""
        declared = self.library.facts
        return {
            **facts,
            "properties": {
                name: {**_fact(declaration, self.definitions), "description": _about(declaration)}
                for name, declaration in declared.items()
            },
            "required": sorted(
                name for name, declaration in declared.items() if declaration.required
            ),
            "additionalProperties": False,
        }

    def needs_of_every_case(self, root: dict[str, Any]) -> None:
        """The fields every case of the library gives (layout.yaml's ``needs``): required, and
        not blank."""
        layout = self.library.layout
        for need, _ in layout.case_needs if layout is not None else ():
            schema = root
            *heads, last = need.split(".")
            for head in heads:
                schema["required"] = list(dict.fromkeys([*schema["required"], head]))
                schema = self._object_at(schema, head)
            schema["required"] = list(dict.fromkeys([*schema["required"], last]))
            value = schema["properties"][last]
            reference = _reference_in(value)
            given = {"$ref": reference} if reference else dict(NON_BLANK)  # an object: not null
            schema["properties"][last] = {**given, "description": value["description"]}

    def _object_at(self, schema: dict[str, Any], name: str) -> dict[str, Any]:
        """The object schema of a field, copied from the model's class into the field, so that
        the library's needs apply to this field alone."""
        value = schema["properties"][name]
        reference = _reference_in(value)
        assert reference is not None, f"{name} is no object of the model"
        copied: dict[str, Any] = json.loads(json.dumps(self.definitions[reference.split("/")[-1]]))
        copied["description"] = value.get("description", copied["description"])
        schema["properties"][name] = copied
        return copied

    def reason(self, reason: dict[str, Any]) -> dict[str, Any]:
        """A reason as an object: one of the library's reasons, with the parameters its wording
        takes."""
        options = []
        for name in self.reader.reasons:
            prefix = f"{REASONS}{name}/"
            takes = {param for c in self.library if c.id.startswith(prefix) for param in c.params}
            printed = {
                p for c in self.library if c.id.startswith(prefix) for p in self._printed_params(c)
            }
            params = _params(takes, printed=printed)
            options.append({"properties": {"reason": {"const": name}, "params": params}})
        described = {
            key: {"description": value["description"]}
            for key, value in reason["properties"].items()
        }
        described["reason"]["enum"] = list(self.reader.reasons)
        return {**reason, "properties": described, "anyOf": options}

    def clause_use(self, use: dict[str, Any]) -> dict[str, Any]:
        """A clause a case places (or adds): one of the library's, with that clause's variants
        and parameters; those its wording prints that no default gives, required. The clauses
        are in groups of the same variants and parameters, each group saying them; the object
        says them no more, so that no keyword is said twice."""
        groups: dict[str, tuple[list[str], dict[str, Any]]] = {}
        for clause in self.library:
            needed = self._needed_params(clause)
            shape: dict[str, Any] = {
                "properties": {
                    "variant": {
                        "anyOf": [{"enum": [v.name for v in clause.variants]}, {"type": "null"}]
                    },
                    "params": _params(clause.params, needed, self._printed_params(clause)),
                }
            }
            if needed:
                shape["required"] = ["params"]
            groups.setdefault(json.dumps(shape, sort_keys=True), ([], shape))[0].append(clause.id)
        properties = dict(use["properties"])
        for name in ("clause", "variant", "params"):
            properties[name] = {"description": properties[name]["description"]}
        options = [
            {**shape, "properties": {"clause": {"enum": ids}, **shape["properties"]}}
            for ids, shape in groups.values()
        ]
        return {**use, "properties": properties, "anyOf": options}

    def wording(self, wording: dict[str, Any]) -> dict[str, Any]:
        """The wording chosen for clauses: each a clause that has variants to choose from, and
        one of them (each way of planning says which clauses: those it places)."""
        choosing = [clause for clause in self.library if len(clause.variants) > 1]
        properties = {c.id: {"enum": [v.name for v in c.variants]} for c in choosing}
        described = {key: value for key, value in wording.items() if key != "propertyNames"}
        return {**described, "properties": properties, "additionalProperties": False}

    def choosable(self, outline: Outline | None) -> list[str]:
        """The clauses whose wording a case planned by an outline (None: by hand) may choose:
        those with variants that the outline, or the layout, always places. (One placed only
        where a condition holds has its wording chosen by a fact the outline names, or by the
        case's own use of it.)"""
        always = {
            item.clause
            for _, item, when in [*self._placing(outline), *self._furniture(outline)]
            if not when
        }
        return [
            clause.id for clause in self.library if len(clause.variants) > 1 and clause.id in always
        ]

    # what wording needs

    def wording_needs(self, clause: Clause) -> list[_Need]:
        """What a clause's wording needs of a case, whichever its variant: what each variant
        prints outside its tags."""
        found = self._wording_needs.get(clause.id)
        if found is None:
            found = []
            for variant in clause.variants:
                if "{" in variant.text:
                    for node in _printed(WORDING.parse(variant.text)):
                        found.extend(
                            n for n in _needs_of(node, clause, self.reader) if n not in found
                        )
            self._wording_needs[clause.id] = found
        return found

    def _printed_params(self, clause: Clause) -> set[str]:
        """The parameters a clause's wording prints (but as one of several)."""
        return {need.name for need in self.wording_needs(clause) if isinstance(need, _Param)}

    def _needed_params(self, clause: Clause) -> set[str]:
        """The parameters a clause placed by a case must be given: those with no default, and
        those its wording prints (but as one of several) whose default prints nothing."""
        printed = self._printed_params(clause)
        return {
            name
            for name, param in clause.params.items()
            if param.default is None or (name in printed and _blank(param.default))
        }

    def needs(self, clause: Clause, param: _ParamNeeds, depth: int = 0) -> _Rule:
        """The cases that give what a clause's wording prints, for it to print no blank; what
        one of its parameters needs, ``param`` says."""

        def of(need: _Need) -> _Rule:
            if isinstance(need, _Param):
                return param(need.name)
            if isinstance(need, _Either):
                return _any(_all(of(n) for n in option) for option in need.options)
            if isinstance(need, _ReasonPart):
                return self.reason_part(need, depth)
            return self.reader.printed(need)

        unset = [_Param(name) for name, p in clause.params.items() if p.default is None]
        return _all(of(need) for need in [*self.wording_needs(clause), *unset])

    def from_facts(self, clause: Clause) -> _ParamNeeds:
        """What a parameter needs where a fact of its name gives it, else its default: the
        fact, if the case gives it, prints something; if not, the default does."""

        def param(name: str) -> _Rule:
            default = _ANY if not _blank(clause.params[name].default) else _NOTHING
            declaration = self.library.facts.get(name)
            if declaration is None or declaration.kind not in _FILLING:
                return default
            fact = _declared(name, declaration)
            return _any([self.reader.printed(fact), _all([self.reader.absent(fact), default])])

        return param

    def reason_part(self, need: _ReasonPart, depth: int) -> _Rule:
        """A reason's wording: the first reason (or one of them) has it, and what else than its
        parameters each reason's wording needs (``reason_params`` says what those need)."""
        having = [
            name for name in self.reader.reasons if f"{REASONS}{name}/{need.part}" in self.library
        ]
        item = self.reader.reason_item(having)
        if need.first:  # the first reason's: every reason has it (no more loosely)
            found = _at(("reasons",), {"type": "array", "minItems": 1, "items": item}, True)
        else:
            found = _at(("reasons",), {"type": "array", "contains": item}, True)
        if depth > 2:  # the wording of a reason that prints reasons' wording: no further
            return found
        each = []
        for name in having:
            clause = self.library.clauses[f"{REASONS}{name}/{need.part}"]
            rest = self.needs(clause, lambda _: _ANY, depth + 1)
            if rest.schema != ANY:
                others = self.reader.reason_item(n for n in self.reader.reasons if n != name)
                each.append(_any([_at(("reasons",), {"items": others}, required=False), rest]))
        return _all([found, *each])

    def item_needs(self, item: Item) -> _Rule:
        """What the wording of a clause an outline places needs: its parameters from the item
        (a text, or a fact), from the facts of their names, or their defaults."""
        clause = self.library.clauses.get(item.clause or "")
        if clause is None:
            return _ANY  # the outline's lint says so
        from_facts = self.from_facts(clause)

        def param(name: str) -> _Rule:
            given = item.params.get(name)
            if isinstance(given, FactValueOf):  # not given, the parameter is left to the rest
                fact = _declared(given.fact, self.library.facts.get(given.fact))
                given_not = _all([self.reader.absent(fact), from_facts(name)])
                return _any([self.reader.printed(fact), given_not])
            return _ANY if not _blank(given) else from_facts(name)

        return self.needs(clause, param)

    # how the letter is planned

    def ways(self) -> list[tuple[str, _Rule, Outline | None]]:
        """The ways a letter is planned, each with the cases that take it and its outline
        (None: by hand). A case that names no outline and plans its own sections plans it by
        hand; else by the outline it names, or by the first (by name) whose condition its facts
        meet."""
        if self._ways is not None:
            return self._ways
        unnamed = _Rule({"properties": {"outline": {"type": "null"}}})
        sections = _Rule({"properties": {"sections": {"minItems": 1}}, "required": ["sections"]})
        by_hand = _all([unnamed, sections]) if self.library.outlines else sections
        ways: list[tuple[str, _Rule, Outline | None]] = [
            ("planned by hand: the case's own sections", by_hand, None)
        ]
        no_sections = _Rule({"properties": {"sections": {"maxItems": 0}}})
        earlier: list[_Rule] = []
        for name, outline in self.library.outlines.items():
            named = _Rule({"properties": {"outline": {"const": name}}, "required": ["outline"]})
            ways.append((f"planned by the outline {name!r}, which the case names", named, outline))
            if outline.when is None:
                continue  # chosen only by name
            when = outline.when.source
            chosen = _all([unnamed, no_sections, self.conditions.of(when), *earlier])
            earlier.append(self.conditions.of(when, holds=False))
            ways.append(
                (f"planned by the outline {name!r}, whose condition holds: {when}", chosen, outline)
            )
        self._ways = ways
        return ways

    def planning(self) -> list[tuple[str, _Rule]]:
        """The ways a letter is planned, each with what it allows, and what the wording of the
        clauses it always places needs."""
        found = []
        for title, way, outline in self.ways():
            parts = [way, self.allowed_by(outline)]
            for _, item, when in [*self._placing(outline), *self._furniture(outline)]:
                if not when:
                    parts.append(self.item_needs(item))
            rule = _all(parts)
            refused = _refused([*self.placed_needs(outline), *self.added_after(outline)])
            if refused:
                rule = _Rule({**rule.schema, "not": {"anyOf": refused}})
            found.append((title, rule))
        return found

    def allowed_by(self, outline: Outline | None) -> _Rule:
        """What a case planned by an outline may give: text for the sections with a place for
        it, clauses to drop that it places, clauses to add to its sections after one it
        places; and the facts it needs. A case planned by hand may give any (none is used)."""
        wording = {"propertyNames": {"enum": self.choosable(outline)}}
        if outline is None:
            return _Rule({"properties": {"text": {"propertyNames": TEXT}, "wording": wording}})
        slots = sorted(
            {
                section
                for section, item in self._items(outline)
                if item.text or any(part.text for part in item.join)
            }
        )
        placed = sorted({item.clause for _, item in outline.items() if item.clause})
        sections = [section for section, _, _ in outline.sections]
        after = sorted({item.clause for _, item, _ in self._placing(outline) if item.clause})
        allows: dict[str, Any] = {
            "text": {"propertyNames": {"enum": slots}} if slots else {"maxProperties": 0},
            "drop": {"items": {"enum": placed}} if placed else {"maxItems": 0},
            "add": {"maxItems": 0},
            "wording": wording,
        }
        if sections:
            addition = {"section": {"enum": sections}, "after": {"enum": [None, *after]}}
            allows["add"] = {"items": {"properties": addition}}
        if not outline.needs:
            return _Rule({"properties": allows})
        allows["facts"] = {"required": sorted(name for name, _ in outline.needs)}
        return _Rule({"properties": allows, "required": ["facts"]})

    @staticmethod
    def _items(outline: Outline) -> Iterator[tuple[str, Item]]:
        """An outline's items of its Summary and its sections (not the parts of a join)."""
        for item in outline.summary:
            yield "summary", item
        for section, _, items in outline.sections:
            for item in items:
                yield section, item

    def _placing(self, outline: Outline | None) -> Iterator[tuple[str, Item, tuple[str, ...]]]:
        """Each item of an outline that places a clause, with its section and the conditions
        it is placed under (a join's, and its part's); none for a letter planned by hand."""
        for section, item in self._items(outline) if outline is not None else ():
            own = (item.when.source,) if item.when else ()
            if item.clause:
                yield section, item, own
            for part in item.join:
                if part.clause:
                    yield section, part, own + ((part.when.source,) if part.when else ())

    def _furniture(self, outline: Outline | None) -> Iterator[tuple[str, Item, tuple[str, ...]]]:
        """The items of the letter's own lines (header, title, sign-off), the outline's or
        else the layout's, with their conditions."""
        layout = self.library.layout
        for place in ("header", "heading", "sign_off"):
            items = getattr(outline, place) if outline is not None else None
            if items is None and layout is not None:
                items = getattr(layout, place)
            for item in items or ():
                if item.clause:
                    yield place, item, (item.when.source,) if item.when else ()

    # what no case may do

    def placed_needs(self, outline: Outline | None) -> Iterator[_Refused]:
        """In a letter an outline plans (None: by hand), a clause it or the layout places where
        its conditions hold (and the case does not drop it), whose wording needs what the case
        does not give. (A clause placed always is in the way's own needs.)"""
        places = [(item, when, True) for _, item, when in self._placing(outline)]
        places += [(item, when, False) for _, item, when in self._furniture(outline)]
        for item, when, droppable in places:
            needed = self.item_needs(item)
            if needed.schema == ANY or not when:
                continue
            premise = [self.conditions.of(condition) for condition in when]
            if droppable:
                kept = {"items": {"not": {"const": item.clause}}}
                premise.append(_Rule({"properties": {"drop": kept}}))
            yield (
                f"it places {item.clause} ({' and '.join(when)}), and the case does not give "
                "what its wording prints",
                _all([*premise, _not(needed)]),
            )

    def added_after(self, outline: Outline | None) -> Iterator[_Refused]:
        """In a letter an outline plans, a clause added to a section after a clause that
        section does not place."""
        if outline is None:
            return
        in_section: dict[str, set[str]] = {section: set() for section, _, _ in outline.sections}
        for section, item, _ in self._placing(outline):
            in_section.setdefault(section, set()).add(item.clause or "")
        anywhere = set().union(*in_section.values())
        wrong = [
            {
                "type": "object",
                "required": ["section", "after"],
                "properties": {
                    "section": {"const": section},
                    "after": {"enum": sorted(anywhere - clauses)},
                },
            }
            for section, clauses in in_section.items()
            if anywhere - clauses
        ]
        if wrong:
            adds = {"type": "array", "contains": {"anyOf": wrong}}
            yield (
                "the case adds a clause to a section after one that section does not place",
                _at(("add",), adds, required=True),
            )

    def reason_params(self) -> Iterator[_Refused]:
        """A reason given without a parameter its wording needs: one with no default that
        prints something, given neither in the reason's ``params`` nor by a fact of its name."""
        for name in self.reader.reasons:
            clauses = [
                clause for clause in self.library if clause.id.startswith(f"{REASONS}{name}/")
            ]
            needed = sorted({param for clause in clauses for param in self._needed_params(clause)})
            for param in needed:
                without = {
                    "anyOf": [
                        {"type": "string", "const": name},
                        {
                            "type": "object",
                            "required": ["reason"],
                            "properties": {
                                "reason": {"const": name},
                                "params": {
                                    "not": {"required": [param], "properties": {param: FILLED}}
                                },
                            },
                        },
                    ]
                }
                given = _at(("reasons",), {"type": "array", "contains": without}, required=True)
                declaration = self.library.facts.get(param)
                by_fact = _NOTHING
                if declaration is not None and declaration.kind in _FILLING:
                    by_fact = self.reader.printed(_declared(param, declaration))
                yield (
                    f"the case gives the reason {name!r} without its parameter {param!r}, and no "
                    "fact of that name",
                    _all([given, _not(by_fact)]),
                )

    def placed_by_hand_needs(self) -> Iterator[_Refused]:
        """A clause the case places itself, whose wording needs what the case does not give
        (its parameters aside: the clause's use gives those, or a fact of their name)."""
        groups: dict[str, tuple[list[str], _Rule]] = {}
        for clause in self.library:
            needed = self.needs(clause, self._by_hand(clause))
            if needed.schema != ANY:
                key = json.dumps(needed.schema, sort_keys=True)
                groups.setdefault(key, ([], needed))[0].append(clause.id)
        for ids, needed in groups.values():
            yield (
                f"the case places {', '.join(ids)} itself, and does not give what the wording "
                "prints",
                _all([_Rule(_placing(ids)), _not(needed)]),
            )

    def _by_hand(self, clause: Clause) -> _ParamNeeds:
        """What a parameter of a clause a case places needs: nothing if the use must give it
        (``clause_use``), else a fact of its name or its default."""
        needed, from_facts = self._needed_params(clause), self.from_facts(clause)
        return lambda name: _ANY if name in needed else from_facts(name)


def _reference_in(schema: dict[str, Any]) -> str | None:
    """The model's class a field's schema names (``$ref``), itself or as one of its options;
    None for a field of text."""
    options = [schema, *schema.get("anyOf", [])]
    references = (option.get("$ref", "") for option in options)
    return next((ref for ref in references if ref and ref.split("/")[-1] not in TEXTS), None)


def _placing(ids: list[str]) -> dict[str, Any]:
    """The cases that place one of these clauses themselves: in the Summary, in their text,
    in a section of their own or as an addition."""
    clause = {"type": "object", "required": ["clause"], "properties": {"clause": {"enum": ids}}}
    paragraph = {"anyOf": [clause, {"type": "array", "contains": clause}]}
    paragraphs = {"type": "array", "contains": paragraph}
    section = {
        "type": "object",
        "required": ["paragraphs"],
        "properties": {"paragraphs": paragraphs},
    }
    return {
        "anyOf": [
            {"required": ["summary"], "properties": {"summary": paragraph}},
            {  # a section of text with such a paragraph: not every section without one
                "required": ["text"],
                "properties": {
                    "text": {"type": "object", "not": {"additionalProperties": {"not": paragraphs}}}
                },
            },
            {
                "required": ["sections"],
                "properties": {"sections": {"type": "array", "contains": section}},
            },
            {"required": ["add"], "properties": {"add": {"type": "array", "contains": clause}}},
        ]
    }
