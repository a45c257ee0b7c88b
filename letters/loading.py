"""Read case files: JSON -> Case, through one strict cattrs converter.

The converter owns JSON: it refuses what it would otherwise coerce (a number where text is
expected, a string where a list is expected), turns ISO dates into dates, and reports every
problem of a file together, each with its field path:
``examples/x.json: complainant.pronouns: expected one of she, he, they``.
"""

from __future__ import annotations

import bisect
import enum
import json
import re
import typing
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import attrs
import cattrs
from cattrs.errors import ForbiddenExtraKeysError
from cattrs.gen import make_dict_structure_fn

from letters.deadlines import Deadline, DeadlineError
from letters.facts import FactDeclaration, fact_order, fact_type, required_facts
from letters.limits import DEFAULT, Limits, read_bounded_text
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
from letters.money import AmountError, Money
from letters.problems import CaseError, LettersError, Location, NotJsonError, combine, did_you_mean

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# Characters a letter never holds, and why. XML 1.0 cannot hold C0 control characters other
# than tab, line feed and carriage return (docxtpl would also turn \a and \f into new paragraphs
# and page breaks); a lone surrogate is not a character at all; the noncharacters are reserved
# for a program's own use, and the engine uses one to mark line breaks while it composes.
REFUSED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")


def _refusal(character: str) -> str:
    code = ord(character)
    if 0xD800 <= code <= 0xDFFF:
        return "a lone surrogate, which is not a character"
    if code >= 0xFDD0:
        return "a Unicode noncharacter"
    return "a control character, which a letter cannot hold"


class _ExpectedError(TypeError):
    """A value of the wrong kind; the message is what was expected instead."""


def _structure_text(value: object, _: type) -> str:
    if not isinstance(value, str):
        raise _ExpectedError(f"expected text, got {_describe(value)}")
    if value.isascii() and value.isprintable():  # most fields: nothing to refuse or change
        return value.strip()
    if "\r" in value:  # a carriage return is a line break, as XML itself would read it
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    found = REFUSED.search(value)
    if found:
        raise _ExpectedError(
            f"U+{ord(found.group()):04X} at position {found.start()} is "
            f"{_refusal(found.group())}; remove it"
        )
    return value.strip()  # white space around a fact is no part of it


def _structure_date(value: object, _: type) -> date:
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        raise _ExpectedError(f"expected a date as YYYY-MM-DD, got {_describe(value)}")
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise _ExpectedError(
            f"expected a real date as YYYY-MM-DD, got {value!r} ({error})"
        ) from None


def _describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else "text"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _make_converter(*, detailed: bool) -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=detailed)
    converter.register_structure_hook(str, _structure_text)
    converter.register_structure_hook(date, _structure_date)

    def structure_object(cls: type) -> Callable[[Any, type], Any]:
        structure: Callable[[Any, type], Any] = make_dict_structure_fn(
            cls, converter, _cattrs_forbid_extra_keys=True
        )

        def hook(value: Any, target: type) -> Any:
            if type(value) is not dict and not isinstance(value, Mapping):
                raise _ExpectedError(f"expected an object, got {_describe(value)}")
            return structure(value, target)

        return hook

    converter.register_structure_hook_factory(attrs.has, structure_object)

    lists: dict[Any, Callable[[Any, Any], Any]] = {}  # tuple[X, ...] -> the hook for list[X]

    def structure_list(value: Any, target: Any) -> Any:
        if not isinstance(value, list):
            raise _ExpectedError(f"expected a list, got {_describe(value)}")
        hook = lists.get(target)
        if hook is None:
            (item,) = {*typing.get_args(target)} - {Ellipsis}
            hook = lists[target] = converter.get_structure_hook(list[item])  # type: ignore[valid-type]
        return tuple(hook(value, list))

    converter.register_structure_hook_func(_is_tuple, structure_list)

    def structure_param(value: Any, _: type) -> ParamValue:
        if isinstance(value, list):
            return tuple(converter.structure(value, list[str]))
        if isinstance(value, str):
            return _structure_text(value, str)
        raise _ExpectedError(f"expected text or a list of text, got {_describe(value)}")

    converter.register_structure_hook_func(lambda target: target == ParamValue, structure_param)

    def structure_part(value: Any, _: Any) -> Part:
        if isinstance(value, str):
            return _structure_text(value, str)
        if isinstance(value, Mapping) and "list" in value:
            return structure_list_part(value, ListPart)  # type: ignore[no-any-return]
        if isinstance(value, Mapping):
            return converter.structure(value, ClauseUse)
        raise _ExpectedError(
            'expected text, a clause such as {"clause": "..."} or a list such as '
            f'{{"list": ["...", "..."]}}, got {_describe(value)}'
        )

    structure_list_part = structure_object(ListPart)

    def structure_item(value: Any, _: Any) -> str | ListPart:
        if isinstance(value, str):
            return _structure_text(value, str)
        if isinstance(value, Mapping):
            return structure_list_part(value, ListPart)  # type: ignore[no-any-return]
        raise _ExpectedError(
            f'expected an item\'s text or a list of its own {{"list": [...]}}, got {_describe(value)}'
        )

    converter.register_structure_hook_func(lambda target: target == str | ListPart, structure_item)

    converter.register_structure_hook_func(lambda target: target == Part, structure_part)

    structure_reason_object = structure_object(Reason)

    def structure_reason(value: Any, _: Any) -> Reason:
        if isinstance(value, str):
            return Reason(_structure_text(value, str))
        if isinstance(value, Mapping):
            return structure_reason_object(value, Reason)  # type: ignore[no-any-return]
        raise _ExpectedError(
            f'expected a reason\'s name or {{"reason": "...", "params": {{...}}}}, got {_describe(value)}'
        )

    converter.register_structure_hook(Reason, structure_reason)

    parts = converter.get_structure_hook(list[Part])

    def structure_paragraph(value: Any, _: type) -> Paragraph:
        if isinstance(value, list):
            return tuple(parts(value, list))
        return (structure_part(value, Part),)

    converter.register_structure_hook_func(lambda target: target == Paragraph, structure_paragraph)

    def structure_bool(value: Any, _: type) -> bool:
        if not isinstance(value, bool):
            raise _ExpectedError(f"expected true or false, got {_describe(value)}")
        return value

    converter.register_structure_hook(bool, structure_bool)
    structure_person = structure_object(Person)

    def structure_money(value: Any, _: Any) -> Money:
        try:
            return Money.parse(value)
        except AmountError as error:
            raise _ExpectedError(str(error)) from None

    converter.register_structure_hook(Money, structure_money)

    def structure_deadline(value: Any, _: Any) -> Deadline:
        try:
            return Deadline.parse(_structure_text(value, str))
        except DeadlineError as error:
            raise _ExpectedError(str(error)) from None

    converter.register_structure_hook(Deadline, structure_deadline)

    def structure_fact(value: Any, _: Any) -> FactValue:
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            return _structure_text(value, str)
        if isinstance(value, int):  # an amount in pounds: read as the library declares it
            return value
        if isinstance(value, list) and any(isinstance(item, Mapping) for item in value):
            return tuple(value)  # records: read as the library declares them
        if isinstance(value, list):
            return tuple(converter.structure(value, list[str]))
        if isinstance(value, Mapping):
            return structure_person(value, Person)  # type: ignore[no-any-return]
        raise _ExpectedError(
            "expected text, true or false, a number, a list of text or of records, or a person, "
            f"got {_describe(value)}"
        )

    converter.register_structure_hook_func(lambda target: target == FactValue, structure_fact)
    return converter


def _is_tuple(target: Any) -> bool:
    return typing.get_origin(target) is tuple


CONVERTER = _make_converter(detailed=True)
"""The converter that reports every problem of a case file, each with its path."""

_FAST = _make_converter(detailed=False)
"""The same rules without the bookkeeping for error paths: for files that are valid."""


def _message(error: BaseException, target: Any) -> str:
    if isinstance(error, _ExpectedError):
        return str(error)
    if isinstance(error, KeyError):
        return "missing (this field is required)"
    if typing.get_origin(target) is typing.Literal:
        return f"expected one of {', '.join(map(str, typing.get_args(target)))}"
    if isinstance(target, type) and issubclass(target, enum.Enum):
        choices = ", ".join(str(member.value) for member in target)
        return f"expected one of {choices}"
    return str(error)


def _problems(error: BaseException, path: str = "", target: Any = None) -> list[LettersError]:
    """Flatten cattrs' nested validation errors into one CaseError per problem, with its path."""
    if isinstance(error, ForbiddenExtraKeysError):
        allowed = ", ".join(field.name for field in attrs.fields(error.cl))
        return [
            CaseError(
                f"unknown field (expected one of: {allowed})", Location(field=_join(path, name))
            )
            for name in sorted(error.extra_fields)
        ]
    if not isinstance(error, (cattrs.ClassValidationError, cattrs.IterableValidationError)):
        return [CaseError(_message(error, target), Location(field=path or None))]
    problems: list[LettersError] = []
    with_notes, without = error.group_exceptions()
    for inner, note in with_notes:
        if isinstance(note, cattrs.AttributeValidationNote):
            step = _join(path, note.name)
        else:
            step = (
                f"{path}[{note.index}]"
                if isinstance(note.index, int)
                else _join(path, str(note.index))
            )
        problems.extend(_problems(inner, step, note.type))
    for inner in without:
        problems.extend(_problems(inner, path, None))
    return problems


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def parse_case(data: object, *, source: str | None = None) -> Case:
    """Build a Case from decoded JSON, reporting every problem found in it together."""
    if not isinstance(data, Mapping):
        raise CaseError(f"expected a JSON object, got {_describe(data)}", Location(file=source))
    try:
        return _FAST.structure(data, Case)
    except Exception:  # any refusal: the detailed converter says what and where
        pass
    try:
        return CONVERTER.structure(data, Case)
    except (cattrs.BaseValidationError, _ExpectedError) as error:
        raise combine(_problems(error)).at(source) from None


class _DuplicateKey(ValueError):
    """A JSON object that names a key twice; which one, and where, is found afterwards."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        raise _DuplicateKey
    return data


def decode_json(text: str, *, source: str) -> Any:
    """Decode the JSON of a case file: one clear error for text that is not JSON, a key given
    twice, a number too long to be one, or nesting too deep."""
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except RecursionError:
        raise NotJsonError(
            "the JSON is nested too deeply to be a case file", Location(file=source)
        ) from None
    except json.JSONDecodeError as error:
        raise NotJsonError(
            f"not valid JSON: {error.msg}",
            Location(file=source, line=error.lineno, column=error.colno),
        ) from None
    except _DuplicateKey:
        key, line = _first_duplicate(text)
        raise CaseError(
            f"the key {key!r} is given twice in one object; give each field once",
            Location(file=source, line=line),
        ) from None
    except ValueError as error:  # Python's own bound on the digits of a number
        raise CaseError(f"not a usable JSON value: {error}", Location(file=source)) from None


def read_case_text(text: str, *, source: str) -> Case:
    """Build a Case from the text of a case file; ``source`` names it in errors."""
    return parse_case(decode_json(text, source=source), source=source)


def load_case(path: str | Path, *, limits: Limits = DEFAULT) -> Case:
    """Read a case file (at most ``limits.file_size`` bytes)."""
    return read_case_text(read_case_file(path, limits=limits), source=str(path))


def read_case_file(path: str | Path, *, limits: Limits = DEFAULT) -> str:
    """The text of a case file, refused past the size limit (``/dev/zero`` is not read whole)."""
    return read_bounded_text(Path(path), limits.file_size, CaseError, "case file")


def _first_duplicate(text: str) -> tuple[str, int]:
    """The first key given twice in one object of a JSON text, and its line."""
    found: list[tuple[str, int]] = []

    def keys(path: str, key: str, line: int, seen: dict[str, set[str]]) -> None:
        names = seen.setdefault(path, set())
        if key in names and not found:
            found.append((key, line))
        names.add(key)

    _walk(text, on_key=keys)
    return found[0] if found else ("?", 1)


_SPACE = re.compile(r"[ \t\n\r]*")


def field_lines(text: str) -> dict[str, int]:
    """The line on which each field of a JSON case file starts, by its path (``sections[0]``).

    For pointing at a place in a file that parsed: the paths are those errors name.
    """
    lines: dict[str, int] = {}

    def note(path: str, line: int) -> None:
        lines.setdefault(path, line)

    _walk(text, on_value=note)
    return lines


def _walk(
    text: str,
    on_key: Callable[[str, str, int, dict[str, set[str]]], None] | None = None,
    on_value: Callable[[str, int], None] | None = None,
) -> None:
    """Walk a JSON text that parses, telling each value's path and line, and each object key."""
    decoder = json.JSONDecoder()
    starts = [0] + [match.end() for match in re.finditer("\n", text)]
    seen: dict[str, set[str]] = {}

    def skip(index: int) -> int:
        return _SPACE.match(text, index).end()  # type: ignore[union-attr]

    def value(index: int, path: str) -> int:
        index = skip(index)
        if on_value is not None:
            on_value(path, bisect.bisect_right(starts, index))
        opening = text[index]
        if opening not in "{[":
            return decoder.raw_decode(text, index)[1]
        closing = "}" if opening == "{" else "]"
        index = skip(index + 1)
        position = 0
        while text[index] != closing:
            if opening == "{":
                line = bisect.bisect_right(starts, index)
                key, index = decoder.raw_decode(text, index)
                if on_key is not None:
                    on_key(path, str(key), line, seen)
                index = skip(index) + 1  # the colon
                index = value(index, _join(path, str(key)))
            else:
                index = value(index, f"{path}[{position}]")
                position += 1
            index = skip(index)
            if text[index] == ",":
                index = skip(index + 1)
        return index + 1

    value(0, "")


def read_facts(
    given: Mapping[str, Any], declarations: Mapping[str, FactDeclaration]
) -> dict[str, Any]:
    """A case's facts read as the library declares them: every declared fact by name (None when
    the case does not give it). Problems name the field, ``facts.<name>``."""
    read = read_plainly(given, declarations)
    if read is not None:
        return read
    problems: list[LettersError] = []
    read = dict.fromkeys(fact_order(declarations))
    for name, value in given.items():
        declaration = declarations.get(name)
        if declaration is None:
            problems.append(
                CaseError(
                    f"the library declares no fact {name!r} {_declared(name, declarations)}",
                    Location(field=f"facts.{name}"),
                )
            )
            continue
        target = fact_type(declaration)
        try:
            read[name] = CONVERTER.structure(_as_json(value), target)
        except Exception as error:  # cattrs' refusals, and our own hooks'
            problems.extend(_problems(error, f"facts.{name}", target))
    for name in required_facts(declarations):
        if read[name] is None and name not in given:
            problems.append(
                CaseError(
                    f"missing: the outline needs this fact ({declarations[name].about})",
                    Location(field=f"facts.{name}"),
                )
            )
    problems += _missing_in_records(read, declarations)
    if problems:
        raise combine(problems)
    return read


def unmet_needs(case: Case, needs: Iterable[tuple[str, int]], layout: str) -> list[LettersError]:
    """The fields the library needs every case to give (its layout's ``needs``: the
    complainant, what the complaint is about) that this case does not."""
    problems: list[LettersError] = []
    for need, line in needs:
        value: Any = case
        for part in need.split("."):
            value = getattr(value, part, None)
        if value is None or value == () or (isinstance(value, str) and not value.strip()):
            problems.append(
                CaseError(
                    f"missing: every case of this library gives it ({layout}, line {line}: "
                    f"needs {need})",
                    Location(field=need),
                )
            )
    return problems


def _declared(name: str, declarations: Mapping[str, FactDeclaration]) -> str:
    """What a library declares, for a case that gives a fact it does not: its names, and the
    closest to the one given (the first hundred names, and a close match among a few thousand,
    for a library that declares a great many)."""
    names = sorted(declarations)
    known = ", ".join(names[:100]) or "none"
    if len(names) > 100:
        known += f" and {len(names) - 100:,} more"
    hint = did_you_mean(name, names[:5000])
    return f"(it declares: {known}){hint}"


def _missing_in_records(
    read: Mapping[str, Any], declarations: Mapping[str, FactDeclaration]
) -> list[LettersError]:
    """The fields each record of a ``records`` fact needs for its kind, and does not give."""
    problems: list[LettersError] = []
    for name, declaration in declarations.items():
        if declaration.kind != "records":
            continue
        for number, record in enumerate(read.get(name) or ()):
            kind = declaration.kind_named(record.kind)
            for need in kind.needs if kind is not None else ():
                if getattr(record, need) is None:
                    about = next(f.about for f in declaration.fields if f.name == need)
                    problems.append(
                        CaseError(
                            f"missing: a record of kind {record.kind!r} needs {need!r} ({about})",
                            Location(field=f"facts.{name}[{number}].{need}"),
                        )
                    )
    return problems


_READ_AS = {"text": str, "choice": str, "yes/no": bool, "list": tuple, "person": Person}
"""The type a case file's fact already has when it is of its declared kind."""


def read_plainly(
    given: Mapping[str, Any], declarations: Mapping[str, FactDeclaration]
) -> dict[str, Any] | None:
    """The facts as ``read_facts`` reads them, when each is already of its declared kind and
    none that is required is missing (as a valid case's are); else None, for them to be read
    again one by one, saying what is wrong."""
    read = dict.fromkeys(fact_order(declarations))
    for name, value in given.items():
        declaration = declarations.get(name)
        if declaration is None or type(value) is not _READ_AS.get(declaration.kind):
            return None  # an undeclared fact, or a date (read from its text) or another kind
        if declaration.kind == "choice" and value not in declaration.choices:
            return None
        if _not_chosen(value, declaration.choices):  # a list of choices with another item
            return None
        read[name] = value
    for name in required_facts(declarations):
        if read[name] is None:
            return None
    return read


def _not_chosen(value: object, choices: tuple[str, ...]) -> bool:
    """Whether a list fact that has choices holds an item that is none of them."""
    return bool(choices) and isinstance(value, tuple) and not set(value) <= set(choices)


def _as_json(value: Any) -> Any:
    """A fact as JSON gave it, for reading again as its declaration says."""
    if isinstance(value, Person):
        return {
            "name": value.name,
            "pronouns": value.pronouns.value,
            "address": list(value.address),
        }
    if isinstance(value, tuple):
        return list(value)
    return value
