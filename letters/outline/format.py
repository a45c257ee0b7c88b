"""The outline format: an outline file, read into the sections and items it places.

An outline says, for one kind of decision, which sections come in which order and which
clauses fill them, each under a condition on the case's facts::

    title: We will not investigate
    when: "'late' not in reasons"
    summary:
      - summary/will-not-investigate
      - clause: summary/because
        when: reasons
    sections:
      complaint:
        - clause: complaint/complains-that
          when: complaint.statement
        - text
      assessment:
        - text
        - join:
            - assessment/will-not-investigate
            - clause: assessment/professional-judgement
              when: facts.document

A section may say how its paragraphs are numbered, written as a mapping of ``numbering`` and
``items`` (a list, as above, numbers them as the outline says)::

    sections:
      approach:
        numbering: none
        items: [approach/how-we-work]
      orders:
        numbering: letters
        items: [text]

Numbering is ``continue`` (the numbers run on from the section before: the default),
``restart`` (1 again), ``none`` (no numbers; the next numbered section goes on from where the
count stood) or ``letters`` (a., b., c., from a. in each such section: a housing ombudsman's
orders). A section written with no items (``approach: []`` or ``items: []``) is only a heading,
over the sections after it: it stays in every letter, though it places no paragraph.

A section's items are its paragraphs: a clause id, a clause with its ``when``, ``variant`` and
``params``, ``text`` (the place of the caseworker's own paragraphs for that section), or
``join`` (clauses run into one paragraph); a ``group`` gives items one condition, and its
``otherwise`` the items for when it does not hold. The Summary is one paragraph of such parts.

The file is read into attrs classes shaped as it is written, by the library files' converter
(``yaml_lines``), and every problem is said at its file and line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any, NewType

import attrs
from attrs import frozen
from cattrs.gen import override

from letters.outline.conditions import Condition, checked_condition_problem
from letters.problems import ClauseError, LettersError, Location, combine
from letters.yaml_lines import (
    NO_NAMES,
    Entries,
    Keys,
    Lines,
    Missing,
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

TEXT = "text"
"""The item that places the caseworker's own paragraphs for a section."""
LAST = "last"
"""``text: last``: the caseworker's last paragraph of the section."""
CONTINUE, RESTART, NONE, LETTERS = "continue", "restart", "none", "letters"
NUMBERINGS = (CONTINUE, RESTART, NONE, LETTERS)
"""How a section's paragraphs may be numbered: on from the section before, from 1 again, not
at all, or lettered a., b., c."""
SECTION_KEYS = ("numbering", "items", "sections")
"""The keys of a section written as a mapping."""


@frozen
class Item:
    """One thing an outline places: a clause, the caseworker's text, or clauses joined."""

    line: int
    clause: str | None = None
    variant: Any = None  # a variant's name, or FactValueOf: the variant a fact names
    params: Mapping[str, Any] = attrs.field(factory=dict)
    when: Condition | None = None
    text: bool = False
    join: tuple[Item, ...] = ()
    paragraph: int | None = None
    """For ``text: N``, which of the caseworker's paragraphs (1 the first, -1 the last);
    None for ``text``: in a join, the next not yet placed; alone, all of them not yet placed."""


@frozen
class Outline:
    """A kind of decision: its sections in order, and the clauses that fill them."""

    name: str
    path: str
    title: str
    about: str = ""
    when: Condition | None = None
    needs: tuple[tuple[str, int], ...] = ()  # facts every case of this kind must give, lines
    numbered: bool = True
    summary: tuple[Item, ...] = ()
    sections: tuple[tuple[str, int, tuple[Item, ...]], ...] = ()
    numbering: tuple[tuple[str, str], ...] = ()
    """The sections that say how their paragraphs are numbered, and how (one of
    ``NUMBERINGS``); the others are numbered as the outline says (``numbered``)."""
    headings: tuple[str, ...] = ()
    """The sections that are only a heading (written with no items): kept in every letter."""
    parents: tuple[tuple[str, str], ...] = ()
    """The sub-sections (written under a section's ``sections``), each with the section it is
    in: its heading is a level below its parent's; a section over sub-sections that place
    nothing for a case goes with them."""
    header: tuple[Item, ...] | None = None
    """The lines above the letter's title, each a clause the case's facts place (the body and
    reference, "Category : ...", ...); None: the outline leaves them out."""
    heading: tuple[Item, ...] | None = None
    """The letter's title ("The Ombudsman's final decision:"), the first of these clauses whose
    condition holds; None: the library's ``letter/title`` clause, by the letter's stage."""
    sign_off: tuple[Item, ...] | None = None
    """The sign-off under the letter, as ``heading``; None: the library's ``letter/sign-off``."""
    terms: Mapping[str, str] = attrs.field(factory=dict)
    """A layout's words for what the engine says of a letter: ``decision: final decision``."""
    lines: tuple[tuple[str, tuple[Item, ...]], ...] = ()
    """The letter's other named lines (``lines``), each the first of its clauses whose
    condition holds: the Summary's label, the page header and footer, a letter's salutation and
    closing. A template prints each by name (``{{ letter.lines.page_header }}``); the plain
    text and Markdown print ``summary_label`` before the Summary."""
    case_needs: tuple[tuple[str, int], ...] = ()
    """A layout's ``needs``: the fields every case of the library must give (``complainant``,
    ``complaint.about``), with their lines; a library that never names its complainant
    declares none."""
    memo: dict[str, Any] = attrs.field(factory=dict, init=False, eq=False, repr=False)
    """What planning works out once for the outline (its conditions, the clauses it can place,
    the layouts of the patterns of cases seen): kept with it, and gone with it."""

    def items(self) -> Iterator[tuple[str, Item]]:
        """Every item of the outline, with its section ("summary" for the Summary's, "header",
        "heading" and "sign_off" for the letter's own lines)."""
        for item in self.summary:
            yield "summary", item
        for place in FURNITURE:
            for item in getattr(self, place) or ():
                yield place, item
        for name, items in self.lines:
            for item in items:
                yield f"lines.{name}", item
        for section, _, items in self.sections:
            for item in items:
                yield section, item
                for part in item.join:
                    yield section, part

    def conditions(self) -> Iterator[Condition]:
        if self.when is not None:
            yield self.when
        for _, item in self.items():
            if item.when is not None:
                yield item.when

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "file": self.path,
            "title": self.title,
            "about": self.about,
            "when": self.when.source if self.when else None,
            "numbered": self.numbered,
            "sections": [section for section, _, _ in self.sections],
            "numbering": dict(self.numbering),
            "headings": list(self.headings),
            "within": dict(self.parents),
        }


FURNITURE = ("header", "heading", "sign_off")
LINE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
"""A named line's name (``lines``): what a template asks for, ``letter.lines.page_header``."""
"""What an outline may place around the letter's sections, each a list of clauses with their
conditions: the lines above the title, the title, the sign-off."""


@frozen
class FactValueOf:
    """A parameter an outline fills from a fact of the case: ``{fact: final_because}``; left to
    the clause's default when the case does not give the fact."""

    fact: str


# An outline file as it is written ----------------------------------------------------------

When = NewType("When", str)
"""A condition as written: an expression (``true`` and ``false`` too), kept without the white
space around it; refused, saying why, when it is no condition a case can be tested on."""


def _when(value: object, _: type) -> str:
    if value is None:
        raise Missing
    if isinstance(value, bool):
        value = "true" if value else "false"
    if not isinstance(value, str) or not value.strip():
        raise Refused("'when' must be a condition, such as facts.defamation or 'late' in reasons")
    problem = checked_condition_problem(value)
    if problem is not None:
        raise Refused(problem)
    return value.strip()


def _paragraph_number(value: object, _: type) -> int | None:
    """``text: N`` as the paragraph it takes (-1 for ``last``), None for plain ``text``."""
    if value is True or value == TEXT:
        return None
    if value == LAST:
        return -1
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    raise Refused


@attrs.define(kw_only=True, eq=False, repr=False, slots=False)  # a file's shape, read and dropped
class _Written:
    """An outline file as it is written."""

    title: Text
    about: Any = None
    when: When | None = None
    needs: Names = NO_NAMES
    numbered: bool = True
    summary: Any = None  # its items, each read in turn
    sections: SomeEntries  # each section's items, read in turn
    header: Any = None  # the lines above the title: their items, each read in turn
    heading: Any = None  # the letter's title: the same
    sign_off: Any = None  # the sign-off: the same
    lines: Any = None  # the letter's other named lines, each the same


@attrs.define(kw_only=True, eq=False, repr=False, slots=False)  # a file's shape, read and dropped
class _WrittenClause:
    """An item that places a clause: ``clause``, with its ``when``, ``params`` and
    ``variant``."""

    when: When | None = None
    clause: Text
    params: Entries = attrs.field(factory=no_entries)
    variant: Any = None


@attrs.define(kw_only=True, eq=False, repr=False, slots=False)  # a file's shape, read and dropped
class _WrittenText:
    """An item that places the caseworker's text: ``text``, or ``text: N`` (``last``)."""

    when: When | None = None
    text: Annotated[int | None, override(struct_hook=_paragraph_number)]


@attrs.define(kw_only=True, eq=False, repr=False, slots=False)  # a file's shape, read and dropped
class _WrittenJoin:
    """An item that runs clauses (and the caseworker's text) into one paragraph."""

    when: When | None = None
    join: Any  # its items, each read in turn


@attrs.define(kw_only=True, eq=False, repr=False, slots=False)  # a file's shape, read and dropped
class _WrittenGroup:
    """Items that share one condition (``group``), and those for when it does not hold
    (``otherwise``)."""

    when: When
    group: Any  # its items, each read in turn
    otherwise: Any = None


OUTLINE_KEYS = keys_of(_Written)
ITEM_KEYS = ("clause", "when", "variant", "params", "join", "text", "group", "otherwise")
"""The keys of an item written as a mapping: those of each kind of item above."""
GROUP_KEYS = keys_of(_WrittenGroup)

_READER = converter()
_READER.register_structure_hook(When, _when)


def parse_outline(text: str, *, name: str, path: str) -> Outline:
    """Read an outline file; every problem is named with its file and line."""
    data, lines = read_yaml(text, path)
    outline, refused = structured(_READER, data, _Written)
    if refused[:1] and refused[0][0] == ():
        raise ClauseError(
            "an outline is lines of 'name: value' (title, when, summary, sections, header, "
            "heading, sign_off)",
            Location(file=path, line=1),
        )
    assert isinstance(data, dict)
    reading = _Reading(path, lines)
    for key in unknown_keys(data, OUTLINE_KEYS):
        reading.problem(f"unknown key {key!r} (expected: {', '.join(OUTLINE_KEYS)})", str(key))
    wrong = {keys[0]: error for keys, error in refused}
    said = {
        "title": "the outline needs a 'title': what kind of decision it plans",
        "when": str(wrong.get("when")),
        "needs": "'needs' must list the facts a case of this kind must give",
        "numbered": "'numbered' must be true or false",
    }
    for attribute, message in said.items():
        if attribute in wrong:
            reading.problem(message, attribute)
    summary = reading.items(data.get("summary") or [], ("summary",), parts=True)
    sections: list[tuple[str, int, tuple[Item, ...]]] = []
    numbering: list[tuple[str, str]] = []
    headings: list[str] = []
    parents: list[tuple[str, str]] = []
    if "sections" in wrong:
        reading.problem(
            "the outline needs 'sections': each section's name and its paragraphs", "sections"
        )
    else:

        def read_sections(written: Mapping[Any, Any], within: Keys, parent: str | None) -> None:
            for section, items in written.items():
                at: Keys = (*within, str(section))
                line = line_of(lines, *at)  # the section's name, though its items are under it
                inner: Any = None
                if isinstance(items, dict):
                    inner = items.get("sections")
                    items, at, numbered_as = reading.section(str(section), items, at)
                    if numbered_as is not None:
                        numbering.append((str(section), numbered_as))
                if not isinstance(items, list):
                    reading.problem(f"section {section!r} must list its paragraphs", *at)
                    continue
                if not items and inner is None:
                    headings.append(str(section))
                if parent is not None:
                    parents.append((str(section), parent))
                sections.append((str(section), line, reading.items(items, at, parts=False)))
                if inner is not None:
                    here: Keys = (*within, str(section), "sections")
                    if not isinstance(inner, dict) or not inner:
                        reading.problem(
                            f"section {section!r}: 'sections' names its sub-sections, each "
                            "with its paragraphs",
                            *here,
                        )
                    else:
                        read_sections(inner, here, str(section))

        read_sections(data["sections"], ("sections",), None)
        names = [name for name, _, _ in sections]
        for name in sorted({name for name in names if names.count(name) > 1}):
            reading.problem(f"section {name!r} is named twice", "sections")
    header, heading, sign_off = (reading.furniture(data, place) for place in FURNITURE)
    named_lines = reading.named_lines(data)
    if reading.problems:
        raise combine(reading.problems)
    assert outline is not None
    return Outline(
        name=name,
        path=path,
        title=outline.title,
        about=str(outline.about or "").strip(),
        when=reading.condition(outline.when, "when"),
        needs=tuple(
            (need, line_of(lines, "needs", index)) for index, need in enumerate(outline.needs)
        ),
        numbered=outline.numbered,
        summary=summary,
        sections=tuple(sections),
        numbering=tuple(numbering),
        headings=tuple(headings),
        parents=tuple(parents),
        header=header,
        heading=heading,
        sign_off=sign_off,
        lines=named_lines,
    )


class _Reading:
    """One reading of an outline file: its items as the converter reads them, and what it
    refuses said as a caseworker reads it, each problem at the line of its key."""

    def __init__(self, path: str, lines: Lines):
        self.path = path
        self.lines = lines
        self.problems: list[LettersError] = []

    def problem(self, message: str, *at: str | int) -> None:
        line = line_of(self.lines, *at)
        self.problems.append(ClauseError(message, Location(file=self.path, line=line)))

    def section(
        self, section: str, written: dict[Any, Any], at: Keys
    ) -> tuple[object, Keys, str | None]:
        """A section written as a mapping: its items (and where they are written), and how
        its paragraphs are numbered (None where it does not say, or says it wrongly)."""
        for key in unknown_keys(written, SECTION_KEYS):
            self.problem(
                f"unknown key {key!r} in section {section!r} (expected: {', '.join(SECTION_KEYS)})",
                *at,
                str(key),
            )
        numbering = written.get("numbering")
        if "numbering" in written and numbering not in NUMBERINGS:
            self.problem(
                f"section {section!r}: 'numbering' must be one of {', '.join(NUMBERINGS)}",
                *at,
                "numbering",
            )
            numbering = None
        if "items" not in written and "sections" in written:
            return [], at, numbering  # a heading over its sub-sections
        if "items" not in written:
            self.problem(
                f"section {section!r} needs 'items': its paragraphs ([] for a section that is "
                "only a heading)",
                *at,
            )
            return [], at, None
        return written["items"], (*at, "items"), numbering

    def condition(self, source: str | None, *at: str | int) -> Condition | None:
        """A ``when`` read, at the line it is written on."""
        if source is None:
            return None
        return Condition(source, self.path, line_of(self.lines, *at))

    def furniture(self, data: Mapping[Any, Any], place: str) -> tuple[Item, ...] | None:
        """The header, the heading or the sign-off, as written under ``place``; None where the
        file does not say."""
        return self.clauses(data[place], place) if data.get(place) is not None else None

    def named_lines(self, data: Mapping[Any, Any]) -> tuple[tuple[str, tuple[Item, ...]], ...]:
        """The letter's named lines (``lines``): each name and its clauses."""
        written = data.get("lines")
        if written is None:
            return ()
        if not isinstance(written, dict):
            self.problem("'lines' names each line and lists its clauses", "lines")
            return ()
        found = []
        for name, items in written.items():
            if not isinstance(name, str) or not LINE_NAME.fullmatch(name):
                self.problem(
                    f"a line's name is a word of letters, digits and _ ({name!r} is not)",
                    "lines",
                    str(name),
                )
                continue
            found.append((name, self.clauses(items, "lines", name)))
        return tuple(found)

    def clauses(self, data: object, place: str, *within: str) -> tuple[Item, ...]:
        """The items of the header, the heading or the sign-off: clauses only, each with its
        condition (a ``group`` too), for the letter's own lines."""
        items = self.items(data, (place, *within), parts=True)
        for index, item in enumerate(items):
            if item.clause is None:
                self.problem(
                    f"'{'.'.join((place, *within))}' lists clauses (each with its 'when'), not "
                    "the caseworker's text",
                    place,
                    *within,
                    index,
                )
        return tuple(item for item in items if item.clause is not None)

    def items(
        self, data: object, at: Keys, *, parts: bool, guard: Condition | None = None
    ) -> tuple[Item, ...]:
        """The items of a list; ``parts``: of one paragraph (the Summary, a join); ``guard`` is
        the condition of the ``group`` they are in, which each of them shares."""
        if not isinstance(data, list):
            self.problem("expected a list of clauses", *at)
            return ()
        items: list[Item] = []
        for index, value in enumerate(data):
            here = (*at, index)
            line = line_of(self.lines, *here)
            if value == TEXT:
                items.append(Item(line=line, text=True, when=guard))
            elif isinstance(value, str):
                items.append(Item(line=line, clause=value.strip(), when=guard))
            elif not isinstance(value, dict):
                self.problem(
                    "expected a clause id, 'text', or a clause with 'when', 'variant', 'params'",
                    *here,
                )
            else:
                items.extend(self.item(value, here, line, parts, guard))
        return tuple(items)

    def item(
        self,
        value: dict[Any, Any],
        here: Keys,
        line: int,
        parts: bool,
        guard: Condition | None,
    ) -> list[Item]:
        """An item written as a mapping: a group's items, or one item (none if it is wrong)."""
        for key in unknown_keys(value, ITEM_KEYS):
            self.problem(f"unknown key {key!r} (expected: {', '.join(ITEM_KEYS)})", *here, str(key))
        shape: type[_WrittenGroup | _WrittenJoin | _WrittenText | _WrittenClause]
        if "group" in value or "otherwise" in value:
            shape = _WrittenGroup
        elif "join" in value:
            shape = _WrittenJoin
        elif "text" in value:
            shape = _WrittenText
        else:
            shape = _WrittenClause
        item, refused = structured(_READER, value, shape)
        wrong = {keys[0]: error for keys, error in refused}
        if isinstance(wrong.get("when"), Refused):
            self.problem(str(wrong["when"]), *here, "when")
        if shape is _WrittenGroup:
            assert item is None or isinstance(item, _WrittenGroup)
            return self.group(value, here, parts, guard, item, wrong)
        when = _guarded(guard, self.condition(item.when if item else None, *here, "when"))
        if shape is _WrittenJoin:
            if parts:
                self.problem(
                    "the Summary is one paragraph already: list its clauses without 'join'", *here
                )
            joined = self.items(value["join"], (*here, "join"), parts=True)
            return [Item(line=line, when=when, join=joined)] if item else []
        if shape is _WrittenText:
            if "text" in wrong:
                self.problem(
                    "'text' takes the number of one of the caseworker's paragraphs (1 for the "
                    "first) or 'last'",
                    *here,
                    "text",
                )
            if not isinstance(item, _WrittenText):
                return []
            return [Item(line=line, when=when, text=True, paragraph=item.text)]
        if "clause" in wrong:
            self.problem("expected 'clause': the id of a clause", *here)
        elif "params" in wrong:
            self.problem("'params' must give each parameter as 'name: value'", *here, "params")
        if not isinstance(item, _WrittenClause):
            return []
        return [
            Item(
                line=line,
                clause=item.clause,
                variant=_param(item.variant) if item.variant is not None else None,
                params={str(key): _param(param) for key, param in item.params.items()},
                when=when,
            )
        ]

    def group(
        self,
        value: dict[Any, Any],
        here: Keys,
        parts: bool,
        guard: Condition | None,
        group: _WrittenGroup | None,
        wrong: Mapping[str | int, BaseException],
    ) -> list[Item]:
        """A ``group``: items that share one condition, and the items of its ``otherwise``,
        which stand where the condition does not hold. Each item takes the group's condition
        (negated in ``otherwise``) joined to its own, so the plan, the lint and ``explain`` see
        ordinary items."""
        for key in unknown_keys(value, GROUP_KEYS):
            self.problem(
                f"a group takes 'when', 'group' and 'otherwise', not {key!r}", *here, str(key)
            )
        if "when" in wrong:
            self.problem("a group needs 'when': the condition its items share", *here)
            return []
        if "group" in wrong:
            self.problem(
                "'otherwise' goes with 'group': the items for when the condition holds", *here
            )
            return []
        assert group is not None
        own = Condition(group.when, self.path, line_of(self.lines, *here, "when"))
        negated = Condition(f"not ({own.source})", own.file, own.line, (own,))
        return [
            *self.items(value["group"], (*here, "group"), parts=parts, guard=_guarded(guard, own)),
            *self.items(
                value.get("otherwise") or [],
                (*here, "otherwise"),
                parts=parts,
                guard=_guarded(guard, negated),
            ),
        ]


def _guarded(guard: Condition | None, own: Condition | None) -> Condition | None:
    """An item's condition inside a group: the group's and its own, both to hold."""
    if guard is None or own is None:
        return own or guard
    line = own.line
    return Condition(
        f"({guard.source}) and ({own.source})", own.file, line, (*guard.parts(), *own.parts())
    )


def _param(value: object) -> Any:
    if isinstance(value, dict) and set(value) == {"fact"}:
        return FactValueOf(str(value["fact"]))
    if isinstance(value, list):
        return tuple(str(item) for item in value)
    return str(value)


def parse_layout(text: str, *, path: str) -> Outline:
    """Read a library's layout (``layout.yaml``): the letter's own lines every letter of the
    library has unless its outline says otherwise (``header``, ``heading``, ``sign_off``), as
    an outline of no sections named ``layout``."""
    data, lines = read_yaml(text, path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ClauseError(
            "a layout is lines of 'name: value' (header, heading, sign_off)",
            Location(file=path, line=1),
        )
    reading = _Reading(path, lines)
    keys = (*FURNITURE, "lines", "terms", "needs")
    for key in unknown_keys(data, keys):
        reading.problem(f"unknown key {key!r} (expected: {', '.join(keys)})", str(key))
    terms = data.get("terms") or {}
    if not isinstance(terms, dict) or not all(
        isinstance(word, str) and isinstance(said, str) for word, said in terms.items()
    ):
        reading.problem("'terms' gives each word as 'name: the library's word'", "terms")
        terms = {}
    needs = data.get("needs") or []
    if not isinstance(needs, list) or not all(isinstance(need, str) for need in needs):
        reading.problem("'needs' lists the case's fields every case must give", "needs")
        needs = []
    for index, need in enumerate(needs):
        if need not in CASE_FIELDS:
            reading.problem(
                f"'needs' names no field a case gives: {need!r} (expected: "
                f"{', '.join(CASE_FIELDS)})",
                "needs",
                index,
            )
    header, heading, sign_off = (reading.furniture(data, place) for place in FURNITURE)
    named_lines = reading.named_lines(data)
    if reading.problems:
        raise combine(reading.problems)
    return Outline(
        name="layout",
        path=path,
        title="the letter's own lines",
        header=header,
        heading=heading,
        sign_off=sign_off,
        lines=named_lines,
        terms=terms,
        case_needs=tuple(
            (need, line_of(lines, "needs", index)) for index, need in enumerate(needs)
        ),
    )


CASE_FIELDS = (
    "complainant",
    "complaint.about",
    "complaint.statement",
    "complaint.wants",
    "body.name",
    "reference",
    "category",
    "decision",
    "decision_date",
    "considered",
    "people",
)
"""The fields of a case file a library may need every case to give (layout.yaml's ``needs``)."""


def read_layout(path: Path) -> tuple[Outline | None, list[LettersError]]:
    """A library's layout, None where it has none, and its problems."""
    if not path.is_file():
        return None, []
    try:
        return parse_layout(path.read_text(encoding="utf-8"), path=str(path)), []
    except LettersError as error:
        return None, [error]
    except (OSError, UnicodeDecodeError) as error:
        return None, [ClauseError(f"cannot read the layout ({error})", Location(file=str(path)))]


def read_outlines(folder: Path) -> tuple[dict[str, Outline], list[LettersError]]:
    """The outlines of a library's ``outlines/`` folder, and the problems of broken ones."""
    outlines: dict[str, Outline] = {}
    problems: list[LettersError] = []
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        try:
            outlines[path.stem] = parse_outline(
                path.read_text(encoding="utf-8"), name=path.stem, path=str(path)
            )
        except LettersError as error:
            problems.append(error)
        except (OSError, UnicodeDecodeError) as error:
            problems.append(
                ClauseError(f"cannot read the outline ({error})", Location(file=str(path)))
            )
    return outlines, problems
