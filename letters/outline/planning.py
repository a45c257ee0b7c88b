"""Planning a letter: the paragraphs an outline gives a case, and why each clause is there.

An outline's items whose conditions hold place their clauses, the case's own text goes where the
outline puts ``text`` (and a clause the caseworker names in it, ``[[assessment/reason]]``,
where it is named), and the case's overrides apply: clauses it drops, clauses it adds, sections
it writes itself. Many cases share a pattern (which conditions hold, how many paragraphs of
their own text each section has): its layout is worked out once, and filled with each case's
own text, facts and parameters.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Mapping
from typing import Any

import attrs
from attrs import frozen

from letters.grammar import PersonWords
from letters.limits import check_time
from letters.model import Case, ClauseUse, SectionPlan
from letters.outline.conditions import Condition, describe_facts, evaluate
from letters.outline.format import CONTINUE, NONE, FactValueOf, Item, Outline
from letters.problems import CaseError, ClauseError, LettersError, Location, combine


def _condition_values(outline: Outline, context: Mapping[str, Any]) -> tuple[bool, ...] | None:
    """Whether each of the outline's conditions holds (in the order of ``_outline_sources``),
    from one evaluation; None if one of them fails."""
    sources = _outline_sources(outline)
    if not sources:
        return ()
    try:
        return tuple(map(bool, evaluate(_all_of(sources), context)))
    except Exception:
        return None


@functools.lru_cache(maxsize=64)
def _all_of(sources: tuple[str, ...]) -> str:
    """The conditions as one expression: the list of their values."""
    return "[" + ", ".join(f"({source})" for source in sources) + "]"


def _outline_sources(outline: Outline) -> tuple[str, ...]:
    """The sources of an outline's conditions, each once, worked out once for the outline."""
    sources = outline.memo.get("sources")
    if sources is None:
        sources = outline.memo["sources"] = tuple(
            dict.fromkeys(condition.source for condition in outline.conditions())
        )
    return sources


def _placed_clauses(outline: Outline) -> frozenset[str]:
    """The clauses an outline can place, worked out once for each outline."""
    placed = outline.memo.get("placed")
    if placed is None:
        placed = outline.memo["placed"] = frozenset(
            item.clause for _, item in outline.items() if item.clause
        )
    return placed


FILLS = (str, tuple, PersonWords)
"""The values of facts that fill a clause's parameter: text, a list of text, a person."""


@frozen
class Choice:
    """Why a clause is in a letter: the outline, its file and line, and the facts its condition
    read, with their values."""

    outline: str
    file: str
    line: int
    condition: str | None = None
    when: Condition | None = attrs.field(default=None, eq=False, repr=False)

    def facts(self, conditions: Mapping[str, Any] | None) -> tuple[str, ...]:
        """The facts the condition read, with their values in a case's ``conditions`` (what
        its conditions saw: ``Letter.conditions``)."""
        if self.when is None or conditions is None:
            return ()
        return describe_facts(self.when, conditions)

    def as_json(self, conditions: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return {
            "outline": self.outline,
            "file": self.file,
            "line": self.line,
            "when": self.condition,
            "facts": list(self.facts(conditions)),
        }


def _choice(outline: Outline, item: Item) -> Choice:
    """Why an outline's item places its clause: made once for each item."""
    made: dict[int, Choice] = outline.memo.setdefault("choices", {})
    found = made.get(id(item))  # the outline keeps its items, so their ids stay theirs
    if found is None:
        when = item.when
        found = made[id(item)] = Choice(
            outline.name, outline.path, item.line, when.source if when else None, when
        )
    return found


def choose(outlines: Mapping[str, Outline], context: Mapping[str, Any]) -> Outline:
    """The outline for a case that names none: the first, by name, whose ``when`` holds."""
    for outline in outlines.values():
        if outline.when is not None and outline.when.holds(context):
            return outline
    known = ", ".join(outlines) or "none"
    raise ClauseError(
        f"no outline's condition fits this case's facts (outlines: {known}); "
        'name one with "outline"',
        Location(field="outline"),
    )


@frozen
class Plan:
    """A letter's plan: the Summary's parts and each section's paragraphs, with why each
    clause is there (the outline item that placed it)."""

    summary: tuple[Any, ...]
    sections: tuple[Any, ...]  # SectionPlan
    choices: Mapping[int, Choice]  # id of a placed ClauseUse -> why it is there
    numbered: bool
    outline: Outline | None = None
    fields: Mapping[int, tuple[str, ...]] = attrs.field(factory=dict)
    """For each paragraph an outline planned (by id), the case field of each part: the
    caseworker's text is ``text.<section>[n]``; a clause the outline placed has none."""
    conditions: Mapping[str, Any] | None = attrs.field(default=None, eq=False, repr=False)
    """What the outline's conditions saw of the case, to say why each clause is there."""
    header: tuple[ClauseUse, ...] | None = None
    """The lines above the title, one clause each; None where the outline places none."""
    heading: tuple[ClauseUse, ...] | None = None
    """The title's clause (one, or none); None where the outline does not say."""
    sign_off: tuple[ClauseUse, ...] | None = None
    """The sign-off's clause (one, or none); None where the outline does not say."""
    lines: tuple[tuple[str, tuple[ClauseUse, ...]], ...] = ()
    """The letter's other named lines (the Summary's label, the page header ...): each name
    and its clause (one, or none)."""
    numbering: Mapping[str, str] = attrs.field(factory=dict)
    """How each section's paragraphs are numbered, by section (``continue``, ``restart``,
    ``none``, ``letters``); a section not named here: ``continue`` in a numbered letter,
    else ``none`` (``numbering_of``)."""
    headings: frozenset[str] = frozenset()
    """The sections that are only a heading over the sections after it: kept though they place
    no paragraph."""

    parents: Mapping[str, str] = attrs.field(factory=dict)
    """The sub-sections, each with the section it is in (the outline's ``parents``)."""

    def level_of(self, section: str) -> int:
        """How deep a section's heading is: 1 for a section of the letter, 2 for one in it ..."""
        level, seen = 1, {section}
        while (section := self.parents.get(section, "")) and section not in seen:
            level, seen = level + 1, seen | {section}
        return level

    def numbering_of(self, section: str) -> str:
        """How a section's paragraphs are numbered."""
        return self.numbering.get(section) or (CONTINUE if self.numbered else NONE)


def section_numbering(outline: Outline, numbered: bool | None) -> dict[str, str]:
    """How each of an outline's sections numbers its paragraphs: as the section says, else as
    the outline says (``numbered``); a case that asks for no numbers (``numbered: false``) has
    none in any section, and one that asks for them numbers the sections that do not say."""
    default = CONTINUE if (numbered if numbered is not None else outline.numbered) else NONE
    found = {section: default for section, _, _ in outline.sections}
    if numbered is not False:
        found.update(outline.numbering)
    return found


def plan_letter(case: Case, outline: Outline, context: Mapping[str, Any]) -> Plan:
    """The plan an outline gives a case: its items whose conditions hold, the case's own text
    in its place, and the case's overrides (drop, add, explicit sections) applied."""
    text, marked = _marked_text(case)
    layout = _layout_for(case, outline, context, text, marked)
    problems: list[LettersError] = []
    facts = context.get("facts") or {}
    for name, _ in outline.needs:
        if facts.get(name) is None:
            problems.append(
                CaseError(
                    f"missing: the outline {outline.name!r} needs this fact",
                    Location(field=f"facts.{name}"),
                )
            )
    placed_ids = _placed_clauses(outline)
    for number, dropped in enumerate(case.drop):
        if dropped not in placed_ids:
            problems.append(
                ClauseError(
                    f"the outline {outline.name!r} places no clause {dropped!r} to leave out",
                    Location(field=f"drop[{number}]"),
                )
            )
    for section in case.text:
        if section not in layout.slots:
            where = ", ".join(sorted(layout.slots)) or "none"
            problems.append(
                ClauseError(
                    f"the outline {outline.name!r} has no place for the caseworker's text in "
                    f"section {section!r} (sections with a place: {where})",
                    Location(field=f"text.{section}"),
                )
            )

    choices: dict[int, Choice] = dict(layout.choices)
    fields: dict[int, tuple[str, ...]] = dict(layout.fields)  # a planned paragraph's id -> its
    # parts' fields

    def use(item: Item) -> ClauseUse:
        placed = _placed(item, facts)
        choices[id(placed)] = _choice(outline, item)
        return placed

    def planned(laid: _Laid) -> tuple[Any, ...]:
        entries, part_fields, ready = laid
        if ready is not None:  # clauses only, the same for every case of the pattern
            return ready
        parts: list[Any] = []
        for entry in entries:
            if type(entry) is _Own:
                for part in text[entry.section][entry.number][0]:
                    if type(part) is _Marker:
                        item = _item_of(outline, part.clause)  # its wording and parameters
                        parts.append(
                            _placed(item, facts) if item is not None else ClauseUse(part.clause)
                        )
                    else:
                        parts.append(part)
            elif type(entry) is ClauseUse:
                parts.append(entry)
            else:
                parts.append(use(entry))
        paragraph = tuple(parts)
        fields[id(paragraph)] = part_fields
        return paragraph

    sections = [
        SectionPlan(section, tuple(planned(laid) for laid in paragraphs))
        for section, paragraphs in layout.sections
    ]
    sections = with_additions(sections, case.add, problems)
    by_id = {plan.section: index for index, plan in enumerate(sections)}
    for given in case.sections:
        if given.section in by_id:
            sections[by_id[given.section]] = given
        else:
            sections.append(given)
    if problems:
        raise combine(problems)
    summary = case.summary or planned(layout.summary)
    numbered = case.numbered if case.numbered is not None else outline.numbered

    return Plan(
        summary,
        tuple(sections),
        choices,
        numbered,
        outline,
        fields,
        context,
        **furnished(outline, context, choices),
        numbering=section_numbering(outline, case.numbered),
        headings=frozenset(outline.headings),
        parents=dict(outline.parents),
    )


def furnished(
    outline: Outline, context: Mapping[str, Any], choices: dict[int, Choice]
) -> dict[str, Any]:
    """The letter's own lines an outline, or a library's layout, places for a case: the header
    lines whose conditions hold, the first title and the first sign-off whose conditions hold;
    None for each it does not say. Why each clause is there goes into ``choices``."""
    facts = context.get("facts") or {}

    def placed(items: tuple[Item, ...], most: int | None) -> tuple[ClauseUse, ...]:
        holding = [item for item in items if item.when is None or item.when.holds(context)]
        uses = []
        for item in holding[:most]:
            use = _placed(item, facts)
            choices[id(use)] = _choice(outline, item)
            uses.append(use)
        return tuple(uses)

    found: dict[str, Any] = {}
    for place, most in (("header", None), ("heading", 1), ("sign_off", 1)):
        items: tuple[Item, ...] | None = getattr(outline, place)
        found[place] = None if items is None else placed(items, most)
    found["lines"] = tuple((name, placed(items, 1)) for name, items in outline.lines)
    return found


def _is_static(item: Item) -> bool:
    """Whether an item places the same clause use for every case: no fact fills its
    parameters or names its variant."""
    return not isinstance(item.variant, FactValueOf) and not any(
        isinstance(value, FactValueOf) for value in item.params.values()
    )


def _placed(item: Item, facts: Mapping[str, Any]) -> ClauseUse:
    """The clause use an item places for a case: parameters and variant from its facts."""
    assert item.clause is not None
    params: dict[str, Any] = {}
    if item.params:
        values = {
            name: facts.get(value.fact) if isinstance(value, FactValueOf) else value
            for name, value in item.params.items()
        }
        params = {name: value for name, value in values.items() if isinstance(value, FILLS)}
    variant = item.variant
    if isinstance(variant, FactValueOf):
        variant = facts.get(variant.fact)
    return ClauseUse(item.clause, variant if isinstance(variant, str) else None, params)


@frozen
class _Own:
    """In a layout: the caseworker's paragraph ``number`` of a section, its parts run in."""

    section: str
    number: int


_Laid = tuple[tuple[Any, ...], tuple[str, ...], tuple[Any, ...] | None]
"""A paragraph as laid out: its entries (a ClauseUse, the same for every case; an Item, a
clause to place with this case's facts; or _Own, the caseworker's text), the case field of each
part it will have, and the paragraph itself when it is the same for every case (else None)."""


_Part = tuple[tuple[Any, ...], tuple[str, ...]]
"""A paragraph while it is laid out: its entries (Item or _Own) and its parts' fields."""


@frozen
class _Layout:
    """Where an outline puts each clause and each of the caseworker's paragraphs for one
    pattern of a case: which conditions hold, which clauses it drops, how many paragraphs (of
    how many parts) its text has in each section. Many cases share a pattern, and a layout is
    the same for each: it is worked out once for each pattern, and filled with each case's
    own text, facts and parameters."""

    sections: tuple[tuple[str, tuple[_Laid, ...]], ...]
    summary: _Laid
    slots: frozenset[str]  # the sections with a place for the caseworker's text
    choices: Mapping[int, Choice]  # why each clause use made once for the pattern is there
    fields: Mapping[int, tuple[str, ...]]  # the fields of each paragraph made once


_LAYOUTS_KEPT = 512  # for each outline, the patterns kept


def _layout_for(
    case: Case,
    outline: Outline,
    context: Mapping[str, Any],
    text: Mapping[str, tuple[_Marked, ...]],
    marked: frozenset[str],
) -> _Layout:
    """The layout of the case's pattern: from those kept, else worked out (and kept). A
    clause the caseworker's text places by a marker is not placed again by the outline."""
    drop = frozenset(case.drop) | marked
    shape = tuple(
        (section, tuple((origins, size) for _, origins, size in paragraphs))
        for section, paragraphs in text.items()
    )
    values = _condition_values(outline, context)
    if values is None:  # a condition failed: each is tested alone, to say why
        return _layout(outline, _lazily({}, context), drop, shape)
    key = (values, drop, shape)
    layouts: dict[Any, _Layout] = outline.memo.setdefault("layouts", {})
    layout = layouts.get(key)
    if layout is None:
        if len(layouts) >= _LAYOUTS_KEPT:
            layouts.clear()
        held = dict(zip(_outline_sources(outline), values, strict=True))
        layout = layouts[key] = _layout(outline, lambda item: held[item.when.source], drop, shape)
    return layout


MARKER = re.compile(r"\[\[\s*([a-z0-9][a-z0-9_.-]*(?:/[a-z0-9][a-z0-9_.-]*)*)\s*\]\]")
"""A clause the caseworker places inside their own paragraph: ``[[assessment/reason]]``. Only
the clause's id is read from the text; nothing in it is evaluated."""


@frozen
class _Marker:
    """In the caseworker's text: the clause a marker names, to be placed there."""

    clause: str


_Marked = tuple[tuple[Any, ...], tuple[int, ...], int]
"""A caseworker's paragraph with its markers found: its parts (text, ClauseUse, _Marker), the
number of the part of the case file each came from, and how many parts the case file gave."""


def _marked_text(case: Case) -> tuple[dict[str, tuple[_Marked, ...]], frozenset[str]]:
    """The caseworker's paragraphs, each text split at its clause markers; and the clauses the
    markers name."""
    named: set[str] = set()
    text: dict[str, tuple[_Marked, ...]] = {}
    for section, paragraphs in case.text.items():
        marked: list[_Marked] = []
        for paragraph in paragraphs:
            parts: list[Any] = []
            origins: list[int] = []
            for number, part in enumerate(paragraph):
                if type(part) is not str or "[[" not in part or MARKER.search(part) is None:
                    parts.append(part)
                    origins.append(number)
                    continue
                for index, piece in enumerate(MARKER.split(part)):
                    if index % 2:
                        named.add(piece)
                        parts.append(_Marker(piece))
                        origins.append(number)
                    elif piece.strip():
                        parts.append(piece.strip())
                        origins.append(number)
            marked.append((tuple(parts), tuple(origins), len(paragraph)))
        text[section] = tuple(marked)
    return text, frozenset(named)


def _item_of(outline: Outline, clause: str) -> Item | None:
    """The outline's first item that places a clause: a marker takes its variant and
    parameters."""
    found: dict[str, Item] = outline.memo.get("by_clause") or {}
    if not found:
        for _, item in outline.items():
            if item.clause is not None:
                found.setdefault(item.clause, item)
        outline.memo["by_clause"] = found
    return found.get(clause)


def _lazily(held: dict[str, bool], context: Mapping[str, Any]) -> Any:
    def chosen(item: Item) -> bool:
        assert item.when is not None
        found = held.get(item.when.source)
        if found is None:  # not tested with the others: it failed there; alone, it says why
            found = held[item.when.source] = item.when.holds(context)
        return found

    return chosen


def _layout(
    outline: Outline,
    holds: Any,
    drop: frozenset[str],
    shape: tuple[tuple[str, tuple[tuple[tuple[int, ...], int], ...]], ...],
) -> _Layout:
    """An outline's layout for a pattern of cases: ``holds(item)`` says whether an item's
    condition holds; ``shape`` gives, for each section of the caseworker's text, each of its
    paragraphs as the case file's part each of its parts came from (a marker splits one) and
    how many parts the case file gave."""
    sizes = dict(shape)

    def chosen(item: Item) -> bool:
        return item.when is None or holds(item)

    def own_text(section: str) -> list[_Part]:
        """The caseworker's paragraphs for a section, each with the case fields of its parts."""
        own: list[_Part] = []
        for number, (origins, size) in enumerate(sizes.get(section, ())):
            if not number % 1000:  # a case may give a section a great many paragraphs
                check_time()
            field = f"text.{section}[{number}]"
            part_fields = tuple(field if size == 1 else f"{field}[{n}]" for n in origins)
            own.append(((_Own(section, number),), part_fields))
        return own

    def take(
        item: Item, own: list[tuple[int, _Part]], before: list[_Part], count: int
    ) -> list[_Part]:
        """The caseworker's paragraphs a ``text`` item takes from those not yet placed
        (``own``, of ``count`` in all): ``text: N`` the Nth, putting the ones before it that are
        not yet placed into ``before``; ``text`` the next one."""
        if not own:
            return []
        if item.paragraph is None:
            return [own.pop(0)[1]]
        wanted = count - 1 if item.paragraph == -1 else item.paragraph - 1
        position = next((i for i, (number, _) in enumerate(own) if number == wanted), None)
        if position is None:  # the case has fewer: the paragraphs before it still go before
            earlier = [part for number, part in own if number < wanted]
            before.extend(earlier)
            del own[: len(earlier)]
            return []
        before.extend(part for _, part in own[:position])
        taken = own[position][1]
        del own[: position + 1]
        return [taken]

    def parts(
        items: Iterable[Item], own: list[tuple[int, _Part]], before: list[_Part], count: int
    ) -> _Part:
        """The parts of one paragraph: clauses whose conditions hold, and at each ``text`` the
        caseworker's paragraph it takes from ``own``."""
        joined: list[Any] = []
        part_fields: list[str] = []
        for item in items:
            if not chosen(item):
                continue
            if item.text:
                for entries, text_fields in take(item, own, before, count):
                    joined.extend(entries)
                    part_fields.extend(text_fields)
            elif item.clause is not None and item.clause not in drop:
                joined.append(item)
                part_fields.append("")
        return tuple(joined), tuple(part_fields)

    def takes_text(item: Item) -> bool:
        """Whether an item places the caseworker's text: a ``text``, or a join with a ``text``
        part whose own condition holds."""
        return item.text or any(part.text and chosen(part) for part in item.join)

    def places_text(item: Item) -> bool:
        return chosen(item) and takes_text(item)

    sections: list[tuple[str, tuple[_Part, ...]]] = []
    slots: set[str] = set()
    for section, _, items in outline.sections:
        own = list(enumerate(own_text(section)))  # the caseworker's paragraphs not yet placed
        count = len(own)
        paragraphs: list[_Part] = []
        for index, item in enumerate(items):
            if not chosen(item):
                continue
            if item.text or any(part.text for part in item.join):
                slots.add(section)
            if item.text and item.paragraph is None:
                paragraphs.extend(part for _, part in own)
                own.clear()
            elif item.text or item.join:
                before: list[_Part] = []
                joined = parts(item.join or (item,), own, before, count)
                paragraphs.extend(before)
                if joined[0]:
                    paragraphs.append(joined)
                if takes_text(item) and not any(
                    places_text(later) for later in items[index + 1 :]
                ):  # the rest of the caseworker's paragraphs follow
                    paragraphs.extend(part for _, part in own)
                    own.clear()
            elif item.clause is not None and item.clause not in drop:
                paragraphs.append(((item,), ("",)))
        sections.append((section, tuple(paragraphs)))
    summary_text = list(enumerate(own_text("summary")))
    summary_count = len(summary_text)
    summary_parts: list[Any] = []
    summary_fields: list[str] = []
    for item in outline.summary:
        if not chosen(item):
            continue
        if item.text:
            slots.add("summary")
            taken: list[_Part] = []
            if item.paragraph is None:  # the Summary is one paragraph: all of the text
                taken = [part for _, part in summary_text]
                summary_text.clear()
            else:
                before_summary: list[_Part] = []
                taken = take(item, summary_text, before_summary, summary_count)
                taken = [*before_summary, *taken]
            for entries, text_fields in taken:
                summary_parts.extend(entries)
                summary_fields.extend(text_fields)
        elif item.clause is not None and item.clause not in drop:
            summary_parts.append(item)
            summary_fields.append("")
    if "summary" in slots:
        for _, (entries, text_fields) in summary_text:  # the rest of the text ends it
            summary_parts.extend(entries)
            summary_fields.extend(text_fields)
    summary = (tuple(summary_parts), tuple(summary_fields))
    choices: dict[int, Choice] = {}
    fields: dict[int, tuple[str, ...]] = {}

    def laid(part: _Part) -> _Laid:
        """A paragraph's entries with each clause use made once where it can be, and the
        paragraph itself when it is clauses only."""
        entries: list[Any] = []
        for entry in part[0]:
            if type(entry) is Item and _is_static(entry):
                placed = _placed(entry, {})
                choices[id(placed)] = _choice(outline, entry)
                entries.append(placed)
            else:
                entries.append(entry)
        ready = None
        if all(type(entry) is not Item and type(entry) is not _Own for entry in entries):
            ready = tuple(entries)
            fields[id(ready)] = part[1]
        return tuple(entries), part[1], ready

    return _Layout(
        tuple((section, tuple(map(laid, paragraphs))) for section, paragraphs in sections),
        laid(summary),
        frozenset(slots),
        choices,
        fields,
    )


_Key = tuple[int, ...]
"""A paragraph's place in its section, as an addition's order key."""


def _keyed(paragraphs: Iterable[Any]) -> tuple[list[tuple[_Key, Any]], dict[str, _Key]]:
    """A section's paragraphs with their order keys, and the key of the first that holds each
    clause."""
    keyed: list[tuple[_Key, Any]] = [((n,), paragraph) for n, paragraph in enumerate(paragraphs)]
    first: dict[str, _Key] = {}
    for key, paragraph in keyed:
        for part in paragraph:
            if isinstance(part, ClauseUse):
                first.setdefault(part.clause, key)
    return keyed, first


def with_additions(
    sections: list[Any], additions: Iterable[Any], problems: list[LettersError]
) -> list[Any]:
    """The sections with the clauses a case adds: each at its section's end, or right after the
    first paragraph that holds its ``after`` clause as the section reads by then (so before
    clauses added after that one earlier).

    Each paragraph has an order key (a tuple: an addition's key is its paragraph's and one more
    number), so that finding a clause and placing a paragraph take the same time however many
    additions a case makes.
    """
    by_name: dict[str, int] = {}
    for number, plan in enumerate(sections):
        by_name.setdefault(plan.section, number)
    added: dict[int, tuple[list[tuple[_Key, Any]], dict[str, _Key]]] = {}
    count = itertools.count(1)
    for number, addition in enumerate(additions):
        if not number % 1000:
            check_time()
        found = by_name.get(addition.section)
        if found is None:
            known = ", ".join(plan.section for plan in sections)
            problems.append(
                ClauseError(
                    f"the letter has no section {addition.section!r} (sections: {known})"
                ).inside(Location(field=f"add[{number}]"))
            )
            continue
        if found not in added:
            added[found] = _keyed(sections[found].paragraphs)
        keyed, first = added[found]
        key: _Key
        if addition.after is None:
            key = (len(sections[found].paragraphs) + next(count),)
        elif addition.after in first:
            key = (*first[addition.after], -next(count))  # before what was added there earlier
        else:
            problems.append(
                ClauseError(
                    f"section {addition.section!r} has no clause {addition.after!r} to add after"
                ).inside(Location(field=f"add[{number}]"))
            )
            continue
        keyed.append((key, (ClauseUse(addition.clause, addition.variant, dict(addition.params)),)))
        if addition.clause not in first or key < first[addition.clause]:
            first[addition.clause] = key
    for found, (keyed, _) in added.items():
        keyed.sort(key=lambda entry: entry[0])
        sections[found] = SectionPlan(
            sections[found].section, tuple(paragraph for _, paragraph in keyed)
        )
    return sections
