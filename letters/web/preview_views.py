"""What the preview's pages show, worked out from the library and the letters composed with it.

These are pure functions: they read no file and no request. ``letters.web.preview`` composes the
letters and serves the pages; the templates of ``letters/web/pages/`` set out what is made here
(and escape every value of it). A letter is shown as blocks, each run of its text with its origin
beside it; the index of letters is searched and filtered; a clause is shown with its wordings,
what picks each, and the letters that use each.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import date
from pathlib import PurePath
from typing import Any

import attrs
from attrs import define, field, frozen

from letters.composition import REASONS, Letter
from letters.library import Clause, Library, Variant
from letters.model import Case
from letters.outline import FactValueOf, Item, Outline
from letters.problems import LettersError
from letters.search import normalised

HITS_SHOWN = 3
"""The sentences shown under a letter the index's search found, at most."""
_SENTENCE = re.compile(r"(?<=[.!?:])\s+(?=[A-Z‘“'\"(])")
_QUOTE_CLASSES = {"'": "['‘’]", '"': '["“”]'}


# A letter, block by block ---------------------------------------------------------------------


@frozen
class Placed:
    """Why an outline placed a clause: the outline, its file and line, the condition, and the
    facts it read with their values."""

    outline: str
    file: str
    line: int
    when: str | None
    facts: tuple[str, ...]


@frozen
class OriginNote:
    """Where a run of text came from, as the margin beside it shows: a clause (its variant,
    file and line, and why an outline placed it) or the case file's field; and the clauses it
    took in (a reason's wording)."""

    field: str
    clause: str | None = None
    variant: str | None = None
    file: str | None = None
    line: int | None = None
    placed: Placed | None = None
    includes: tuple[OriginNote, ...] = ()


@frozen
class Word:
    text: str
    marked: bool = False
    """Changed since the letter was last shown."""


@frozen
class RunView:
    """A run of a letter's text: its words (line by line), its origin, its place in the letter."""

    number: int
    lines: tuple[tuple[Word, ...], ...]
    origin: OriginNote
    picked: bool = False
    """Of the clause the page was asked to point out (``?clause=``)."""


@define
class ListItemView:
    """An item of a paragraph's list, and the lists under it."""

    runs: tuple[RunView, ...]
    lists: list[ListView] = field(factory=list)


@define
class ListView:
    numbered: bool
    items: list[ListItemView] = field(factory=list)


@frozen
class Piece:
    """A piece of a paragraph: its runs (``runs``), a list (``list``), or the paragraph going
    on after its list (``after``)."""

    kind: str
    runs: tuple[RunView, ...] = ()
    list: ListView | None = None


@frozen
class ParagraphView:
    anchor: str
    pieces: tuple[Piece, ...]


@frozen
class Numbering:
    """How a section's paragraphs are numbered (``style``): ``numbers`` or ``letters`` from its
    first label's (``start``: 1 for "1." and "a."), or ``plain``, not at all."""

    style: str
    start: int


@frozen
class Block:
    """A block of the letter: ``facts`` (the header's lines), ``title``, ``summary``,
    ``heading``, ``paragraphs`` (a section's, one list) or ``sign-off``."""

    kind: str
    anchor: str = ""
    runs: tuple[RunView, ...] = ()
    lines: tuple[str, ...] = ()
    numbering: Numbering | None = None
    paragraphs: tuple[ParagraphView, ...] = ()
    label: str = ""
    """The Summary's label, as the library words it ("Summary:")."""
    level: int = 1
    """A heading's level: 1 for a section's, 2 for a sub-section's ..."""


def origin_note(record: Mapping[str, Any]) -> OriginNote:
    """A run's origin, from its provenance record (``letters.provenance``)."""
    chosen = record.get("chosen")
    placed = None
    if chosen:
        placed = Placed(
            chosen["outline"],
            chosen["file"],
            chosen["line"],
            chosen.get("when"),
            tuple(chosen.get("facts") or ()),
        )
    return OriginNote(
        field=record.get("field") or "",
        clause=record.get("clause"),
        variant=record.get("variant"),
        file=record.get("file"),
        line=record.get("line"),
        placed=placed,
        includes=tuple(origin_note(included) for included in record.get("includes", ())),
    )


def changed_words(before: str | None, now: str) -> set[str]:
    """The words of ``now`` that are not in ``before`` where they stand: none when there was
    no text before, or it is the same."""
    if before is None or before == now:
        return set()
    old, new = before.split(" "), now.split(" ")
    changed: set[str] = set()
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, _, _, start, end in matcher.get_opcodes():
        if tag != "equal":
            changed.update(new[start:end])
    return changed


class _Runs:
    """Makes a letter's runs, numbered in order through the letter."""

    def __init__(self, highlight: str | None, count: int = 0):
        self.highlight = highlight
        self.count = count  # the runs made so far

    def __call__(
        self, runs: Iterable[Mapping[str, Any]], changed: Collection[str]
    ) -> tuple[RunView, ...]:
        made = []
        for run in runs:
            self.count += 1
            lines = tuple(
                tuple(Word(word, word in changed) for word in line.split(" "))
                for line in run["text"].split("\n")
            )
            origin = origin_note(run)
            picked = self.highlight is not None and self.highlight in (
                origin.clause,
                *(included.clause for included in origin.includes),
            )
            made.append(RunView(self.count, lines, origin, picked))
        return tuple(made)


def paragraph_view(
    part: Mapping[str, Any], changed: Collection[str] = (), first_run: int = 0
) -> ParagraphView:
    """A paragraph of a provenance record (its runs numbered from ``first_run`` + 1), with the
    words ``changed`` marked."""
    return ParagraphView("", _pieces(part, changed, _Runs(None, first_run)))


def _pieces(part: Mapping[str, Any], changed: Collection[str], runs: _Runs) -> tuple[Piece, ...]:
    """A paragraph's pieces: its text, the items of its list as lists (numbered items a), b)
    ..., bullets, a list inside an item), and its text after the list."""
    pieces = [Piece("runs", runs([run for run in part["runs"] if "item" not in run], changed))]
    opened: list[ListView] = []  # the lists open, the deepest last
    for number, item in enumerate(part.get("items") or ()):
        item_runs = runs([run for run in part["runs"] if run.get("item") == number], changed)
        if item["kind"] == "text":  # the list ends; the paragraph goes on
            opened = []
            pieces.append(Piece("after", item_runs))
            continue
        level = min(item["level"], len(opened))  # a list opens one level deeper at most
        del opened[level + 1 :]
        if len(opened) == level:  # a list opens: at the top, or under the item before
            made = ListView(numbered=item["kind"] == "number")
            if opened:
                opened[-1].items[-1].lists.append(made)
            else:
                pieces.append(Piece("list", list=made))
            opened.append(made)
        opened[level].items.append(ListItemView(item_runs))
    return tuple(piece for piece in pieces if piece.kind != "runs" or piece.runs)


def numbering(label: str, number: int) -> Numbering:
    """How a section's paragraphs are numbered, from its first paragraph's label: numbered from
    that label's number, lettered from its letter, or plain (no numbers shown)."""
    if not label:
        return Numbering("plain", number)
    mark = label.removesuffix(".")
    if mark.isdigit():
        return Numbering("numbers", int(mark))
    start = 0
    for letter in mark:  # a. is 1, z. 26, aa. 27
        start = start * 26 + ord(letter) - ord("a") + 1
    return Numbering("letters", start)


def letter_blocks(
    record: Mapping[str, Any], before: Sequence[str] = (), highlight: str | None = None
) -> list[Block]:
    """A letter's provenance record (``letters.provenance.provenance_of``) as blocks, each run
    with its origin; the words changed since the texts ``before`` (of each part) marked; the
    runs of clause ``highlight`` pointed out."""
    runs = _Runs(highlight)
    parts = record["parts"]
    blocks = [
        Block("facts", lines=tuple(part["text"] for part in parts if part["part"] == "header"))
    ]
    paragraphs: list[ParagraphView] = []
    first_label: tuple[str, int] = ("", 1)

    def end_section() -> None:
        if paragraphs:
            blocks.append(
                Block(
                    "paragraphs",
                    numbering=numbering(*first_label),
                    paragraphs=tuple(paragraphs),
                )
            )
            paragraphs.clear()

    for index, part in enumerate(parts):
        kind, anchor = part["part"], f"part-{index}"
        if kind == "header":  # shown above, in the facts
            continue
        old = before[index] if index < len(before) else None
        changed = changed_words(old, part["text"]) if before else set()
        if kind == "paragraph":
            if not paragraphs:  # a section's paragraphs share its numbering: one list each
                first_label = (part.get("label") or "", part.get("number") or 1)
            paragraphs.append(ParagraphView(anchor, _pieces(part, changed, runs)))
            continue
        if kind in ("heading", "sign-off"):  # the section's paragraphs end here
            end_section()
        blocks.append(
            Block(
                kind,
                anchor,
                runs(part["runs"], changed),
                label=part.get("label") or "",
                level=part.get("level") or 1,
            )
        )
    end_section()
    return blocks


def clauses_in(record: Mapping[str, Any]) -> list[str]:
    """The clauses a letter took wording from (reasons' wording too), in the order it first
    uses them."""
    found: dict[str, None] = {}
    for part in record["parts"]:
        for run in part["runs"]:
            for origin in (run, *run.get("includes", ())):
                if origin.get("clause"):
                    found.setdefault(origin["clause"], None)
    return list(found)


# The index of letters -------------------------------------------------------------------------


@frozen
class Composed:
    """A case's letter as the preview composed it: the case, the letter and its provenance
    record; or the problem that stopped it."""

    number: int
    path: str
    name: str
    case: Case | None = None
    letter: Letter | None = None
    record: Mapping[str, Any] | None = None
    problem: LettersError | None = None


@frozen
class Filters:
    """What the index is asked for: text to find, and a body, outline, reason and decision
    ("" for any)."""

    q: str = ""
    body: str = ""
    outline: str = ""
    reason: str = ""
    decision: str = ""

    @classmethod
    def of(cls, query: Mapping[str, str]) -> Filters:
        return cls(**{name: query.get(name, "").strip() for name in FILTERS})

    @property
    def asked(self) -> bool:
        return any(getattr(self, name) for name in FILTERS)


FILTERS = ("q", "body", "outline", "reason", "decision")


@frozen
class Hit:
    """A sentence of a letter that holds the text searched for: the part it is in, and the
    sentence split around what matched."""

    anchor: str
    before: str
    found: str
    after: str


@frozen
class LetterRow:
    number: int
    name: str
    about: str = ""
    """What the complaint is about, in the case's words."""
    body: str = ""
    outline: str = ""
    reasons: tuple[str, ...] = ()
    decision: str = ""
    decision_date: str = ""
    problem: str | None = None
    hits: tuple[Hit, ...] = ()
    more_hits: int = 0


@frozen
class Choices:
    """The values the index's filters offer: those of the letters."""

    bodies: tuple[str, ...]
    outlines: tuple[str, ...]
    reasons: tuple[str, ...]
    decisions: tuple[str, ...]


@frozen
class IndexView:
    rows: tuple[LetterRow, ...]
    total: int
    filters: Filters
    choices: Choices


def letter_row(composed: Composed) -> LetterRow:
    """What the index says of a letter: what its case complains about, its body, reasons,
    decision and date, and the outline that planned it; and the problem that stopped it."""
    case, letter = composed.case, composed.letter
    problem = str(composed.problem) if composed.problem is not None else None
    if case is None:
        return LetterRow(composed.number, composed.name, problem=problem)
    return LetterRow(
        composed.number,
        composed.name,
        about=case.complaint.about or "",
        body=case.body.name or "",
        outline=(letter.outline if letter is not None else case.outline) or "",
        reasons=tuple(reason.reason for reason in case.reasons),
        decision=case.decision or "",
        decision_date=case.decision_date.isoformat() if case.decision_date else "",
        problem=problem,
    )


def index_view(letters: Sequence[Composed], filters: Filters) -> IndexView:
    """The index of letters: those that fit the filters and hold the text searched for (in
    their words or their file's name), each with the sentences that hold it."""
    rows = [letter_row(composed) for composed in letters]
    choices = Choices(
        bodies=_values(row.body for row in rows),
        outlines=_values(row.outline for row in rows),
        reasons=_values(reason for row in rows for reason in row.reasons),
        decisions=_values(row.decision for row in rows),
    )
    shown = []
    for composed, row in zip(letters, rows, strict=True):
        if not _fits(row, filters):
            continue
        if filters.q:
            hits = list(_hits(composed.record, filters.q))
            if not hits and normalised(filters.q) not in normalised(composed.name):
                continue
            row = attrs.evolve(
                row, hits=tuple(hits[:HITS_SHOWN]), more_hits=max(len(hits) - HITS_SHOWN, 0)
            )
        shown.append(row)
    return IndexView(tuple(shown), len(rows), filters, choices)


def _values(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({value for value in values if value}, key=str.casefold))


def _fits(row: LetterRow, filters: Filters) -> bool:
    return (
        (not filters.body or row.body == filters.body)
        and (not filters.outline or row.outline == filters.outline)
        and (not filters.reason or filters.reason in row.reasons)
        and (not filters.decision or row.decision == filters.decision)
    )


def _hits(record: Mapping[str, Any] | None, query: str) -> Iterator[Hit]:
    """The sentences of a letter that hold ``query``, compared as the library's search
    compares wording: straight or curly quotes, any white space, any case."""
    wanted = normalised(query)
    if record is None or not wanted:
        return
    pattern = _pattern(wanted)
    for index, part in enumerate(record["parts"]):
        text = " ".join(part["text"].split())
        if wanted not in normalised(text):
            continue
        for sentence in _SENTENCE.split(text):
            found = pattern.search(sentence)
            if found is not None:
                yield Hit(
                    f"part-{index}",
                    sentence[: found.start()],
                    found.group(),
                    sentence[found.end() :],
                )


def _pattern(wanted: str) -> re.Pattern[str]:
    """A pattern that finds normalised text in text as written."""
    pieces = []
    for character in wanted:
        if character == " ":
            pieces.append(r"\s+")
        else:
            pieces.append(_QUOTE_CLASSES.get(character) or re.escape(character))
    return re.compile("".join(pieces), re.IGNORECASE)


# A clause: its wordings, what picks each, the letters that use each ----------------------------


@frozen
class Placement:
    """Where an outline (or the library's layout) places a clause, and the wording it asks for."""

    outline: str
    file: str
    line: int
    section: str
    when: str | None
    wording: str


@frozen
class Use:
    """A letter that uses a wording of the clause, why that wording, and why the clause is
    there."""

    number: int
    name: str
    why: str
    placed: Placed | None = None
    within: str | None = None
    """The clause whose wording took this one in (a reason's wording), if any."""


@frozen
class VariantView:
    name: str
    about: str
    in_force_from: date | None
    in_force_until: date | None
    wording: str
    picked_by: tuple[str, ...]
    uses: tuple[Use, ...]


@frozen
class ParamView:
    name: str
    about: str
    default: str | None


@frozen
class ClauseView:
    id: str
    title: str
    file: str
    params: tuple[ParamView, ...]
    variants: tuple[VariantView, ...]
    placements: tuple[Placement, ...]
    reason: str | None
    unused: bool
    """No letter of the preview uses it."""


def _outlines(library: Library) -> list[Outline]:
    """The library's outlines, and its layout (the letter's own lines), which places clauses
    as an outline does."""
    laid = list(library.outlines.values())
    if library.layout is not None:
        laid.append(library.layout)
    return laid


def _wording_asked(item: Item) -> str:
    if isinstance(item.variant, FactValueOf):
        return f"the wording the fact {item.variant.fact} names"
    if isinstance(item.variant, str):
        return f"the wording {item.variant!r}"
    return "the case's, else by the decision date"


def placements(library: Library, clause_id: str) -> list[Placement]:
    """Every item of an outline (or the layout) that places the clause."""
    found = []
    for outline in _outlines(library):
        for section, item in outline.items():
            if item.clause == clause_id:
                when = item.when.source if item.when is not None else None
                found.append(
                    Placement(
                        outline.name, outline.path, item.line, section, when, _wording_asked(item)
                    )
                )
    return found


def picked_by(library: Library, clause: Clause, variant: Variant) -> list[str]:
    """What picks a wording of the clause: the facts of a case that name it, the outlines
    that name it, the dates it is in force; a case file can always name it (``wording``)."""
    said: list[str] = []
    for outline in _outlines(library):
        for _, item in outline.items():
            if item.clause != clause.id:
                continue
            if isinstance(item.variant, FactValueOf):
                fact = item.variant.fact
                declared = library.facts.get(fact)
                about = f" ({declared.about})" if declared is not None and declared.about else ""
                said.append(f'a case whose facts give "{fact}": "{variant.name}"{about}')
            elif item.variant == variant.name:
                when = f" when {item.when.source}" if item.when is not None else ""
                said.append(
                    f"outline {outline.name} names it ({outline.path} line {item.line}){when}"
                )
    if len(clause.variants) == 1:
        said.append("it is the clause's only wording")
    elif variant.in_force_from or variant.in_force_until:
        since = f" from {variant.in_force_from}" if variant.in_force_from else ""
        until = f" until {variant.in_force_until}" if variant.in_force_until else ""
        said.append(f"a decision date{since}{until}, when nothing else names a wording")
    elif variant is clause.variant():
        said.append("a case where nothing names a wording (the default)")
    return list(dict.fromkeys(said))


def _item_at(library: Library, clause_id: str, placed: Placed | None) -> Item | None:
    if placed is None:
        return None
    for outline in _outlines(library):
        if outline.path != placed.file:
            continue
        for _, item in outline.items():
            if item.line == placed.line and item.clause == clause_id:
                return item
    return None


def why_wording(clause: Clause, variant: str, case: Case, item: Item | None) -> str:
    """Why a letter has this wording of the clause: the case names it, a fact of it names it,
    the outline names it, its decision date, or it is the only or default one."""
    if clause.id in case.wording:
        return f'the case file names it ("wording": {{"{clause.id}": "{variant}"}})'
    if item is not None and isinstance(item.variant, FactValueOf):
        value = case.facts.get(item.variant.fact)
        if value == variant:
            return f'the case\'s fact {item.variant.fact} is "{variant}"'
    if item is not None and item.variant == variant:
        return "the outline names it"
    if len(clause.variants) == 1:
        return "the clause's only wording"
    named = next((v for v in clause.variants if v.name == variant), None)
    if (
        named is not None
        and case.decision_date is not None
        and (named.in_force_from or named.in_force_until)
    ):
        return f"in force on the decision date, {case.decision_date.isoformat()}"
    return "the default wording"


def clause_view(library: Library, clause_id: str, letters: Sequence[Composed]) -> ClauseView:
    """A clause as its page shows it: its parameters; each wording with what picks it and the
    letters that use it (and why they have it); the outlines that place it."""
    clause = library[clause_id]
    uses: dict[str, list[Use]] = {variant.name: [] for variant in clause.variants}
    for composed in letters:
        if composed.record is None or composed.case is None:
            continue
        seen: set[tuple[str, str | None]] = set()
        for part in composed.record["parts"]:
            for run in part["runs"]:
                origin = origin_note(run)
                for found, within in (
                    (origin, None),
                    *((included, origin.clause) for included in origin.includes),
                ):
                    if found.clause != clause_id or found.variant not in uses:
                        continue
                    if (found.variant, within) in seen:
                        continue
                    seen.add((found.variant, within))
                    placed = origin.placed
                    item = _item_at(library, clause_id, placed) if within is None else None
                    why = why_wording(clause, found.variant, composed.case, item)
                    uses[found.variant].append(
                        Use(composed.number, composed.name, why, placed, within)
                    )
    variants = tuple(
        VariantView(
            variant.name,
            variant.about,
            variant.in_force_from,
            variant.in_force_until,
            variant.text.strip("\n"),
            tuple(picked_by(library, clause, variant)),
            tuple(uses[variant.name]),
        )
        for variant in clause.variants
    )
    reason = None
    if clause_id.startswith(REASONS) and clause_id.count("/") == 2:
        reason = clause_id.split("/")[1]
    return ClauseView(
        clause.id,
        clause.title,
        clause.path,
        tuple(
            ParamView(
                param.name,
                param.about,
                None
                if param.default is None
                else param.default
                if isinstance(param.default, str)
                else ", ".join(param.default),
            )
            for param in clause.params.values()
        ),
        variants,
        tuple(placements(library, clause_id)),
        reason,
        unused=not any(variant.uses for variant in variants),
    )


# The library, and the impact of its edits -----------------------------------------------------


@frozen
class LetterLink:
    number: int
    name: str


@frozen
class ClauseRow:
    id: str
    title: str
    params: tuple[str, ...]
    variants: tuple[str, ...]
    users: tuple[LetterLink, ...]


@frozen
class FolderView:
    name: str
    rows: tuple[ClauseRow, ...]


@frozen
class LibraryView:
    query: str
    found: tuple[Any, ...] | None
    """The wordings that hold the text searched for (``letters.search.Match``); None when
    nothing is searched for."""
    folders: tuple[FolderView, ...]


def users_of(letters: Sequence[Composed]) -> dict[str, list[LetterLink]]:
    """For each clause, the letters that take wording from it."""
    users: dict[str, list[LetterLink]] = {}
    for composed in letters:
        if composed.record is not None:
            for clause_id in clauses_in(composed.record):
                users.setdefault(clause_id, []).append(LetterLink(composed.number, composed.name))
    return users


def _variant_line(variant: Variant) -> str:
    since = f" from {variant.in_force_from}" if variant.in_force_from else ""
    until = f" until {variant.in_force_until}" if variant.in_force_until else ""
    return f"{variant.name}{since}{until}"


def library_view(
    library: Library, letters: Sequence[Composed], query: str, found: Sequence[Any] | None
) -> LibraryView:
    """The clauses by folder, with titles, parameters, wordings and dates, and the letters
    that use each; and the wordings a search found."""
    users = users_of(letters)
    folders: dict[str, list[ClauseRow]] = {}
    for clause in library:
        folder = clause.id.rsplit("/", 1)[0] if "/" in clause.id else ""
        folders.setdefault(folder, []).append(
            ClauseRow(
                clause.id,
                clause.title,
                tuple(f"{param.name} ({param.about})" for param in clause.params.values()),
                tuple(_variant_line(variant) for variant in clause.variants),
                tuple(users.get(clause.id, ())),
            )
        )
    return LibraryView(
        query,
        None if found is None else tuple(found),
        tuple(FolderView(name or "top", tuple(rows)) for name, rows in sorted(folders.items())),
    )


@frozen
class DiffPiece:
    """A piece of a word-level difference: the same (``same``), removed (``del``) or added
    (``ins``)."""

    kind: str
    text: str


@frozen
class ChangeView:
    part: str
    pieces: tuple[DiffPiece, ...]


@frozen
class ImpactRow:
    number: int | None
    name: str
    changes: tuple[ChangeView, ...]
    problems: tuple[str, ...]
    new: bool


_DIFF = re.compile(r"\[-(.*?)-\]|\{\+(.*?)\+\}", re.DOTALL)


def diff_pieces(diff: str) -> tuple[DiffPiece, ...]:
    """``[-old-]{+new+}`` (``letters.impact.word_diff``) as pieces."""
    pieces, at = [], 0
    for found in _DIFF.finditer(diff):
        if found.start() > at:
            pieces.append(DiffPiece("same", diff[at : found.start()]))
        removed, added = found.group(1), found.group(2)
        pieces.append(DiffPiece("del", removed) if removed is not None else DiffPiece("ins", added))
        at = found.end()
    if at < len(diff):
        pieces.append(DiffPiece("same", diff[at:]))
    return tuple(pieces)


def impact_rows(results: Iterable[Any], numbers: Mapping[str, int]) -> list[ImpactRow]:
    """The letters a library's edits change (``letters.impact.CaseImpact``), each linked to
    its page by the case's number in ``numbers`` (by its path)."""
    rows = []
    for result in results:
        if not (result.is_changed or result.is_new):
            continue
        rows.append(
            ImpactRow(
                numbers.get(result.case),
                _stem(result.case),
                tuple(
                    ChangeView(change.part, diff_pieces(change.diff)) for change in result.changes
                ),
                tuple(str(problem) for problem in result.problems),
                result.is_new,
            )
        )
    return rows


def _stem(path: str) -> str:
    return PurePath(path).stem
