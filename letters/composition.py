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
from typing import Any, overload

from attrs import field, frozen

from letters.facts import FACT_NAMES, Facts, case_facts
from letters.grammar import long_date, short_date
from letters.library import Clause, Library, Variant
from letters.limits import check_size, check_time
from letters.loading import read_facts
from letters.model import Case, ClauseUse, Paragraph, ParamValue, Reason, SectionPlan
from letters.outlines import Choice, Plan, choose, condition_context, plan_letter
from letters.problems import CaseError, ClauseError, LettersError, LimitError, Location, combine

HEADINGS = "headings/"
"""Where a section's heading is found: the heading of section "complaint" is headings/complaint."""

REASONS = "reasons/"
"""Where a reason's wordings are found: ``{{ reason.summary }}`` is reasons/<reason>/summary."""

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


@frozen
class LetterParagraph:
    """One paragraph of the letter, as runs of text from the case and the library."""

    runs: tuple[Text, ...]

    @property
    def text(self) -> str:
        """The runs joined by spaces; a run that starts or ends a line needs no space there."""
        if len(self.runs) == 1:
            return self.runs[0].text
        text = ""
        for run in self.runs:
            if text and not text.endswith("\n") and not run.text.startswith("\n"):
                text += " "
            text += run.text
        return text


@frozen
class Section:
    """A headed part of the letter ("The complaint") and its numbered paragraphs."""

    id: str
    heading: str
    paragraphs: tuple[LetterParagraph, ...]
    heading_origin: Origin | None = None


@frozen
class Letter:
    """A decision letter's content, ready for any output format."""

    sections: tuple[Section, ...]
    sign_off: LetterParagraph
    title: str = ""
    title_origin: Origin | None = None
    summary: LetterParagraph | None = None
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

    @property
    def paragraphs(self) -> Iterator[LetterParagraph]:
        """The numbered paragraphs, in order: numbering runs on across sections."""
        for section in self.sections:
            yield from section.paragraphs


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
            raise ClauseError(f"reason {name!r} has no {part!r} wording (no clause {clause_id})")
        return self._wording(clause_id, self.reason.params, self.field)

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
        if part.startswith("_"):
            raise AttributeError(part)
        return [reason[part] for reason in self._reasons]


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
            self.facts = read_facts(case.facts, library.facts)
        except LettersError as error:
            self.problems.append(error)
        self.context = self._context()
        self.used: set[str] = set()  # the clauses the letter uses, for the case's "wording"
        self.plan = self._plan()
        self._given_sections = {id(given): index for index, given in enumerate(case.sections)}
        """The index of each section the case plans by hand, found at once for each section."""

    def _context(self) -> dict[str, Any]:
        context = case_facts(self.case)
        context["facts"] = Facts(self.facts)
        reasons = [
            ReasonWords(reason, self.library, self._wording, f"reasons[{index}]")
            for index, reason in enumerate(self.case.reasons)
        ]
        context["reasons"] = Reasons(reasons)
        if reasons:
            context["reason"] = reasons[0]
        assert context.keys() <= FACT_NAMES, "a fact wording sees must be declared in facts.py"
        return context

    def _plan(self) -> Plan:
        """The letter's plan: from its outline (named, or chosen by the facts) with the case's
        own text and overrides, or the case's own sections."""
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

    def _variant(self, clause: Clause, named: str | None) -> Variant:
        """The wording of a clause: the case's choice, else the plan's, else by date."""
        self.used.add(clause.id)
        return clause.variant(self.case.wording.get(clause.id, named), on=self.case.decision_date)

    def _given(self, clause: Clause, params: Mapping[str, ParamValue]) -> Mapping[str, ParamValue]:
        """A clause's parameters: those given, and the case's facts of the same names."""
        if not clause.params:
            return params
        facts = self.facts
        from_facts = {  # the facts that can fill a parameter: text, or a list of text
            name: facts[name]
            for name in clause.params
            if name not in params and isinstance(facts.get(name), (str, tuple))
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
        except LettersError as error:
            self.problems.append(error.inside(self._where(field, choice, error)))
            return []
        origin = Origin(field, clause.id, variant.name, clause.path, variant.line, choice)
        included = tuple(dict.fromkeys(self._included)) if self._included else ()
        return [Text(text, origin, included) for text in texts]

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
            for number, text in enumerate(self.clause(part, where)):
                if number:
                    paragraphs.append([])
                paragraphs[-1].append(text)
        return [LetterParagraph(tuple(runs)) for runs in paragraphs if runs]

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
        sections = tuple(
            section
            for plan in self.plan.sections
            for section in [self.section(plan)]
            if section.paragraphs or id(plan) in self._given_sections  # an outline's empty one goes
        )
        summary_field = "summary" if case.summary else ""  # else the plan's fields say
        summary_runs = [
            run for p in self.paragraph(self.plan.summary, summary_field) for run in p.runs
        ]
        sign_off = self.paragraph(_SIGN_OFF, "sign-off")
        title = self.paragraph(_TITLE, "title")
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
            summary=LetterParagraph(tuple(summary_runs)) if summary_runs else None,
            body_name=case.body.name,
            reference=case.reference,
            category=case.category,
            decision=case.decision,
            decision_date=short_date(case.decision_date) if case.decision_date else None,
            date=long_date(case.decision_date) if case.decision_date else None,
            complainant=case.complainant.name,
            address=case.complainant.address,
            about=case.complaint.about,
            numbered=self.plan.numbered,
            outline=self.plan.outline.name if self.plan.outline else None,
            conditions=self.plan.conditions,
        )
        check_size(characters(letter), "a letter")
        return letter


def characters(letter: Letter) -> int:
    """How many characters of text a letter holds: what the letter size limit counts."""
    paragraphs = [letter.sign_off, *letter.paragraphs]
    if letter.summary is not None:
        paragraphs.append(letter.summary)
    return (
        sum(len(run.text) for paragraph in paragraphs for run in paragraph.runs)
        + sum(len(section.heading) for section in letter.sections)
        + len(letter.title)
    )


_SIGN_OFF = (ClauseUse(SIGN_OFF),)
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
    """One clause as it reads in the letter for a case: its paragraphs."""
    composer = _Composer(case, library)
    paragraphs = composer.paragraph((use,), "clause")
    if composer.problems:
        raise combine(composer.problems).at(source)
    return tuple(paragraphs)
