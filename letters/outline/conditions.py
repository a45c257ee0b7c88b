"""An outline's conditions: expressions over a case's facts, in a sandbox where they only read.

A condition (an outline's ``when``) is an expression in the wording sandbox over what a case
says: ``facts.defamation``, ``'late' in reasons``, ``complaint.wants``, ``people | length > 1``,
``text.assessment``. It sees the declared facts and the facts every case has
(``condition_context``), read-only; no general code runs, and no condition can change the case
it tests. The lint asks of each condition whether any facts could make it true
(``can_be_true``).
"""

from __future__ import annotations

import functools
import hashlib
import itertools
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs
import jinja2
from attrs import frozen
from jinja2 import nodes
from jinja2.sandbox import modifies_known_mutable

from letters.code_cache import CODE_CACHE
from letters.facts import FactDeclaration, fields_of
from letters.model import Case
from letters.problems import ClauseError, LettersError, Location
from letters.wording import Sandbox, plain_values, shared_context

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


ENVIRONMENT = _ConditionSandbox(lenient=True, bytecode_cache=CODE_CACHE)
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
            return bool(evaluate(self.source, context))
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


def evaluate(source: str, context: Mapping[str, Any]) -> Any:
    """A condition's value on the context as it is: Jinja's expression call copies the context
    into a new one each time, most of the cost of a short condition."""
    template = compiled(source)._template
    run = shared_context(template, context)
    for _ in template.root_render_func(run):
        pass
    return run.vars["result"]


_EXPRESSIONS: dict[str, Any] = {}


def compiled(source: str) -> Any:
    """A condition compiled as an expression, once for each source."""
    expression = _EXPRESSIONS.get(source)
    if expression is None:
        expression = _EXPRESSIONS[source] = ENVIRONMENT.compile_expression(source)
    return expression


def condition_problem(source: str) -> str | None:
    """What is wrong with a condition's source, said for the caseworker who wrote it: not an
    expression, nested too deeply, or calling a method that would change the case; None if
    nothing is."""
    try:
        tree = ENVIRONMENT.parse("{{ (" + source + ") }}")  # compiled when first tested
    except jinja2.TemplateSyntaxError as error:
        return f"the condition {source!r} is not an expression: {error.message}"
    except (RecursionError, MemoryError):
        tree = None
    if tree is None or _depth(tree) - _WRAPPING > MAX_DEPTH:
        return (
            f"the condition {_shortened(source)!r} is nested too deeply: at most {MAX_DEPTH} "
            "brackets, 'not's, 'and's and 'or's within each other"
        )
    changing = next(
        (
            node.node.attr
            for node in tree.find_all(nodes.Call)
            if isinstance(node.node, nodes.Getattr) and node.node.attr in MUTATING_METHODS
        ),
        None,
    )
    if changing:
        return (
            f"the condition {_shortened(source)!r} calls {changing}(), which would change the "
            "case it tests; a condition only reads the case's facts"
        )
    return None


def checked_condition_problem(source: str) -> str | None:
    """``condition_problem``, skipped for a source that passed it in an earlier run: the code
    cache keeps the passes, for this Jinja and these rules (parsing every condition of the
    library is a tenth of a command's start)."""
    return CODE_CACHE.checked(_CHECKED, source, condition_problem)


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


def condition_context(case: Case, facts: Mapping[str, Any]) -> dict[str, Any]:
    """What a condition sees of a case: its declared facts and the facts every case has."""
    complaint = ReadOnlyFields(fields_of(case.complaint))
    names = tuple(reason.reason for reason in case.reasons)
    return {
        "facts": ReadOnlyFields(dict(facts)),
        "reasons": names,
        "reason": names[0] if names else None,
        "complaint": complaint,
        "complainant": case.complainant.name if case.complainant else None,
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


_SHOWN_ITEMS = 10  # of a list, in a description of the facts a condition read


def _shown(value: Any) -> str:
    if value is None:
        return "(not given)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        # a long list shown by its first items: each run an outline placed describes its choice,
        # and n records in every one of a list's n items would be n * n
        shown = [_shown(item) for item in value[:_SHOWN_ITEMS]]
        if len(value) > _SHOWN_ITEMS:
            shown.append(f"… {len(value) - _SHOWN_ITEMS:,} more")
        return "[" + ", ".join(shown) + "]"
    text = str(value)
    return repr(text if len(text) <= 40 else text[:39] + "…")


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
            if compiled(condition.source)(**context):
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


_CHECKED = "conditions-{}.passed".format(
    hashlib.sha256(
        repr((jinja2.__version__, MAX_DEPTH, _WRAPPING, sorted(MUTATING_METHODS))).encode()
    ).hexdigest()[:16]
)
"""The file of the conditions ``condition_problem`` passed, named for what its answer depends on."""
