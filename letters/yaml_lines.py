"""YAML as the library's plain-text files use it: read safely, with the line of every key.

Outlines and the facts declaration are YAML a caseworker edits; every problem in them names the
file and line, taken from YAML's own marks on the nodes it read. Anchors and aliases (``&a``,
``*a``) are refused: the library never needs them, and they are how a few lines expand into
billions of values.
"""

from __future__ import annotations

from typing import Any

import yaml

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
