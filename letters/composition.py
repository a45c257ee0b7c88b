"""Compose a letter: the case's plan filled with wording from the clause library.

Pure: a Case and a Library in, a Letter out, no files touched. A Letter is what any output
format shows: the facts of its header, the Summary, the sections with their headings and
numbered paragraphs, and the sign-off. Each piece of text keeps its origin (the clause and
variant, or the case file's field) as it is built, so a letter can say where every sentence
came from.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any, overload

import attrs
from attrs import field, frozen

from letters import lists
from letters.deadlines import Deadline
from letters.facts import FACT_NAMES, FactDeclaration, Facts, case_facts
from letters.grammar import PersonWords, long_date, short_date
from letters.library import Clause, Library, Variant
from letters.limits import check_size, check_time
from letters.loading import read_facts, unmet_needs
from letters.model import (
    Case,
    ClauseUse,
    ListPart,
    Paragraph,
    ParamValue,
    Person,
    Reason,
    SectionPlan,
)
from letters.money import Money, total
from letters.outline import FILLS, Choice, Plan, choose, condition_context, furnished, plan_letter
from letters.problems import (
    CaseError,
    ClauseError,
    EmptyPlaceholder,
    LettersError,
    LimitError,
    Location,
    combine,
    did_you_mean,
)
from letters.wording import plain_values

HEADINGS = "headings/"
"""Where a section's heading is found: the heading of section "complaint" is headings/complaint."""

REASONS = "reasons/"
"""Where a reason's wordings are found: ``{{ reason.summary }}`` is reasons/<reason>/summary."""

PAGE_MARK, PAGES_MARK = "\ufdd2", "\ufdd3"
"""Where a named line says the page's number and the count of pages (``{{ page }}``,
``{{ pages }}``): noncharacters no case text can hold, which a Word document's PAGE and
NUMPAGES fields replace."""
SIGN_OFF = "letter/sign-off"
"""The clause that closes every letter."""

TITLE = "letter/title"
"""The clause that heads every letter: "The Ombudsman's final decision"."""

Wording = Callable[[str, Mapping[str, ParamValue], str], str]


@frozen
class Origin:
    """Where a piece of a letter came from: a clause (and its variant), or a field of the case."""

    field: str
    clause: str | None = None
    variant: str | None = None
    file: str | None = None
    line: int | None = None
    chosen: Choice | None = None  # the outline item that placed the clause, and why


@frozen
class Text:
    """A run of a paragraph's text and its origin.

    ``includes`` are the clauses whose wording the run's clause took in as it was rendered: the
    reason's wording in "This is because {{ reason.summary }}", say.
    """

    text: str
    origin: Origin
    includes: tuple[Origin, ...] = ()


def _joined(runs: tuple[Text, ...]) -> str:
    """Runs joined by spaces; a run that starts or ends a line needs no space there."""
    if len(runs) == 1:
        return runs[0].text
    text = ""
    for run in runs:
        if text and not text.endswith("\n") and not run.text.startswith("\n"):
            text += " "
        text += run.text
    return text


@frozen
class ListItem:
    """An item of a list in a paragraph, as runs of text: a bullet or a numbered item ("a)"),
    at its level (0: the first); or, of kind "text", the paragraph going on after its list."""

    runs: tuple[Text, ...]
    kind: str  # "bullet", "number" or "text"
    level: int = 0
    label: str = ""  # as text shows it: "•", "a)", "ii)"; Word numbers it itself
    number: int = 0  # a numbered item's place in its list: 1 for a)

    @property
    def text(self) -> str:
        return _joined(self.runs)


@frozen
class LetterParagraph:
    """One paragraph of the letter, as runs of text from the case and the library, and the
    items of the list it holds (if any) after them."""

    runs: tuple[Text, ...]
    items: tuple[ListItem, ...] = ()
    label: str = ""
    """Its number as every format prints it ("3.", "b."), by its section's numbering; "" for a
    paragraph not numbered (and for the header lines, the Summary and the sign-off)."""

    @property
    def lead(self) -> str:
        """The paragraph's text before its list: all of it when it holds none."""
        return _joined(self.runs)

    @property
    def text(self) -> str:
        """The paragraph as text: its list's items each on a line of its own, labelled."""
        text = _joined(self.runs)
        for item in self.items:
            if item.kind == "text":
                text += "\n" + item.text
            else:
                text += "\n" + "  " * item.level + item.label + " " + item.text
        return text


def paragraph_of(runs: list[Text]) -> LetterParagraph:
    """A paragraph of these runs, the items of its list (its runs' list marks) taken out."""
    mark = lists.MARK
    for run in runs:
        if mark in run.text:
            break
    else:
        return LetterParagraph(tuple(runs))
    lead: list[Text] = []
    items: list[tuple[str, int, list[Text]]] = []  # each item's kind, level and runs
    current = lead
    for run in runs:
        # the clauses a run took in go with its first piece only: a list of n remedies, each
        # worded by a clause, would otherwise name all n in each of its n items (n * n)
        includes = run.includes
        for piece in lists.split(run.text):
            if piece.kind is not None:
                current = []
                items.append((piece.kind, piece.level, current))
            if piece.text.strip():
                current.append(Text(piece.text.strip(), run.origin, includes))
                includes = ()
    labels = _labels([(kind, level) for kind, level, _ in items])
    return LetterParagraph(
        tuple(lead),
        tuple(
            ListItem(tuple(item_runs), kind, level, label, number)
            for (kind, level, item_runs), (label, number) in zip(items, labels, strict=True)
        ),
    )


def _labels(items: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Each item's label as text shows it, and its number: a bullet's sign by its level, a
    numbered item's number among the items of its list (counted again after a shallower
    item)."""
    labels: list[tuple[str, int]] = []
    counts = [0] * lists.LEVELS
    for kind, level in items:
        for deeper in range(level + 1, lists.LEVELS):
            counts[deeper] = 0
        if kind == "number":
            counts[level] += 1
            labels.append((lists.number_label(level, counts[level]), counts[level]))
        elif kind == "bullet":
            labels.append((lists.BULLET_SIGNS[level], 0))
        else:
            counts = [0] * lists.LEVELS
            labels.append(("", 0))
    return labels


@frozen
class Section:
    """A headed part of the letter ("The complaint") and its paragraphs, numbered as the
    outline says (``numbering``): ``continue`` on from the section before, ``restart`` from 1,
    ``none``, or ``letters`` (a., b. ...). A section with no paragraphs is a heading over the
    sections after it."""

    id: str
    heading: str
    paragraphs: tuple[LetterParagraph, ...]
    heading_origin: Origin | None = None
    numbering: str = "continue"
    level: int = 1
    """How deep its heading is: 1 for a section of the letter, 2 for a sub-section in one
    (the outline's ``sections`` under a section), and so on."""


CONTINUE, RESTART, UNNUMBERED, LETTERED = "continue", "restart", "none", "letters"
"""How a section's paragraphs are numbered (the outline's ``numbering``)."""


def labelled(sections: Sequence[Section]) -> tuple[Section, ...]:
    """The sections with each paragraph's label, by its section's numbering: one count runs
    on across the numbered sections (``continue``), starts again at 1 (``restart``), and
    stands still over sections not numbered and lettered ones, which start at a. each."""
    count = 0
    found: list[Section] = []
    for section in sections:
        if section.numbering == RESTART:
            count = 0
        labels: list[str] = []
        for number, _ in enumerate(section.paragraphs, start=1):
            if section.numbering == UNNUMBERED:
                labels.append("")
            elif section.numbering == LETTERED:
                labels.append(lists.number_label(0, number).removesuffix(")") + ".")
            else:
                count += 1
                labels.append(f"{count}.")
        paragraphs = tuple(
            attrs.evolve(paragraph, label=label) if paragraph.label != label else paragraph
            for paragraph, label in zip(section.paragraphs, labels, strict=True)
        )
        found.append(attrs.evolve(section, paragraphs=paragraphs))
    return tuple(found)


@frozen
class Letter:
    """A decision letter's content, ready for any output format."""

    sections: tuple[Section, ...]
    sign_off: LetterParagraph
    title: str = ""
    title_origin: Origin | None = None
    header: tuple[LetterParagraph, ...] = ()
    """The lines above the title, as the library words them (the body and reference,
    "Category : ...", ...): none where the outline places none."""
    facts: Mapping[str, Any] = field(factory=dict, eq=False, repr=False)
    """The facts the library declares, as the case gives them, as text (a records fact: a
    list of its records, each its kind and fields as text): what a Word template sees as
    ``letter.facts``, for a table with a row for each record."""
    summary: LetterParagraph | None = None
    lines: Mapping[str, str] = field(factory=dict)
    """The letter's other named lines, by name, as the library words them (layout.yaml's
    ``lines``): ``summary_label`` ("Summary:"), ``page_header`` ...; empty where no condition
    places its clause."""
    body_name: str | None = None
    reference: str | None = None
    category: str | None = None
    decision: str | None = None
    decision_date: str | None = None
    date: str | None = None
    complainant: str = ""
    address: tuple[str, ...] = ()
    about: str = ""
    numbered: bool = True
    outline: str | None = None
    conditions: Mapping[str, Any] | None = field(default=None, eq=False, repr=False)
    """What the outline's conditions saw of the case: the values behind each ``Origin.chosen``."""
    stage: str = "final"
    reckonings: tuple[Reckoning, ...] = ()
    """How each date and amount of the facts was reckoned (``letters explain``)."""
    actions: tuple[Action, ...] = ()
    """What the letter says the body will do, by when (the register keeps them)."""

    @property
    def paragraphs(self) -> Iterator[LetterParagraph]:
        """The sections' paragraphs, in order, each with its label."""
        for section in self.sections:
            yield from section.paragraphs


def _as_worded(facts: dict[str, Any]) -> dict[str, Any]:
    """A case's declared facts as wording sees them: a person fact is a person as the
    complainant is (``{{ representative }}``, ``.they``, ``| possessive``)."""
    return {
        name: PersonWords(value.name, value.pronouns) if isinstance(value, Person) else value
        for name, value in facts.items()
    }


class ReasonWords(Mapping[str, str]):
    """The wordings of one reason: ``{{ reason.final }}`` is clause reasons/<reason>/final.

    The reason's parameters (a tribunal's name, say) go to whichever of its clauses declares them.
    """

    def __init__(self, reason: Reason, library: Library, wording: Wording, field: str = "reasons"):
        self.reason = reason
        self.field = field
        self._library = library
        self._wording = wording

    def __getitem__(self, part: str) -> str:
        name = self.reason.reason
        clause_id = f"{REASONS}{name}/{part}"
        if clause_id not in self._library:
            known = reason_names(self._library)
            if name not in known:
                raise CaseError(
                    f"the case's reason {name!r} is not in the library "
                    f"(reasons: {', '.join(known) or 'none'})",
                    Location(field=self.field),
                )
            raise ClauseError(
                f"reason {name!r} has no {part!r} wording (no clause {clause_id}; "
                f"it has: {', '.join(self) or 'none'})"
            )
        return self._wording(clause_id, self.reason.params, self.field)

    def has(self, part: str) -> bool:
        """Whether the library has this reason's ``part`` wording."""
        return f"{REASONS}{self.reason.reason}/{part}" in self._library

    def __iter__(self) -> Iterator[str]:
        prefix = f"{REASONS}{self.reason.reason}/"
        return (c.id.removeprefix(prefix) for c in self._library if c.id.startswith(prefix))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __str__(self) -> str:
        return self.reason.reason


class Reasons(Sequence[ReasonWords]):
    """The case's reasons in order; ``{{ reasons.test }}`` lists each one's ``test`` wording."""

    def __init__(self, reasons: list[ReasonWords]):
        self._reasons = reasons

    @overload
    def __getitem__(self, index: int) -> ReasonWords: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[ReasonWords]: ...
    def __getitem__(self, index: int | slice) -> ReasonWords | Sequence[ReasonWords]:
        return self._reasons[index]

    def __len__(self) -> int:
        return len(self._reasons)

    def __getattr__(self, part: str) -> list[str]:
        """The ``part`` wording of each reason that has one: a reason can be the main one of
        one case and a secondary one of another, and a secondary reason (a late complaint, say)
        need not have every wording the main one has."""
        if part.startswith("_"):
            raise AttributeError(part)
        having = [reason for reason in self._reasons if reason.has(part)]
        if not having and self._reasons:
            return [self._reasons[0][part]]  # says which reason lacks it, or is not known
        return [reason[part] for reason in having]


_CASE_FIELDS = {
    "complainant": "complainant.name",
    "people": "people",
    "considered": "considered",
    "reason": "reasons[0]",
    "reasons": "reasons",
}
"""The case field behind a fact wording uses, where its name is not the field's."""


_FIELD_HEADS = ("complainant", "people", "considered", "reason", "complaint", "body", "facts")
"""The case fields a blank can be traced to and shown at."""


def _value_of(expression: str, context: Mapping[str, Any]) -> Any:
    """The value of a placeholder written ``name`` or ``name.attribute``, looked up plainly
    (no code run); None when it cannot be found."""
    head, *rest = expression.split(".")
    value: Any = context.get(head)
    for step in rest:
        if isinstance(value, Mapping):
            value = value.get(step)
        elif step in ("name", "called") and hasattr(value, step):
            value = getattr(value, step)
        else:
            return value
    return value


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, (list, tuple, Sequence)) and not isinstance(value, str):
        return all(_is_empty(item) for item in value)
    return not str(value).strip()


def _unknown_reason_params(reason: Reason, library: Library, index: int) -> list[LettersError]:
    """The parameters a case gives a reason that none of the reason's clauses takes."""
    prefix = f"{REASONS}{reason.reason}/"
    clauses = [clause for clause in library if clause.id.startswith(prefix)]
    if not reason.params or not clauses:  # a reason the library lacks is said where it is used
        return []
    takes = sorted({name for clause in clauses for name in clause.params})
    problems: list[LettersError] = []
    for name in reason.params:
        if name not in takes:
            hint = did_you_mean(name, takes)
            problems.append(
                CaseError(
                    f"reason {reason.reason!r} takes no parameter {name!r} "
                    f"(it takes: {', '.join(takes) or 'none'}){hint}",
                    Location(field=f"reasons[{index}].params.{name}"),
                )
            )
    return problems


class Due:
    """A deadline as wording reads it: ``{{ remedy.by }}`` is "within one month" or "by 30 June
    2025"; ``.date`` is the date it falls on ("23 April 2025"; none yet for a period in a
    draft decision, which runs from the final one), ``.period`` the period ("one month"),
    ``.is_date`` whether the case gave a date. Deadlines order by when they fall."""

    def __init__(self, deadline: Deadline, start: date | None, order_from: date | None = None):
        self.deadline = deadline
        self.start = start
        self.order_from = start or order_from  # a draft's deadlines order as the final's will
        due = deadline.due(start)
        self.date = long_date(due) if due is not None else None
        self.period = deadline.period
        self.is_date = deadline.is_date
        self.on = due

    def __str__(self) -> str:
        return f"by {self.date}" if self.deadline.is_date else f"within {self.period}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Due) and (self.deadline, self.start) == (
            other.deadline,
            other.start,
        )

    def __hash__(self) -> int:
        return hash((self.deadline, self.start))

    def __lt__(self, other: Due) -> bool:
        return self.deadline.sort_key(self.order_from) < other.deadline.sort_key(other.order_from)


plain_values(Due, ("date", "period", "is_date"))


class RecordWords(Mapping[str, Any]):
    """One record of a ``records`` fact (a remedy) as wording reads it: its ``kind``, its fields
    (an amount as "£300", a deadline as a ``Due``), and its wording: ``{{ remedy.wording }}`` is
    the clause of its kind (``remedies/payment``), ``{{ remedy.summary }}`` the clause
    ``remedies/summary/payment``. Each clause takes the fields it declares as parameters."""

    def __init__(
        self,
        record: Any,
        declaration: FactDeclaration,
        wording: Wording,
        field: str,
        start: date | None,
        order_from: date | None = None,
    ):
        self.record = record
        self.declaration = declaration
        self.field = field
        self._wording = wording
        self._values: dict[str, Any] = {"kind": record.kind}
        for declared in declaration.fields:
            value = getattr(record, declared.name)
            if isinstance(value, Deadline):
                value = Due(value, start, order_from)
            self._values[declared.name] = value

    def __getitem__(self, name: str) -> Any:
        if name in self._values:
            return self._values[name]
        folder = self.declaration.worded_by or self.declaration.name
        kind = self.record.kind
        clause_id = f"{folder}/{kind}" if name == "wording" else f"{folder}/{name}/{kind}"
        params = {key: value for key, value in self._values.items() if value is not None}
        return self._wording(clause_id, params, self.field)

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __str__(self) -> str:
        return str(self.record.kind)


plain_values(RecordWords)


@frozen
class Action:
    """Something a letter says the body will do, and by when: a record of a ``records`` fact
    with a deadline (a remedy), as the register keeps it to follow compliance up."""

    field: str  # facts.remedies[0]
    kind: str
    wording: str  # as the letter words it: "apologise to Mrs X for the delay"
    to: str
    deadline: str  # "within one month", "by 30 June 2025"
    due: date | None  # none yet in a draft, for a period from the final decision
    amount: Money | None = None


@frozen
class Reckoning:
    """A date or an amount the letter reckons from the facts, and how: for ``letters explain``."""

    field: str
    value: str
    how: str


def reason_names(library: Library) -> list[str]:
    """The reasons the library has wording for: the folders of ``reasons/``."""
    return sorted(
        {c.id.split("/")[1] for c in library if c.id.startswith(REASONS) and c.id.count("/") >= 2}
    )


class _Composer:
    """Composes one case, collecting every problem it meets."""

    def __init__(self, case: Case, library: Library):
        self.case = case
        self.library = library
        self.problems: list[LettersError] = []
        self._included: list[Origin] = []  # the clauses the clause being rendered took in
        self.facts: dict[str, Any] = {}
        try:
            self.facts = _as_worded(read_facts(case.facts, library.facts))
        except LettersError as error:
            self.problems.append(error)
        unmet = (
            unmet_needs(case, library.layout.case_needs, library.layout.path)
            if library.layout
            else []
        )
        if unmet:  # the wording's own complaints of the missing fields would only repeat them
            raise combine([*self.problems, *unmet])
        self.context = self._context()
        self.used: set[str] = set()  # the clauses the letter uses, for the case's "wording"
        self.plan = self._plan()
        self._given_sections = {id(given): index for index, given in enumerate(case.sections)}
        """The index of each section the case plans by hand, found at once for each section."""

    def _context(self) -> dict[str, Any]:
        context = case_facts(self.case)
        context["facts"] = Facts(self._worded_facts())
        reasons = [
            ReasonWords(reason, self.library, self._wording, f"reasons[{index}]")
            for index, reason in enumerate(self.case.reasons)
        ]
        for index, reason in enumerate(self.case.reasons):
            self.problems.extend(_unknown_reason_params(reason, self.library, index))
        context["reasons"] = Reasons(reasons)
        if reasons:
            context["reason"] = reasons[0]
        assert context.keys() <= FACT_NAMES, "a fact wording sees must be declared in facts.py"
        return context

    @property
    def _start(self) -> date | None:
        """The date a deadline's period runs from: the final decision's; a draft has none yet."""
        return self.case.decision_date if self.case.stage == "final" else None

    def _own_start(self, declaration: FactDeclaration) -> date | None:
        """The date a deadline of the letter's own runs from: the date fact it ``runs_from``
        (a draft's date), where the case gives it; else the decision date."""
        named = self.facts.get(declaration.runs_from) if declaration.runs_from else None
        return named if isinstance(named, date) else self.case.decision_date

    def _worded_facts(self) -> dict[str, Any]:
        """The declared facts as wording reads them: each record of a ``records`` fact a
        ``RecordWords``, a deadline a ``Due``; a fact the case does not give, its
        declaration's ``default`` (conditions test only what the case gives)."""
        reckoned = reckoned_facts(self.library.facts)
        defaults = {
            name: declaration.default
            for name, declaration in self.library.facts.items()
            if declaration.default is not None and self.facts.get(name) is None
        }
        if not reckoned and not defaults:
            return self.facts
        worded = {**self.facts, **defaults}
        for name, declaration in reckoned:
            value = worded.get(name)
            if value is None:
                continue
            if declaration.kind == "records":
                worded[name] = [
                    RecordWords(
                        record,
                        declaration,
                        self._wording,
                        f"facts.{name}[{number}]",
                        self._start,
                        self.case.decision_date,
                    )
                    for number, record in enumerate(value)
                ]
            elif declaration.kind == "deadline":  # the letter's own: from its date
                try:
                    worded[name] = Due(value, self._own_start(declaration))
                except CaseError:
                    if name not in defaults:
                        raise
                    del worded[name]  # a default no date can hold: only a letter using it fails
        return worded

    def _plain_facts(self) -> dict[str, Any]:
        """The declared facts as text for a template: a fact the case does not give is None,
        yes/no stays true or false, a records fact is a list of its records' fields."""
        start = self._start

        def shown(value: Any) -> Any:  # a deadline as the letter words it: "within one month"
            return _as_text(Due(value, start) if isinstance(value, Deadline) else value)

        plain: dict[str, Any] = {}
        for name, declaration in self.library.facts.items():
            value = self.facts.get(name)
            if declaration.kind == "records" and value is not None:
                names = ("kind", *(field.name for field in declaration.fields))
                plain[name] = [
                    {key: shown(getattr(record, key, None)) for key in names} for record in value
                ]
            else:
                plain[name] = shown(value)
        return plain

    def _furniture(
        self, planned: tuple[ClauseUse, ...] | None, clause_id: str, default: Paragraph | None
    ) -> Paragraph:
        """The title or the sign-off: the clause the outline places (or none), else, where the
        outline does not say, the library's own clause of that id; none where it has none."""
        if planned is not None:
            return planned
        if clause_id not in self.library.clauses:
            return ()
        return default if default is not None else (ClauseUse(clause_id),)

    def _paged(self, uses: tuple[ClauseUse, ...]) -> tuple[ClauseUse, ...]:
        """A named line's clauses, with the page's number and the count of pages where the
        clause takes them (``{{ page }}``, ``{{ pages }}``: a page footer), as the marks a Word
        document's fields replace."""
        paged = []
        for use in uses:
            clause = self.library.clauses.get(use.clause)
            marks = {
                name: mark
                for name, mark in (("page", PAGE_MARK), ("pages", PAGES_MARK))
                if clause is not None and name in clause.params and name not in use.params
            }
            paged.append(attrs.evolve(use, params={**use.params, **marks}) if marks else use)
        return tuple(paged)

    def _title(self) -> Paragraph:
        """The title: in the variant named after the letter's stage ("draft"), where the
        title clause has one."""
        clause = self.library.clauses.get(TITLE)
        if clause is not None and any(v.name == self.case.stage for v in clause.variants):
            return _STAGE_TITLES[self.case.stage]
        return _TITLE

    def reckonings(self) -> list[Reckoning]:
        """How each date and amount the facts give was reckoned: deadlines from the decision
        date and the bank holidays, amounts as given, and their totals."""
        found: list[Reckoning] = []
        # the library's own word for the decision a period runs from (layout.yaml's terms)
        start, since = self._start, f"the date of the {self.library.term('decision')}"

        def reckon(field: str, value: Any, own: FactDeclaration | None = None) -> Money | None:
            """``own``: the declaration of a deadline of the letter's own, from its date."""
            if isinstance(value, Deadline):
                begins = self._own_start(own) if own is not None else start
                due = Due(value, begins)
                how = value.explain(begins, "the date of this letter" if own else since)
                shown = f"{due} ({due.date})" if due.date and not value.is_date else str(due)
                found.append(Reckoning(field, shown, how))
            elif isinstance(value, Money):
                found.append(
                    Reckoning(field, str(value), f"as the case gives it: {value.amount} pounds")
                )
                return value
            return None

        for name, declaration in reckoned_facts(self.library.facts):
            value = self.facts.get(name)
            if value is None:
                continue
            if declaration.kind != "records":
                reckon(f"facts.{name}", value, own=declaration)
                continue
            amounts: list[tuple[str, Money]] = []
            for number, record in enumerate(value):
                for declared in declaration.fields:
                    field = f"facts.{name}[{number}].{declared.name}"
                    amount = reckon(field, getattr(record, declared.name))
                    if amount is not None:
                        amounts.append((field, amount))
            for per in dict.fromkeys(amount.per for _, amount in amounts):
                same = [(field, amount) for field, amount in amounts if amount.per == per]
                if len(same) > 1:
                    summed = total(amount for _, amount in same)
                    how = " + ".join(f"{amount} ({field})" for field, amount in same)
                    found.append(Reckoning(f"facts.{name}", f"{summed} in total", how))
        return found

    def _complainant_name(self) -> str:
        """Who a remedy is for when its record does not say: the complainant, else the
        library's word for them (its terms' ``complainant``: "the resident")."""
        if self.case.complainant is not None:
            return self.case.complainant.name
        return self.library.term("complainant")

    def actions(self) -> list[Action]:
        """What the letter says the body will do, by when: each record of a ``records`` fact
        that has a deadline, worded by its kind's clause."""
        found: list[Action] = []
        worded = self.context["facts"]
        for name, declaration in reckoned_facts(self.library.facts):
            if declaration.kind != "records" or not self.facts.get(name):
                continue
            deadlines = [f.name for f in declaration.fields if f.kind == "deadline"]
            amounts = [f.name for f in declaration.fields if f.kind == "money"]
            declares_to = any(f.name == "to" for f in declaration.fields)
            if not deadlines:
                continue
            for record in worded[name]:
                due: Due = record[deadlines[0]]
                amount = record[amounts[0]] if amounts else None
                # who a remedy is for, where the library declares it; else the complainant (a
                # record's other names are its kind's wordings, not fields: "to" is not one)
                to = record.get("to") if declares_to else None
                found.append(
                    Action(
                        field=record.field,
                        kind=record["kind"],
                        wording=str(record["wording"]),
                        to=to if isinstance(to, str) and to else self._complainant_name(),
                        deadline=str(due),
                        due=due.on,
                        amount=amount,
                    )
                )
        return found

    def _plan(self) -> Plan:
        """The letter's plan, and its own lines (header, title, sign-off) from the library's
        layout where the outline places none of its own."""
        plan = self._sections_plan()
        layout = self.library.layout
        if layout is None or (
            None not in (plan.header, plan.heading, plan.sign_off) and not layout.lines
        ):
            return plan
        try:
            context = plan.conditions or condition_context(self.case, self.facts)
            choices = dict(plan.choices)
            laid = furnished(layout, context, choices)
        except LettersError as error:
            self.problems.append(error)
            return plan
        return attrs.evolve(
            plan,
            choices=choices,
            conditions=context,
            header=plan.header if plan.header is not None else laid["header"],
            heading=plan.heading if plan.heading is not None else laid["heading"],
            sign_off=plan.sign_off if plan.sign_off is not None else laid["sign_off"],
            # an outline's own named line replaces the layout's of that name
            lines=tuple({**dict(laid["lines"]), **dict(plan.lines)}.items()),
        )

    def _sections_plan(self) -> Plan:
        """The letter's sections: from its outline (named, or chosen by the facts) with the
        case's own text and overrides, or the case's own sections."""
        case, library = self.case, self.library
        if case.outline is None and (case.sections or not library.outlines):
            if not case.sections:
                self.problems.append(
                    CaseError(
                        "missing: the case plans no sections, and the library has no outlines "
                        "to plan them",
                        Location(field="sections"),
                    )
                )
            return Plan(case.summary, case.sections, {}, case.numbered is not False)
        try:
            conditions = condition_context(case, self.facts)
            outline = (
                library.outline(case.outline)
                if case.outline is not None
                else choose(library.outlines, conditions)
            )
            return plan_letter(case, outline, conditions)
        except LettersError as error:
            self.problems.append(error)
            return Plan(case.summary, case.sections, {}, case.numbered is not False)

    def planned(self, clause_id: str) -> ClauseUse | None:
        """The first use of a clause in the letter's plan (the Summary, then the sections)."""
        paragraphs = [self.plan.summary, *(p for s in self.plan.sections for p in s.paragraphs)]
        for paragraph in paragraphs:
            for part in paragraph:
                if isinstance(part, ClauseUse) and part.clause == clause_id:
                    return part
        return None

    def _variant(self, clause: Clause, named: str | None) -> Variant:
        """The wording of a clause: the case's choice, else the plan's, else the one the fact
        the clause is ``chosen_by`` names, else by date."""
        self.used.add(clause.id)
        if named is None and clause.chosen_by is not None:
            chosen = self.facts.get(clause.chosen_by)
            named = chosen if isinstance(chosen, str) else None
        return clause.variant(self.case.wording.get(clause.id, named), on=self.case.decision_date)

    def _given(self, clause: Clause, params: Mapping[str, ParamValue]) -> Mapping[str, ParamValue]:
        """A clause's parameters: those given, and the case's facts of the same names."""
        if not clause.params:
            return params
        facts = self.facts
        from_facts = {  # the facts that can fill a parameter: text, a list of text, a person
            name: facts[name]
            for name in clause.params
            if name not in params and isinstance(facts.get(name), FILLS)
        }
        return {**from_facts, **params} if from_facts else params

    def _wording(self, clause_id: str, params: Mapping[str, ParamValue], field: str) -> str:
        """A clause's wording as one line of text, for use inside another clause.

        It takes those of ``params`` that it declares.
        """
        clause = self.library[clause_id]
        variant = self._variant(clause, None)
        given = self._given(clause, {k: v for k, v in params.items() if k in clause.params})
        arguments = clause.arguments(given)
        wording = " ".join(self.library.render(clause, variant, {**self.context, **arguments}))
        self._included.append(
            Origin(
                field=field,
                clause=clause.id,
                variant=variant.name,
                file=clause.path,
                line=variant.line,
            )
        )
        return wording

    def clause(self, use: ClauseUse, field: str) -> list[Text]:
        """The paragraphs of one clause use, as runs; a problem is recorded, not raised."""
        self._included = []
        choice = self.plan.choices.get(id(use))
        try:
            clause = self.library[use.clause]
            variant = self._variant(clause, use.variant)
            arguments = (
                clause.arguments(self._given(clause, use.params))
                if clause.params or use.params
                else None
            )
            context = {**self.context, **arguments} if arguments else self.context
            texts = self.library.render(clause, variant, context)
        except LimitError as error:  # the letter's budget is spent: stop, do not go on
            raise error.inside(self._where(field, choice, error)) from None
        except EmptyPlaceholder as error:
            blank, given = self._blank(error, clause, use, field)
            where = self._where(field, choice, blank)
            if where.within is not None and given.startswith(_FIELD_HEADS):
                where = attrs.evolve(where, within=Location(field=given))  # the case field
            self.problems.append(blank.inside(where))
            return []
        except LettersError as error:
            self.problems.append(error.inside(self._where(field, choice, error)))
            return []
        origin = Origin(field, clause.id, variant.name, clause.path, variant.line, choice)
        included = tuple(dict.fromkeys(self._included)) if self._included else ()
        return [Text(text, origin, included) for text in texts]

    def _blank(
        self, error: EmptyPlaceholder, clause: Clause, use: ClauseUse, field: str
    ) -> tuple[LettersError, str]:
        """A placeholder empty for this case, said with the case field that leaves it empty
        and the clause (a letter never holds a blank); and that field."""
        context = {**self.context, **self._given(clause, use.params)}
        expressions = error.expressions or ("...",)
        empty = next((e for e in expressions if _is_empty(_value_of(e, context))), expressions[0])
        head, _, rest = empty.partition(".")
        if head in clause.params:
            if head in use.params:
                given = f"{field}.params.{head}" if field else f"params.{head}"
            elif head in self.library.facts:
                given = f"facts.{head}"
            else:
                given = f"the default of parameter {head!r}"
        elif head == "facts":
            given = f"facts.{rest.split('.')[0]}"
        else:
            given = _CASE_FIELDS.get(head, head)
            if head in ("complaint", "body") and rest:
                given = f"{head}.{rest.split('.')[0]}"
        problem = error.problems[0]
        blank = ClauseError(
            f"clause {clause.id}: {{{{ {empty} }}}} is empty for this case ({given} gives "
            "nothing), and a letter never holds a blank: give it, or leave the clause out with "
            "a condition in the outline",
            problem.location,
        )
        return blank, given

    @staticmethod
    def _where(field: str, choice: Choice | None, error: LettersError) -> Location:
        """Where a clause use is: a field of the case, or an outline's line within the case.

        A problem of the case itself (a reason the library lacks) is the case's, not the
        outline's, wherever the outline uses it.
        """
        if choice is None or field or isinstance(error, CaseError):
            return Location(field=field or None)
        return Location(file=choice.file, line=choice.line, within=Location())

    def paragraph(self, plan: Paragraph, field: str) -> list[LetterParagraph]:
        """A planned paragraph; a clause of several paragraphs starts new ones as it needs."""
        paragraphs: list[list[Text]] = [[]]
        planned = self.plan.fields.get(id(plan))
        check_time()
        for index, part in enumerate(plan):
            if planned is not None:
                where = planned[index]
            else:
                where = f"{field}[{index}]" if len(plan) > 1 and field else field
            if isinstance(part, str):
                paragraphs[-1].append(Text(part, Origin(field=where)))
                continue
            if isinstance(part, ListPart):
                paragraphs[-1].extend(_list_runs(part, where))
                continue
            for number, text in enumerate(self.clause(part, where)):
                if number:
                    paragraphs.append([])
                paragraphs[-1].append(text)
        return [paragraph_of(runs) for runs in paragraphs if runs]

    def section(self, plan: SectionPlan) -> Section:
        check_time()  # a letter of many sections of the case's own text renders no clause
        fields = self._fields(plan)
        field = fields[0]
        heading = self.clause(_heading(plan.section), f"{field}.section" if field else "")
        paragraphs = [
            paragraph
            for number, planned in enumerate(plan.paragraphs)
            for paragraph in self.paragraph(planned, fields[1](number, planned))
        ]
        return Section(
            id=plan.section,
            heading=" ".join(text.text for text in heading),
            paragraphs=tuple(paragraphs),
            heading_origin=heading[0].origin if heading else None,
            numbering=self.plan.numbering_of(plan.section),
            level=self.plan.level_of(plan.section),
        )

    def _fields(self, plan: SectionPlan) -> tuple[str, Any]:
        """The case file's field of a section and of each of its paragraphs: a section the case
        plans by hand is ``sections[i]``; what an outline plans has its fields in the plan."""
        index = self._given_sections.get(id(plan))
        if index is None or self.case.sections[index] is not plan:
            return "", lambda _, __: ""
        field = f"sections[{index}]"
        return field, lambda n, _, field=field: f"{field}.paragraphs[{n}]"

    def letter(self) -> Letter:
        case = self.case
        headings = self.plan.headings  # sections that are only a heading: they stay
        composed = [
            (section, bool(section.paragraphs) or id(plan) in self._given_sections)
            for plan in self.plan.sections
            for section in [self.section(plan)]
        ]
        # a section over sub-sections stays while one of them does; an outline's section that
        # places nothing for this case goes
        held = {section.id for section, kept in composed if kept}
        for child in list(held):
            while (child := self.plan.parents.get(child, "")) and child not in held:
                held.add(child)
        sections = labelled(
            [section for section, _ in composed if section.id in held or section.id in headings]
        )
        summary_field = "summary" if case.summary else ""  # else the plan's fields say
        summary_runs = [
            run for p in self.paragraph(self.plan.summary, summary_field) for run in p.runs
        ]
        sign_off = self.paragraph(self._furniture(self.plan.sign_off, SIGN_OFF, None), "sign-off")
        title = self.paragraph(self._furniture(self.plan.heading, TITLE, self._title()), "title")
        header = [
            line for use in self.plan.header or () for line in self.paragraph((use,), "header")
        ]
        lines = {
            name: " ".join(p.text for p in self.paragraph(self._paged(uses), f"lines.{name}"))
            for name, uses in self.plan.lines
        }
        for clause_id in case.wording:
            if clause_id not in self.used:
                self.problems.append(
                    ClauseError(
                        f"the letter uses no clause {clause_id!r} to choose the wording of",
                        Location(field=f"wording.{clause_id}"),
                    )
                )
        if self.problems:
            raise combine(self.problems)
        letter = Letter(
            sections=sections,
            sign_off=sign_off[0] if sign_off else LetterParagraph(()),
            title=title[0].text if title else "",
            title_origin=title[0].runs[0].origin if title else None,
            header=tuple(header),
            lines=lines,
            facts=self._plain_facts(),
            summary=LetterParagraph(tuple(summary_runs)) if summary_runs else None,
            body_name=case.body.name,
            reference=case.reference,
            category=case.category,
            decision=case.decision,
            decision_date=short_date(case.decision_date) if case.decision_date else None,
            date=long_date(case.decision_date) if case.decision_date else None,
            complainant=case.complainant.name if case.complainant else "",
            address=case.complainant.address if case.complainant else (),
            about=case.complaint.about or "",
            numbered=self.plan.numbered,
            outline=self.plan.outline.name if self.plan.outline else None,
            conditions=self.plan.conditions,
            stage=case.stage,
            reckonings=tuple(self.reckonings()),
            actions=tuple(self.actions()),
        )
        check_size(characters(letter), "a letter")
        return letter


def characters(letter: Letter) -> int:
    """How many characters of text a letter holds: what the letter size limit counts."""
    paragraphs = [letter.sign_off, *letter.header, *letter.paragraphs]
    if letter.summary is not None:
        paragraphs.append(letter.summary)
    return (
        sum(len(run.text) for paragraph in paragraphs for run in paragraph.runs)
        + sum(len(section.heading) for section in letter.sections)
        + len(letter.title)
    )


def _as_text(value: Any) -> Any:
    """A fact's value as a template shows it: text, or true/false, or None."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (list, tuple)):
        return [_as_text(item) for item in value]
    return str(value)


def _list_runs(part: ListPart, field: str, level: int = 0) -> list[Text]:
    """The caseworker's list as runs, each item's text after its mark, with the field that
    holds it (``text.what-i-found[2][1].list[0]``); a list in a list one level down."""
    kind = lists.NUMBER if part.numbered else lists.BULLET
    runs: list[Text] = []
    for number, item in enumerate(part.list):
        at = f"{field}.list[{number}]" if field else ""
        if isinstance(item, ListPart):
            runs.extend(_list_runs(item, at, level + 1))
        else:
            runs.append(Text(lists.mark(kind, level) + item, Origin(field=at)))
    return runs


_RECKONED: dict[int, tuple[Mapping[str, FactDeclaration], tuple[Any, ...]]] = {}


def reckoned_facts(
    declarations: Mapping[str, FactDeclaration],
) -> tuple[tuple[str, FactDeclaration], ...]:
    """The declared facts whose values are reckoned (records, deadlines, amounts): worked
    out once for each library's declarations."""
    found = _RECKONED.get(id(declarations))
    if found is None or found[0] is not declarations:
        if len(_RECKONED) >= 32:  # libraries read again (letters serve): the old ones go
            _RECKONED.clear()
        kinds = ("records", "deadline", "money")
        found = _RECKONED[id(declarations)] = (
            declarations,
            tuple((name, d) for name, d in declarations.items() if d.kind in kinds),
        )
    return found[1]


_STAGE_TITLES = {stage: (ClauseUse(TITLE, stage),) for stage in ("draft", "final")}
_TITLE = (ClauseUse(TITLE),)


@functools.lru_cache(maxsize=256)
def _heading(section: str) -> ClauseUse:
    return ClauseUse(HEADINGS + section)


def compose(case: Case, library: Library, *, source: str | None = None) -> Letter:
    """Compose the letter for a case from the clause library; report every problem together.

    ``source`` names the case file in errors.
    """
    try:
        return _Composer(case, library).letter()
    except LettersError as error:
        raise error.at(source) from None


def compose_clause(
    case: Case, library: Library, use: ClauseUse, *, source: str | None = None
) -> tuple[LetterParagraph, ...]:
    """One clause as it reads in the letter for a case: its paragraphs. Where the case's plan
    places the clause, its variant and parameters are the plan's (the outline's, with the
    case's facts), unless ``use`` names others."""
    composer = _Composer(case, library)
    planned = composer.planned(use.clause)
    if planned is not None:
        use = ClauseUse(
            use.clause, use.variant or planned.variant, {**planned.params, **use.params}
        )
    paragraphs = composer.paragraph((use,), "clause")
    if composer.problems:
        raise combine(composer.problems).at(source)
    return tuple(paragraphs)
