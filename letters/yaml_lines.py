"""YAML as the library's plain-text files use it: read safely, with the line of every key, and
structured into attrs classes.

Outlines, the facts declaration and a clause's front matter are YAML a caseworker edits; every
problem in them names the file and line, taken from YAML's own marks on the nodes it read.
Anchors and aliases (``&a``, ``*a``) are refused: the library never needs them, and they are how
a few lines expand into billions of values.

What a file declares is read into attrs classes shaped as it is written (``converter``), as
case files are read from JSON: the converter refuses a value of the wrong kind, and keeps every
refusal with its path (``refusals``), for the reader to say what is wrong in its own words at
the line of that key.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Callable
from typing import Any, NewType, TypeVar

import attrs
import cattrs
import yaml
from cattrs.gen import make_dict_structure_fn, override

from letters.problems import ClauseError, Location

_SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Loader(_SAFE_LOADER):  # type: ignore[misc]
    """YAML's safe loader (libyaml's, where PyYAML has it) that refuses a key given twice in
    one mapping, naming both lines: YAML itself keeps the last and says nothing.

    ``path`` and ``first_line`` (the file line of the text's first line) say where it is.
    """

    path = ""
    first_line = 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Any:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue  # a list or mapping as a key: construct_mapping refuses it
            key = self.construct_object(key_node)
            line = key_node.start_mark.line + self.first_line
            if key in seen:
                raise ClauseError(
                    f"the key {str(key_node.value)!r} is given twice (first at line "
                    f"{seen[key]}); give each key once",
                    Location(file=self.path, line=line),
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def loader(text: str, path: str, *, first_line: int = 1) -> Any:
    """A YAML loader of ``text`` that names ``path`` and its lines in its errors."""
    found = Loader(text)
    found.path = path
    found.first_line = first_line
    return found


Lines = dict[tuple[str | int, ...], int]
"""The file line of each key and list item, by its path: ("sections", "role", 0) -> 12."""


def read_yaml(text: str, path: str, *, first_line: int = 1) -> tuple[Any, Lines]:
    """The YAML document in ``text`` and the line of each of its keys and items."""
    reader = loader(text, path, first_line=first_line)
    lines: Lines = {}
    try:
        node = reader.get_single_node()
        if node is None:
            return None, lines
        _mark(node, (), lines, first_line, path, set(), reader)
        return reader.construct_document(node), lines
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + first_line if mark is not None else first_line
        problem = getattr(error, "problem", None) or str(error)
        raise ClauseError(f"not valid YAML: {problem}", Location(file=path, line=line)) from None
    finally:
        reader.dispose()


def _mark(
    node: yaml.Node,
    path: tuple[str | int, ...],
    lines: Lines,
    first: int,
    file: str,
    seen: set[int],
    reader: Any,
) -> None:
    if id(node) in seen or getattr(node, "anchor", None):
        raise ClauseError(
            "YAML anchors and aliases (& and *) are not allowed; write values out",
            Location(file=file, line=node.start_mark.line + first),
        )
    seen.add(id(node))
    lines.setdefault(path, node.start_mark.line + first)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = (*path, _key_name(key, reader))
            lines[name] = key.start_mark.line + first
            _mark(value, name, lines, first, file, seen, reader)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _mark(item, (*path, index), lines, first, file, seen, reader)


def _key_name(key: yaml.Node, reader: Any) -> str:
    """A key as its mapping holds it, as text: ``True`` for ``yes:``, ``12`` for ``012:``."""
    if not isinstance(key, yaml.ScalarNode):
        return "?"
    if key.tag == "tag:yaml.org,2002:str":
        return str(key.value)
    return str(reader.construct_object(key))


def line_of(lines: Lines, *path: str | int) -> int:
    """The line of a key or item, or of the nearest one above it."""
    while path and path not in lines:
        path = path[:-1]
    return lines.get(path, 1)


# Declarations as attrs classes ------------------------------------------------------------------

Keys = tuple[str | int, ...]
"""Where a value is in a file: the keys and list positions that lead to it."""

Text = NewType("Text", str)
"""Text that says something: refused when empty or not text, missing when null; read without
the white space around it."""

Names = NewType("Names", tuple[str, ...])
"""A list of names, or nothing (none): each read as text."""

NO_NAMES = Names(())
"""No names: what a list of names not written holds."""

Entries = NewType("Entries", dict[Any, Any])
"""A mapping of named entries, or nothing (none); each entry is read by the reader that owns
them, in turn."""

SomeEntries = NewType("SomeEntries", dict[Any, Any])
"""A mapping of named entries, at least one."""


def no_entries() -> Entries:
    """The entries of a mapping not written: none."""
    return Entries({})


T = TypeVar("T")


class Missing(KeyError):
    """A value a declaration needs and gives as nothing (``title:``), as if it were not there."""


class Refused(ValueError):
    """A value a declaration cannot take where it is; ``str`` says why, where the hook knows."""


def _text(value: object, _: type) -> str:
    if value is None:
        raise Missing
    if not isinstance(value, str) or not value.strip():
        raise Refused
    return value.strip()


def _names(value: object, _: type) -> tuple[str, ...]:
    value = value or []
    if not isinstance(value, list):
        raise Refused
    return tuple(str(name) for name in value)


def _entries(value: object, _: type) -> dict[Any, Any]:
    value = value or {}
    if not isinstance(value, dict):
        raise Refused
    return value


def _some_entries(value: object, _: type) -> dict[Any, Any]:
    if not isinstance(value, dict) or not value:
        raise Refused
    return value


def _yes_or_no(value: object, _: type) -> bool:
    if not isinstance(value, bool):
        raise Refused
    return value


class Reader:
    """A converter of what a library file declares into attrs classes shaped as it is written.

    A class is read from a mapping (anything else is refused); each attribute's type says what
    it may hold (``Text``, ``Names``, ``Entries``, ``SomeEntries``, ``bool``: true or false, a
    ``Literal``'s values), and a reader registers hooks of its own. Keys no attribute reads are
    left to the reader (``unknown_keys``), which reports them and reads on. Every refusal of a
    document is kept, with its path: ``refusals``.

    Two cattrs converters with the same hooks: a quick one, which stops at the first refusal,
    reads every file that is right (nearly all of them, on every command's start); a file it
    refuses is read again by the detailed one, which finds every refusal and its path.
    """

    def __init__(self) -> None:
        self.quick = _converter(detailed=False)
        self._hooks: list[tuple[Any, Callable[[Any, type], Any]]] = []
        self._detailed: list[cattrs.Converter] = []

    def register_structure_hook(self, cls: Any, hook: Callable[[Any, type], Any]) -> None:
        """Read ``cls`` with ``hook``, as ``cattrs.Converter.register_structure_hook`` does."""
        self.quick.register_structure_hook(cls, hook)
        self._hooks.append((cls, hook))

    @property
    def detailed(self) -> cattrs.Converter:
        """The detailed converter, made when a file is first refused (most commands never)."""
        if not self._detailed:
            made = _converter(detailed=True)
            for cls, hook in self._hooks:
                made.register_structure_hook(cls, hook)
            self._detailed.append(made)
        return self._detailed[0]


def converter() -> Reader:
    """A new reader of declarations, to register a module's own hooks on."""
    return Reader()


def _converter(*, detailed: bool) -> cattrs.Converter:
    made = cattrs.Converter(detailed_validation=detailed)

    def mapping_of(cls: type) -> Callable[[Any, type], Any]:
        structure: Callable[[Any, type], Any] = make_dict_structure_fn(cls, made)

        def hook(value: Any, target: type) -> Any:
            if not isinstance(value, dict):
                raise Refused
            return structure(value, target)

        return hook

    made.register_structure_hook_factory(attrs.has, mapping_of)
    made.register_structure_hook(Text, _text)
    made.register_structure_hook(Names, _names)
    made.register_structure_hook(Entries, _entries)
    made.register_structure_hook(SomeEntries, _some_entries)
    made.register_structure_hook(bool, _yes_or_no)
    return made


def structured(
    reader: Reader, value: object, cls: type[T]
) -> tuple[T | None, list[tuple[Keys, BaseException]]]:
    """``value`` read as ``cls``, or None and every refusal, each with its path (from ``cls``:
    ``()`` for the value itself, ``("about",)`` for its about), in the order of the class's
    attributes."""
    try:
        return reader.quick.structure(value, cls), []
    except Exception:  # refused, or a hook's own error: read again, finding every refusal
        pass
    try:
        return reader.detailed.structure(value, cls), []
    except (cattrs.BaseValidationError, Refused) as error:
        return None, refusals(error)


def refusals(error: BaseException, at: Keys = ()) -> list[tuple[Keys, BaseException]]:
    """cattrs' nested validation errors as one list: each refusal with its path."""
    if not isinstance(error, (cattrs.ClassValidationError, cattrs.IterableValidationError)):
        return [(at, error)]
    found: list[tuple[Keys, BaseException]] = []
    with_notes, without = error.group_exceptions()
    for inner, note in with_notes:
        step = note.name if isinstance(note, cattrs.AttributeValidationNote) else note.index
        found.extend(refusals(inner, (*at, step)))
    for inner in without:
        found.extend(refusals(inner, at))
    return found


_OVERRIDE = type(override())


@functools.cache
def keys_of(cls: type) -> tuple[str, ...]:
    """The keys a class reads from a mapping, in order: each attribute's name, or the name it
    is written as (``from`` for ``in_force_from``)."""
    hints = typing.get_type_hints(cls, include_extras=True)
    written = []
    for field in attrs.fields(cls):
        renames = [
            extra.rename
            for extra in getattr(hints[field.name], "__metadata__", ())
            if isinstance(extra, _OVERRIDE) and extra.rename
        ]
        written.append(renames[0] if renames else field.name)
    return tuple(written)


def unknown_keys(value: object, known: tuple[str, ...]) -> list[Any]:
    """The keys of a mapping that are not ``known`` (``keys_of`` a class), in the order
    written."""
    if not isinstance(value, dict):
        return []
    return [key for key in value if key not in known]
