"""Lists inside a letter's paragraphs: bulleted lists, and numbered ones ("a) ... b) ...").

A numbered paragraph of a decision can hold a list: the tests of the role-and-powers
paragraph as bullets, or the actions a body has agreed ("34. Within one month of my final
decision, the Council has agreed to: a) apologise ... b) pay ..."). An item of a numbered
list is numbered by the letter's own numbering, one level down from the paragraph's number,
so its letters start again at a) under every numbered paragraph; a list can hold a list, to
three levels. After its list a paragraph can go on (a citation on a line of its own).

A list comes into a letter three ways, and all three end as the same marks in the composed
text, which composition turns into the paragraph's items:

- a clause file's list block: lines starting ``- `` (a bullet) or ``a)`` (a numbered item;
  any letter or number followed by ``)`` or ``.``), indented by two spaces a level; a line
  that follows an item without a mark of its own goes on with the item, and a line break kept
  with ``\\`` after a list ends it, the paragraph going on after it;
- the ``bullets`` and ``numbered`` filters, for items a clause makes from facts;
- the caseworker's own list in a case file: ``{"list": ["...", "..."], "numbered": true}``
  as a part of a paragraph.

The marks are Unicode noncharacters, which case text cannot hold (loading refuses them), so
nothing a case file says is ever read as a list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from attrs import frozen

MARK = "\ufdd2"
"""Starts an item: followed by its kind (``BULLET``, ``NUMBER`` or ``GOES_ON``) and its level."""

BULLET = "b"
NUMBER = "n"
GOES_ON = "p"
"""The kinds of item: a bullet, a numbered item, and the paragraph's text going on after its
list (not an item of the list: a block of the paragraph under its number)."""

KINDS = {BULLET: "bullet", NUMBER: "number", GOES_ON: "text"}
LEVELS = 3
"""How deep lists go: an item, an item in an item, and one more."""

BULLET_SIGNS = ("\u2022", "\u2013", "\u25aa")
"""The sign of a bullet at each level, in text (Word's come from the template's numbering)."""

_MARKED = re.compile(rf"[ \t]*{MARK}([{BULLET}{NUMBER}{GOES_ON}])(\d)[ \t]*")
_LIST_LINE = re.compile(r"^([ \t]*)(?:[-\u2022]|\(?[a-z]\)|\(?[ivx]+\)|\d+[.)])[ \t]+(?=\S)")
_NUMBERED_SIGN = re.compile(r"\(?[a-z]\)|\(?[ivx]+\)|\d+[.)]")


def mark(kind: str, level: int = 0) -> str:
    """The mark that starts an item of this kind at this level (0: the first level)."""
    return f"{MARK}{kind}{min(max(level, 0), LEVELS - 1)}"


def has_list_lines(source: str) -> bool:
    """Whether a clause's wording holds a list block (a line starting with a list sign)."""
    return any(_LIST_LINE.match(line) for line in source.split("\n"))


def mark_list_lines(source: str) -> str:
    """A clause's wording with each list line's sign made an item's mark.

    The sign is read from the clause file's own lines, before any fact is filled in, so a
    fact's value that starts like a list ("a) ...") is never taken for one. Indentation of two
    spaces (or a tab) is a level.
    """
    lines = []
    for line in source.split("\n"):
        found = _LIST_LINE.match(line)
        if found is None:
            lines.append(line)
            continue
        indent = found.group(1).replace("\t", "  ")
        sign = line[len(found.group(1)) :].split(None, 1)[0]
        kind = NUMBER if _NUMBERED_SIGN.fullmatch(sign) else BULLET
        lines.append(mark(kind, len(indent) // 2) + line[found.end() :])
    return "\n".join(lines)


def items_of(kind: str, items: Iterable[object], level: int = 0) -> str:
    """Items run into wording, each starting with its mark: what ``bullets`` and ``numbered``
    give a clause."""
    return "".join(f"{mark(kind, level)}{item}" for item in items)


def bullets(items: Iterable[object]) -> str:
    """Set items out as a bulleted list: ``{{ reasons.test | each_or | bullets }}``."""
    return items_of(BULLET, items)


def numbered(items: Iterable[object]) -> str:
    """Set items out as a numbered list, a) b) c) under the paragraph's number."""
    return items_of(NUMBER, items)


def end_of_list() -> str:
    """The mark after which the paragraph's text goes on, its list ended."""
    return mark(GOES_ON)


def ends_lists_at_breaks(text: str) -> str:
    """A clause's paragraph with each kept line break after its first item made the end of
    the list: the text after it goes on under the paragraph's number, as a citation after a
    list of tests does."""
    first = text.find(MARK)
    if first < 0 or "\n" not in text[first:]:
        return text
    return text[:first] + text[first:].replace("\n", end_of_list())


@frozen
class Piece:
    """A piece of a paragraph's text: before its list (kind None), or an item of it."""

    text: str
    kind: str | None = None  # "bullet", "number", "text" (going on after the list)
    level: int = 0


def split(text: str) -> Iterator[Piece]:
    """A run's text cut at its items' marks: the text before the first, then each item."""
    kind: str | None = None
    level = 0
    start = 0
    for found in _MARKED.finditer(text):
        yield Piece(text[start : found.start()], kind, level)
        kind, level, start = KINDS[found.group(1)], int(found.group(2)), found.end()
    yield Piece(text[start:], kind, level)


def has_marks(text: str) -> bool:
    return MARK in text


def number_label(level: int, number: int) -> str:
    """How a numbered item is labelled at a level: a), b) ...; then i), ii) ...; then 1., 2."""
    if level == 0:
        return _letters(number) + ")"
    if level == 1:
        return _roman(number) + ")"
    return f"{number}."


def _letters(number: int) -> str:
    label = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        label = chr(ord("a") + rest) + label
    return label


def _roman(number: int) -> str:
    label = ""
    for value, letters in (
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ):
        while number >= value:
            label += letters
            number -= value
    return label
