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

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Lines = dict[tuple[str | int, ...], int]
"""The file line of each key and list item, by its path: ("sections", "role", 0) -> 12."""


def read_yaml(text: str, path: str, *, first_line: int = 1) -> tuple[Any, Lines]:
    """The YAML document in ``text`` and the line of each of its keys and items."""
    loader = _LOADER(text)
    lines: Lines = {}
    try:
        node = loader.get_single_node()
        if node is None:
            return None, lines
        _mark(node, (), lines, first_line, path, set())
        return loader.construct_document(node), lines
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + first_line if mark is not None else first_line
        problem = getattr(error, "problem", None) or str(error)
        raise ClauseError(f"not valid YAML: {problem}", Location(file=path, line=line)) from None
    finally:
        loader.dispose()


def _mark(
    node: yaml.Node,
    path: tuple[str | int, ...],
    lines: Lines,
    first: int,
    file: str,
    seen: set[int],
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
            name = (*path, str(key.value) if isinstance(key, yaml.ScalarNode) else "?")
            lines[name] = key.start_mark.line + first
            _mark(value, name, lines, first, file, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _mark(item, (*path, index), lines, first, file, seen)


def line_of(lines: Lines, *path: str | int) -> int:
    """The line of a key or item, or of the nearest one above it."""
    while path and path not in lines:
        path = path[:-1]
    return lines.get(path, 1)
