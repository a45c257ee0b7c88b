"""Compose a letter: the case's plan filled with wording from the clause library.

Pure: a Case and a Library in, a Letter out, no files touched. A Letter is what any output
format shows: the facts of its header, the Summary, the sections with their headings and
numbered paragraphs, and the sign-off. Each piece of text keeps its origin (the clause and
variant, or the case file's field) as it is built, so a letter can say where every sentence
came from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, overload

from attrs import frozen

from letters.facts import FACT_NAMES, case_facts
from letters.grammar import long_date, short_date
from letters.library import Library
from letters.model import Case, ClauseUse, Paragraph, ParamValue, Reason
from letters.problems import ClauseError, LettersError, LimitError, Location, combine

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
                raise ClauseError(
                    f"the case's reason {name!r} is not in the library "
                    f"(reasons: {', '.join(known) or 'none'})"
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
        self.context = self._context()

    def _context(self) -> dict[str, Any]:
        context = case_facts(self.case)
        reasons = [
            ReasonWords(reason, self.library, self._wording, f"reasons[{index}]")
            for index, reason in enumerate(self.case.reasons)
        ]
        context["reasons"] = Reasons(reasons)
        if reasons:
            context["reason"] = reasons[0]
        assert context.keys() <= FACT_NAMES, "a fact wording sees must be declared in facts.py"
        return context

    def _wording(self, clause_id: str, params: Mapping[str, ParamValue], field: str) -> str:
        """A clause's wording as one line of text, for use inside another clause.

        It takes those of ``params`` that it declares.
        """
        clause = self.library[clause_id]
        variant = clause.variant(on=self.case.decision_date)
        arguments = clause.arguments({k: v for k, v in params.items() if k in clause.params})
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
        try:
            clause = self.library[use.clause]
            variant = clause.variant(use.variant, on=self.case.decision_date)
            arguments = clause.arguments(use.params)
            context = {**self.context, **arguments} if arguments else self.context
            texts = self.library.render(clause, variant, context)
        except LimitError as error:  # the letter's budget is spent: stop, do not go on
            raise error.inside(Location(field=field)) from None
        except LettersError as error:
            self.problem(error, field)
            return []
        origin = Origin(
            field=field, clause=clause.id, variant=variant.name, file=clause.path, line=variant.line
        )
        included = tuple(dict.fromkeys(self._included))
        return [Text(text, origin, included) for text in texts]

    def paragraph(self, plan: Paragraph, field: str) -> list[LetterParagraph]:
        """A planned paragraph; a clause of several paragraphs starts new ones as it needs."""
        paragraphs: list[list[Text]] = [[]]
        for index, part in enumerate(plan):
            where = f"{field}[{index}]" if len(plan) > 1 else field
            if isinstance(part, str):
                paragraphs[-1].append(Text(part, Origin(field=where)))
                continue
            for number, text in enumerate(self.clause(part, where)):
                if number:
                    paragraphs.append([])
                paragraphs[-1].append(text)
        return [LetterParagraph(tuple(runs)) for runs in paragraphs if runs]

    def section(self, index: int) -> Section:
        plan = self.case.sections[index]
        field = f"sections[{index}]"
        heading = self.clause(ClauseUse(HEADINGS + plan.section), f"{field}.section")
        paragraphs = [
            paragraph
            for number, planned in enumerate(plan.paragraphs)
            for paragraph in self.paragraph(planned, f"{field}.paragraphs[{number}]")
        ]
        return Section(
            id=plan.section,
            heading=" ".join(text.text for text in heading),
            paragraphs=tuple(paragraphs),
            heading_origin=heading[0].origin if heading else None,
        )

    def problem(self, error: LettersError, field: str) -> None:
        """Record a problem met at a field of the case: its place sits within that field."""
        self.problems.append(error.inside(Location(field=field)))

    def letter(self) -> Letter:
        case = self.case
        sections = tuple(self.section(index) for index in range(len(case.sections)))
        summary_runs = [run for p in self.paragraph(case.summary, "summary") for run in p.runs]
        sign_off = self.paragraph((ClauseUse(SIGN_OFF),), "sign-off")
        title = self.paragraph((ClauseUse(TITLE),), "title")
        if self.problems:
            raise combine(self.problems)
        return Letter(
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
        )


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
