"""The JSON Schema of a case file, generated from the attrs model so that it cannot drift.

Editors use it for completion and checking as a case file is written (``letters schema``).
Descriptions come from each field's ``description``; the choices the loader accepts (a paragraph
as text, a clause or a list of both; a reason as a name or an object) are the schema's too.
"""

from __future__ import annotations

import enum
import typing
from collections.abc import Mapping
from datetime import date
from types import NoneType, UnionType
from typing import Any

import attrs

from letters.facts import FactDeclaration, fact_type
from letters.library import Library
from letters.model import (
    Case,
    ClauseUse,
    FactValue,
    ListPart,
    Paragraph,
    ParamValue,
    Part,
    Person,
    Reason,
)

DIALECT = "https://json-schema.org/draft/2020-12/schema"
TEXT = {"type": "string"}


def case_schema(library: Library | None = None) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) a case file follows; with a library, its declared facts
    and its outlines' names too."""
    definitions: dict[str, Any] = {}
    root = _object(Case, definitions)
    if library is not None:
        facts = root["properties"]["facts"]
        facts["properties"] = {
            name: {**_fact(declaration, definitions), "description": _about(declaration)}
            for name, declaration in library.facts.items()
        }
        facts["required"] = sorted(n for n, d in library.facts.items() if d.required)
        _needs(root, library)
        facts["additionalProperties"] = False
        if library.outlines:
            outline = root["properties"]["outline"]
            outline["anyOf"] = [{"enum": sorted(library.outlines)}, {"type": "null"}]
            outline.pop("type", None)
    return {
        "$schema": DIALECT,
        "$id": "https://letters.invalid/schema/case.json",
        "title": "A case file of the letters decision-letter engine",
        **root,
        "$defs": definitions,
    }


def _needs(root: dict[str, Any], library: Library) -> None:
    """The case fields the library needs every case to give (its layout's ``needs``):
    required, and, for a field of a part (``complaint.about``), required in that part."""
    layout = library.layout
    for need, _ in layout.case_needs if layout is not None else ():
        head, _, rest = need.partition(".")
        if head not in root["required"]:
            root["required"].append(head)
        part = root["properties"][head]
        given = [kind for kind in part.get("anyOf", [part]) if kind.get("type") != "null"]
        shown = {"description": part["description"]} if "description" in part else {}
        if rest:
            root["properties"][head] = {"allOf": [*given, {"required": [rest]}], **shown}
        elif len(given) == 1:  # given, so not null: its own errors are said as they are
            root["properties"][head] = {**given[0], **shown}


MONEY = {
    "anyOf": [
        {"type": "integer", "minimum": 0},
        {
            "type": "string",
            "pattern": r"^£?\s*(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?(\s+(a|per|each)\s+(week|month|year))?$",
        },
    ],
    "examples": [300, "£1,250", "£150 a month"],
}
DEADLINE = {
    "type": "string",
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
        properties: dict[str, Any] = {
            "kind": {
                "enum": [kind.name for kind in declaration.kinds],
                "description": "; ".join(
                    f"{kind.name}: {kind.about}" for kind in declaration.kinds
                ),
            }
        }
        for field in declaration.fields:
            properties[field.name] = {**_fact(field, definitions), "description": field.about}
        record = {
            "type": "object",
            "properties": properties,
            "required": ["kind", *(field.name for field in declaration.fields if field.required)],
            "additionalProperties": False,
        }
        return {"type": "array", "items": record}
    return _type(fact_type(declaration), definitions)


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
        return TEXT
    if target is date:
        return {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
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
        return {"type": "object", "additionalProperties": _type(arguments[1], definitions)}
    raise TypeError(f"no JSON Schema for {target!r}")  # a model type this module must learn
