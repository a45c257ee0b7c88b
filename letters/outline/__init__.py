"""Outlines: the rules, kept as plain text beside the clauses, that turn a case's facts into a
letter's plan.

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

A section's items are its paragraphs: a clause id, a clause with its ``when``, ``variant`` and
``params``, ``text`` (the place of the caseworker's own paragraphs for that section), or
``join`` (clauses run into one paragraph). The Summary is one paragraph of such parts.

Conditions are expressions in the wording sandbox over the case's facts: ``facts.defamation``,
``'late' in reasons``, ``complaint.wants``, ``people | length > 1``, ``text.assessment``. No
general code runs.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
import jinja2
from attrs import frozen
from jinja2 import meta, nodes
from jinja2.sandbox import modifies_known_mutable

from letters.facts import FactDeclaration, fields_of
from letters.grammar import PersonWords
from letters.limits import check_time
from letters.model import Case, ClauseUse
from letters.problems import CaseError, ClauseError, LettersError, Location, Problem, combine
from letters.wording import Sandbox, plain_values, shared_context
from letters.yaml_lines import Lines, line_of, read_yaml

OUTLINE_KEYS = ("title", "about", "when", "needs", "numbered", "summary", "sections")
ITEM_KEYS = ("clause", "when", "variant", "params", "join", "text", "group", "otherwise")
TEXT = "text"
"""The item that places the caseworker's own paragraphs for a section."""
LAST = "last"
"""``text: last``: the caseworker's last paragraph of the section."""

CONDITION_NAMES = frozenset(
    (
        "facts",
        "reasons",
        "reason",
        "complaint",
        "complainant",
        "people",
        "considered",
        "decision",
        "decision_date",
        "stage",
        "reference",
        "category",
        "body",
        "text",
    )
)
"""What a condition can read: the declared facts and the facts every case has."""

COMPLAINT_FIELDS = frozenset(("about", "statement", "wants"))

MUTATING_METHODS = frozenset(
    (
        "append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse",
        "update", "setdefault", "popitem", "add", "discard", "difference_update",
        "intersection_update", "symmetric_difference_update", "appendleft", "extendleft",
        "popleft", "rotate",
    )
)  # fmt: skip
"""The methods of lists, dicts, sets and deques that change them: a condition calls none."""


class _ConditionSandbox(Sandbox):
    """The wording sandbox as conditions have it: they only read the case. Its values are
    read-only (tuples, read-only mappings), and, as in Jinja's ImmutableSandboxedEnvironment,
    no method that changes a list, dict, set or deque may be called on any value."""

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        return super().is_safe_attribute(obj, attr, value) and not modifies_known_mutable(obj, attr)


ENVIRONMENT = _ConditionSandbox(lenient=True)
ENVIRONMENT.reads_clock = False  # conditions are expressions: no loops


class ReadOnlyFields(Mapping[str, Any]):
    """Fields a condition reads, ``facts.late``, and cannot change: a condition that could
    change the case it tests (``reasons.append('late')``) would place clauses for facts the
    case does not have, and ``explain`` would report them."""

    __slots__ = ("_fields",)

    def __init__(self, fields: Mapping[str, Any]):
        self._fields = fields

    def __getitem__(self, name: str) -> Any:
        return self._fields[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def __repr__(self) -> str:
        return f"ReadOnlyFields({self._fields!r})"


plain_values(ReadOnlyFields)


@frozen
class Condition:
    """An outline's ``when``: its source, where it is written, and the compiled test."""

    source: str
    file: str
    line: int
    written: tuple[Condition, ...] = attrs.field(default=(), eq=False, repr=False)
    """For an item of a ``group``, the conditions as written that this one is made of (the
    group's, negated in its ``otherwise``, and the item's own); else none."""

    def parts(self) -> tuple[Condition, ...]:
        """The conditions as written in the outline that make this one."""
        return self.written or (self,)

    def names(self) -> list[str]:
        """What the condition reads, as written: ``facts.defamation``, ``reasons``."""
        return list(_names(self.source))

    def holds(self, context: Mapping[str, Any]) -> bool:
        try:
            return bool(_evaluate(self.source, context))
        except LettersError:
            raise
        except Exception as error:
            raise ClauseError(
                f"the condition {self.source!r} failed: {type(error).__name__}: {error}",
                Location(file=self.file, line=self.line),
            ) from None


@functools.lru_cache(maxsize=1024)
def _names(source: str) -> tuple[str, ...]:
    """What a condition reads, parsed once for each condition."""
    read: list[str] = []
    tree = ENVIRONMENT.parse("{{ (" + source + ") }}")
    for node in tree.find_all((nodes.Getattr, nodes.Name)):
        if isinstance(node, nodes.Getattr) and isinstance(node.node, nodes.Name):
            read.append(f"{node.node.name}.{node.attr}")
        elif isinstance(node, nodes.Name) and not any(
            name.startswith(node.name + ".") for name in read
        ):
            read.append(node.name)
    return tuple(dict.fromkeys(name for name in read if "." in name or name != "facts"))


def outline_conditions(outline: Outline, context: Mapping[str, Any]) -> dict[str, bool]:
    """Every condition of an outline tested on a case, in one evaluation: the conditions of an
    outline are many and short, and each evaluation has a cost of its own. A condition that
    fails is left out, to be tested alone, which says what failed and where."""
    values = _condition_values(outline, context)
    if values is None:
        return {}
    return dict(zip(_outline_sources(outline), values, strict=True))


def _condition_values(outline: Outline, context: Mapping[str, Any]) -> tuple[bool, ...] | None:
    """Whether each of the outline's conditions holds (in the order of ``_outline_sources``),
    from one evaluation; None if one of them fails."""
    sources = _outline_sources(outline)
    if not sources:
        return ()
    try:
        return tuple(map(bool, _evaluate(_all_of(sources), context)))
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


def _evaluate(source: str, context: Mapping[str, Any]) -> Any:
    """A condition's value on the context as it is: Jinja's expression call copies the context
    into a new one each time, most of the cost of a short condition."""
    template = _compiled(source)._template
    run = shared_context(template, context)
    for _ in template.root_render_func(run):
        pass
    return run.vars["result"]


_COMPILED: dict[str, Any] = {}


def _compiled(source: str) -> Any:
    compiled = _COMPILED.get(source)
    if compiled is None:
        compiled = _COMPILED[source] = ENVIRONMENT.compile_expression(source)
    return compiled


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
    memo: dict[str, Any] = attrs.field(factory=dict, init=False, eq=False, repr=False)
    """What planning works out once for the outline (its conditions, the clauses it can place,
    the layouts of the patterns of cases seen): kept with it, and gone with it."""

    def items(self) -> Iterator[tuple[str, Item]]:
        """Every item of the outline, with its section ("summary" for the Summary's)."""
        for item in self.summary:
            yield "summary", item
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
        }


def parse_outline(text: str, *, name: str, path: str) -> Outline:
    """Read an outline file; every problem is named with its file and line."""
    data, lines = read_yaml(text, path)
    problems: list[LettersError] = []

    def problem(message: str, *at: str | int) -> None:
        problems.append(ClauseError(message, Location(file=path, line=line_of(lines, *at))))

    if not isinstance(data, dict):
        raise ClauseError(
            "an outline is lines of 'name: value' (title, when, summary, sections)",
            Location(file=path, line=1),
        )
    for key in data:
        if key not in OUTLINE_KEYS:
            problem(f"unknown key {key!r} (expected: {', '.join(OUTLINE_KEYS)})", str(key))
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        problem("the outline needs a 'title': what kind of decision it plans", "title")
        title = ""
    when = _condition(data.get("when"), path, lines, ("when",), problem)
    needs_data = data.get("needs") or []
    needs: list[tuple[str, int]] = []
    if not isinstance(needs_data, list):
        problem("'needs' must list the facts a case of this kind must give", "needs")
    else:
        needs = [
            (str(name), line_of(lines, "needs", index)) for index, name in enumerate(needs_data)
        ]
    numbered = data.get("numbered", True)
    if not isinstance(numbered, bool):
        problem("'numbered' must be true or false", "numbered")
        numbered = True
    summary = _items(data.get("summary") or [], ("summary",), path, lines, problem, parts=True)
    sections_data = data.get("sections")
    sections: list[tuple[str, int, tuple[Item, ...]]] = []
    if not isinstance(sections_data, dict) or not sections_data:
        problem("the outline needs 'sections': each section's name and its paragraphs", "sections")
    else:
        for section, items in sections_data.items():
            at = ("sections", str(section))
            if not isinstance(items, list):
                problem(f"section {section!r} must list its paragraphs", *at)
                continue
            sections.append(
                (str(section), line_of(lines, *at), _items(items, at, path, lines, problem))
            )
    if problems:
        raise combine(problems)
    return Outline(
        name=name,
        path=path,
        title=str(title).strip(),
        about=str(data.get("about") or "").strip(),
        when=when,
        needs=tuple(needs),
        numbered=numbered,
        summary=summary,
        sections=tuple(sections),
    )


def _condition(
    value: object, path: str, lines: Lines, at: tuple[str | int, ...], problem: Any
) -> Condition | None:
    if value is None:
        return None
    if isinstance(value, bool):
        value = "true" if value else "false"
    if not isinstance(value, str) or not value.strip():
        problem("'when' must be a condition, such as facts.defamation or 'late' in reasons", *at)
        return None
    line = line_of(lines, *at)
    try:
        tree = ENVIRONMENT.parse("{{ (" + value + ") }}")  # compiled when first tested
    except jinja2.TemplateSyntaxError as error:
        problem(f"the condition {value!r} is not an expression: {error.message}", *at)
        return None
    except (RecursionError, MemoryError):
        tree = None
    if tree is None or _depth(tree) - _WRAPPING > MAX_DEPTH:
        problem(
            f"the condition {_shortened(value)!r} is nested too deeply: at most {MAX_DEPTH} "
            "brackets, 'not's, 'and's and 'or's within each other",
            *at,
        )
        return None
    changing = next(
        (
            node.node.attr
            for node in tree.find_all(nodes.Call)
            if isinstance(node.node, nodes.Getattr) and node.node.attr in MUTATING_METHODS
        ),
        None,
    )
    if changing:
        problem(
            f"the condition {_shortened(value)!r} calls {changing}(), which would change the "
            "case it tests; a condition only reads the case's facts",
            *at,
        )
        return None
    return Condition(value.strip(), path, line)


MAX_DEPTH = 50
"""How deeply a condition's parts may sit within each other. Python's compiler, which runs
each condition, stops at some 200 brackets, and Jinja's parser at its recursion limit."""


_WRAPPING = 4  # the template and output nodes around a condition, a name and its attribute


def _depth(tree: nodes.Node) -> int:
    """How deeply the nodes of a parsed condition sit within each other (counted without
    recursion: the tree may be deeper than Python's recursion limit)."""
    deepest = 0
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node.iter_child_nodes())
    return deepest


def _shortened(text: str) -> str:
    return text if len(text) <= 60 else text[:59] + "…"


def _items(
    data: object,
    at: tuple[str | int, ...],
    path: str,
    lines: Lines,
    problem: Any,
    *,
    parts: bool = False,
    guard: Condition | None = None,
) -> tuple[Item, ...]:
    """The items of a list; ``guard`` is the condition of the ``group`` they are in, which
    each of them shares."""
    if not isinstance(data, list):
        problem("expected a list of clauses", *at)
        return ()
    items: list[Item] = []
    for index, value in enumerate(data):
        here = (*at, index)
        line = line_of(lines, *here)
        if value == TEXT:
            items.append(Item(line=line, text=True, when=guard))
            continue
        if isinstance(value, str):
            items.append(Item(line=line, clause=value.strip(), when=guard))
            continue
        if not isinstance(value, dict):
            problem(
                "expected a clause id, 'text', or a clause with 'when', 'variant', 'params'", *here
            )
            continue
        for key in value:
            if key not in ITEM_KEYS:
                problem(f"unknown key {key!r} (expected: {', '.join(ITEM_KEYS)})", *here, str(key))
        own = _condition(value.get("when"), path, lines, (*here, "when"), problem)
        if "group" in value or "otherwise" in value:
            items.extend(_group(value, here, path, lines, problem, parts, guard, own))
            continue
        when = _guarded(guard, own)
        if "join" in value:
            if parts:
                problem(
                    "the Summary is one paragraph already: list its clauses without 'join'", *here
                )
            joined = _items(value["join"], (*here, "join"), path, lines, problem, parts=True)
            items.append(Item(line=line, when=when, join=joined))
            continue
        if "text" in value:
            number = _paragraph_number(value["text"])
            if number is False:
                problem(
                    "'text' takes the number of one of the caseworker's paragraphs (1 for the "
                    "first) or 'last'",
                    *here,
                    "text",
                )
                continue
            items.append(Item(line=line, when=when, text=True, paragraph=number))
            continue
        clause = value.get("clause")
        if not isinstance(clause, str) or not clause.strip():
            problem("expected 'clause': the id of a clause", *here)
            continue
        params = value.get("params") or {}
        if not isinstance(params, dict):
            problem("'params' must give each parameter as 'name: value'", *here, "params")
            params = {}
        variant = value.get("variant")
        items.append(
            Item(
                line=line,
                clause=clause.strip(),
                variant=_param(variant) if variant is not None else None,
                params={str(k): _param(v) for k, v in params.items()},
                when=when,
            )
        )
    return tuple(items)


def _group(
    value: dict[str, Any],
    here: tuple[str | int, ...],
    path: str,
    lines: Lines,
    problem: Any,
    parts: bool,
    guard: Condition | None,
    own: Condition | None,
) -> list[Item]:
    """A ``group``: items that share one condition, and the items of its ``otherwise``, which
    stand where the condition does not hold. Each item takes the group's condition (negated in
    ``otherwise``) joined to its own, so the plan, the lint and ``explain`` see ordinary items."""
    for key in value:
        if key not in ("group", "when", "otherwise"):
            problem(f"a group takes 'when', 'group' and 'otherwise', not {key!r}", *here, str(key))
    if own is None:
        problem("a group needs 'when': the condition its items share", *here)
        return []
    if "group" not in value:
        problem("'otherwise' goes with 'group': the items for when the condition holds", *here)
        return []
    negated = Condition(f"not ({own.source})", own.file, own.line, (own,))
    return [
        *_items(
            value["group"],
            (*here, "group"),
            path,
            lines,
            problem,
            parts=parts,
            guard=_guarded(guard, own),
        ),
        *_items(
            value.get("otherwise") or [],
            (*here, "otherwise"),
            path,
            lines,
            problem,
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


def _paragraph_number(value: object) -> int | bool | None:
    """``text: N`` as the paragraph it takes (-1 for ``last``), None for plain ``text``, or
    False when it is neither."""
    if value is True or value == TEXT:
        return None
    if value == LAST:
        return -1
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    return False


FILLS = (str, tuple, PersonWords)
"""The values of facts that fill a clause's parameter: text, a list of text, a person."""


@frozen
class FactValueOf:
    """A parameter an outline fills from a fact of the case: ``{fact: final_because}``; left to
    the clause's default when the case does not give the fact."""

    fact: str


def _param(value: object) -> Any:
    if isinstance(value, dict) and set(value) == {"fact"}:
        return FactValueOf(str(value["fact"]))
    if isinstance(value, list):
        return tuple(str(item) for item in value)
    return str(value)


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


def read_declarations(path: Path) -> tuple[dict[str, FactDeclaration], list[LettersError]]:
    """The facts a library declares in its ``facts.yaml``, and the problems of the file."""
    from letters.facts import DECLARATION_KEYS, KINDS

    if not path.exists():
        return {}, []
    try:
        data, lines = read_yaml(path.read_text(encoding="utf-8"), str(path))
    except LettersError as error:
        return {}, [error]
    except (OSError, UnicodeDecodeError) as error:
        return {}, [ClauseError(f"cannot read the facts ({error})", Location(file=str(path)))]
    problems: list[LettersError] = []
    declarations: dict[str, FactDeclaration] = {}

    def problem(message: str, *at: str) -> None:
        problems.append(ClauseError(message, Location(file=str(path), line=line_of(lines, *at))))

    if data is None:
        return {}, []
    if not isinstance(data, dict):
        return {}, [
            ClauseError(
                "declare each fact as 'name:' with its kind and about",
                Location(file=str(path), line=1),
            )
        ]
    from letters.facts import FACT_NAMES, is_fact_name

    for key, spec in data.items():
        name = str(key)
        if not is_fact_name(key):
            problem(
                f"the fact name {name!r} cannot be used: a fact's name is letters, digits "
                "and _, starting with a letter, and not a word conditions keep (True, None, "
                "not, and, or ...)",
                name,
            )
            continue
        if name in FACT_NAMES:
            problem(f"fact {name!r} is one every case has already; choose another name", name)
            continue
        if not isinstance(spec, dict):
            problem(f"fact {name!r} needs 'kind' ({', '.join(KINDS)}) and 'about'", name)
            continue
        for key in spec:
            if key not in DECLARATION_KEYS:
                problem(
                    f"fact {name!r}: unknown key {key!r} (expected: {', '.join(DECLARATION_KEYS)})",
                    name,
                    str(key),
                )
        kind = spec.get("kind", "text")
        if kind not in KINDS:
            problem(f"fact {name!r}: kind {kind!r} is not one of {', '.join(KINDS)}", name, "kind")
            continue
        about = spec.get("about")
        if not isinstance(about, str) or not about.strip():
            problem(f"fact {name!r} needs 'about': what it means", name)
            continue
        if kind == "records":  # a list of records: its kinds and fields
            from letters.facts import records_declaration

            records = records_declaration(
                name, about.strip(), spec, lambda *at: line_of(lines, *at), problem
            )
            if records is not None:
                declarations[name] = records
            continue
        choices = spec.get("choices") or []
        if kind == "choice" and not isinstance(choices, list):
            problem(f"fact {name!r} is a choice: list its 'choices'", name)
            continue
        declarations[name] = FactDeclaration(
            name=name,
            kind=kind,
            about=about.strip(),
            required=bool(spec.get("required", False)),
            choices=tuple(str(choice) for choice in choices),
            line=line_of(lines, name),
        )
    return declarations, problems


def with_variant_choices(
    declarations: Mapping[str, FactDeclaration],
    outlines: Mapping[str, Outline],
    clauses: Mapping[str, Any],
    path: str,
) -> tuple[dict[str, FactDeclaration], list[LettersError]]:
    """The declared facts, a choice fact without ``choices`` taking them from the variants of
    the clauses whose wording it picks (``variant: {fact: NAME}``): a wording is declared once,
    in its clause file. A choice fact with neither is a problem at its line."""
    variants: dict[str, dict[str, None]] = {}
    sources: dict[str, dict[str, None]] = {}
    for outline in outlines.values():
        for _, item in outline.items():
            clause = clauses.get(item.clause) if item.clause else None
            if isinstance(item.variant, FactValueOf) and clause is not None:
                named = variants.setdefault(item.variant.fact, {})
                named.update(dict.fromkeys(variant.name for variant in clause.variants))
                sources.setdefault(item.variant.fact, {})[clause.id] = None
    facts = dict(declarations)
    problems: list[LettersError] = []
    for name, declaration in declarations.items():
        if declaration.kind != "choice" or declaration.choices:
            continue
        if name in variants:
            facts[name] = attrs.evolve(
                declaration, choices=tuple(variants[name]), variants_of=tuple(sources[name])
            )
        else:
            del facts[name]
            problems.append(
                ClauseError(
                    f"fact {name!r} is a choice: list its 'choices', or let an outline pick a "
                    f"clause's wording with it (variant: {{fact: {name}}}), whose variants are "
                    "then its choices",
                    Location(file=path, line=declaration.line),
                )
            )
    return facts, problems


# Planning ------------------------------------------------------------------------------------


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


def condition_context(case: Case, facts: Mapping[str, Any]) -> dict[str, Any]:
    """What a condition sees of a case: its declared facts and the facts every case has."""
    complaint = ReadOnlyFields(fields_of(case.complaint))
    names = tuple(reason.reason for reason in case.reasons)
    return {
        "facts": ReadOnlyFields(dict(facts)),
        "reasons": names,
        "reason": names[0] if names else None,
        "complaint": complaint,
        "complainant": case.complainant.name,
        "people": tuple(person.name for person in case.people),
        "considered": tuple(case.considered),
        "decision": case.decision,
        "decision_date": case.decision_date,
        "stage": case.stage,
        "reference": case.reference,
        "category": case.category,
        "body": ReadOnlyFields(fields_of(case.body)),
        "text": ReadOnlyFields(
            {section: tuple(paragraphs) for section, paragraphs in case.text.items()}
        ),
    }


def describe_facts(condition: Condition, context: Mapping[str, Any]) -> tuple[str, ...]:
    """The facts a condition read, each with its value: ``facts.defamation = true``."""
    described = []
    for name in condition.names():
        value: Any = context
        for step in name.split("."):
            value = value.get(step) if isinstance(value, Mapping) else None
        described.append(f"{name} = {_shown(value)}")
    return tuple(described)


def _shown(value: Any) -> str:
    if value is None:
        return "(not given)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_shown(item) for item in value) + "]"
    text = str(value)
    return repr(text if len(text) <= 40 else text[:39] + "…")


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


def can_be_true(
    condition: Condition, declarations: Mapping[str, FactDeclaration], reasons: Iterable[str]
) -> bool:
    """Whether some facts make the condition true: each fact it reads is tried with the values
    its kind allows (not given, yes or no, each choice) and the texts the condition names."""
    names = condition.names()
    tree = ENVIRONMENT.parse("{{ (" + condition.source + ") }}")
    constants = sorted(
        {node.value for node in tree.find_all(nodes.Const) if isinstance(node.value, str)}
    )
    known = set(reasons)
    options = [_options(name, declarations, constants, known) for name in names]
    for values in itertools.islice(itertools.product(*options), 20_000):
        context: dict[str, Any] = {name: None for name in CONDITION_NAMES}
        context.update(
            facts={}, complaint={}, body={}, text={}, reasons=[], people=[], considered=[]
        )
        for name, value in zip(names, values, strict=True):
            head, _, attribute = name.partition(".")
            if attribute:
                if not isinstance(context.get(head), dict):
                    context[head] = {}
                context[head][attribute] = value
            else:
                context[head] = value
        try:
            if _compiled(condition.source)(**context):
                return True
        except Exception:
            continue
    return False


def _options(
    name: str,
    declarations: Mapping[str, FactDeclaration],
    constants: list[str],
    reasons: set[str],
) -> list[Any]:
    head, _, attribute = name.partition(".")
    if head == "facts" and attribute in declarations:
        declaration = declarations[attribute]
        if declaration.kind == "yes/no":
            return [None, False, True]
        if declaration.kind == "choice":
            return [None, *declaration.choices]
        if declaration.kind == "list":
            return [None, (), ("x",), tuple(constants)]
        return [None, "x", *constants]
    if head == "reasons":
        named = [constant for constant in constants if constant in reasons] or sorted(reasons)[:2]
        subsets = itertools.chain.from_iterable(
            itertools.combinations(named, size) for size in range(min(len(named), 4) + 1)
        )
        return [list(subset) for subset in itertools.islice(subsets, 64)]
    if head == "reason":
        return [None, *constants]
    if head in ("people", "considered"):
        return [[], ["x"], ["x", "y"]]
    return [None, "x", *constants]


def outline_problems(
    outline: Outline,
    clauses: Mapping[str, Any],
    declarations: Mapping[str, FactDeclaration],
    reasons: list[str],
) -> list[Problem]:
    """What is wrong with an outline against its library: unknown clauses, variants and facts,
    sections without a heading, conditions that can never be true."""
    problems: list[Problem] = []

    def at(line: int, message: str) -> None:
        problems.append(Problem(message, Location(file=outline.path, line=line)))

    for name, line in outline.needs:
        if name not in declarations:
            at(line, f"the outline needs fact {name!r}, which the library does not declare")
    for section, line, _ in outline.sections:
        if f"headings/{section}" not in clauses:
            at(
                line,
                f"section {section!r} has no heading: the library has no clause headings/{section}",
            )
    for _, item in outline.items():
        for name, value in item.params.items():
            if isinstance(value, FactValueOf) and value.fact not in declarations:
                at(
                    item.line,
                    f"parameter {name!r} takes fact {value.fact!r}, which the library does not declare",
                )
        if item.clause is not None:
            clause = clauses.get(item.clause)
            if clause is None:
                at(item.line, f"no clause {item.clause!r} in the library")
            elif isinstance(item.variant, FactValueOf):
                declared = declarations.get(item.variant.fact)
                names = [v.name for v in clause.variants]
                if declared is None:
                    at(
                        item.line,
                        f"the variant takes fact {item.variant.fact!r}, which the library does not declare",
                    )
                else:
                    for choice in declared.choices:
                        if choice not in names:
                            at(
                                item.line,
                                f"fact {declared.name!r} can be {choice!r}, but clause {item.clause} has no such variant (it has: {', '.join(names)})",
                            )
            elif item.variant is not None and item.variant not in [v.name for v in clause.variants]:
                known = ", ".join(v.name for v in clause.variants)
                at(
                    item.line,
                    f"clause {item.clause} has no variant {item.variant!r} (it has: {known})",
                )
    for condition in outline.conditions():
        tree = ENVIRONMENT.parse("{{ (" + condition.source + ") }}")
        for name in sorted(meta.find_undeclared_variables(tree) - CONDITION_NAMES):
            at(
                condition.line,
                f"{name!r} in {condition.source!r} is no fact a case has (facts: {', '.join(sorted(CONDITION_NAMES))})",
            )
        for node in tree.find_all(nodes.Getattr):
            if not isinstance(node.node, nodes.Name):
                continue
            if node.node.name == "facts" and node.attr not in declarations:
                at(
                    condition.line,
                    f"facts.{node.attr} in {condition.source!r}: the library declares no fact {node.attr!r}",
                )
            if node.node.name == "complaint" and node.attr not in COMPLAINT_FIELDS:
                at(
                    condition.line,
                    f"complaint.{node.attr} in {condition.source!r}: a complaint has about, statement and wants",
                )
        if not can_be_true(condition, declarations, reasons):
            at(condition.line, f"the condition {condition.source!r} can never be true")
    return problems


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


def plan_letter(case: Case, outline: Outline, context: Mapping[str, Any]) -> Plan:
    """The plan an outline gives a case: its items whose conditions hold, the case's own text
    in its place, and the case's overrides (drop, add, explicit sections) applied."""
    from letters.model import SectionPlan

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
    sections = _added(sections, case.add, problems)
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
    return Plan(summary, tuple(sections), choices, numbered, outline, fields, context)


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

    def places_text(item: Item) -> bool:
        return chosen(item) and (item.text or any(part.text for part in item.join))

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
                if (item.text or any(part.text for part in item.join)) and not any(
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


def _added(
    sections: list[Any], additions: Iterable[Any], problems: list[LettersError]
) -> list[Any]:
    """The sections with the clauses a case adds: each at its section's end, or right after the
    first paragraph that holds its ``after`` clause as the section reads by then (so before
    clauses added after that one earlier).

    Each paragraph has an order key (a tuple: an addition's key is its paragraph's and one more
    number), so that finding a clause and placing a paragraph take the same time however many
    additions a case makes.
    """
    from letters.model import SectionPlan

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
