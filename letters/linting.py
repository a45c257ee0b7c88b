"""Check a clause library, and the case files that use it, before any letter is rendered.

Finds, each with its file and line: clause files that do not parse, placeholders that are
neither a fact of a case nor a parameter of the clause, parameters declared but never used,
duplicate ids, outlines that name a clause, variant or fact the library lacks, a section with no
heading or a condition that can never be true, and case files that use clauses, variants,
parameters, reasons or facts the library does not have. Clauses that no case file uses are
notices: information, not a fault.

It also finds what library editors tripped on: a caseworker paragraph that repeats a standard
sentence the letter already has from a clause, a reason's wording ending in its own full stop
where the clause taking it in adds one (the letter prints ``..``), a choice fact whose
hand-written ``choices`` have gone stale against the variants of the clause it picks, and a
letter that states no decision.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from pathlib import Path

import attrs
from jinja2 import meta, nodes

from letters.composition import (
    HEADINGS,
    REASONS,
    SIGN_OFF,
    TITLE,
    Letter,
    Text,
    compose,
    reason_names,
)
from letters.facts import FACTS, REASON_FACTS, FactDeclaration
from letters.library import (
    CLAUSE_ID,
    DEFAULT_LIBRARY,
    ENVIRONMENT,
    Clause,
    Library,
    Variant,
    unknown_name,
)
from letters.limits import Limits, budget
from letters.loading import field_lines, load_case, read_case_file
from letters.model import Case, ClauseUse
from letters.outcomes import contained
from letters.outline import (
    Condition,
    FactValueOf,
    Item,
    Outline,
    can_be_true,
    outline_problems,
)
from letters.problems import LettersError, Location, Problem, Severity


def default_cases(directory: str | Path | None) -> list[Path]:
    """The case files lint checks when none are named: the project's examples, when the
    library is the project's own."""
    if directory is None or Path(directory).resolve() == DEFAULT_LIBRARY.resolve():
        return sorted((DEFAULT_LIBRARY.parent / "examples").glob("*.json"))
    return []


def case_files(paths: Sequence[str | Path]) -> list[Path]:
    """Case files named, a folder standing for the .json files in it."""
    return [
        file
        for path in map(Path, paths)
        for file in (sorted(path.glob("*.json")) if path.is_dir() else [path])
    ]


def lint(directory: str | Path | None, cases: Sequence[str | Path] = ()) -> list[Problem]:
    """Every problem of a clause library and of the case files that use it, errors first."""
    limits = Limits.from_environment()
    library, errors = Library.read(directory, limits=limits)
    problems = [problem for error in errors for problem in error.problems]
    reason_parts = {c.id.rsplit("/", 1)[1] for c in library if c.id.startswith(REASONS)}
    for clause in library:
        problems.extend(_lint_clause(library, clause, reason_parts))
    reasons = reason_names(library)
    for outline in _laid_out(library):
        problems.extend(outline_problems(outline, library.clauses, library.facts, reasons))
    for declaration in library.facts.values():
        if declaration.variants_of:
            problems.append(
                Problem(
                    f"fact {declaration.name!r} is one of the variants of "
                    f"{' and '.join(declaration.variants_of)}: {', '.join(declaration.choices)}",
                    Location(
                        file=str(Path(library.root or "") / "facts.yaml"), line=declaration.line
                    ),
                    Severity.NOTICE,
                )
            )
    for outline in _laid_out(library):
        problems.extend(_placed_twice(outline, library.facts, reasons))
    problems.extend(_stale_choices(library))
    stops = _reason_full_stops(library)
    problems.extend(stops.values())
    if library.outlines:
        placed = placed_clauses(library)
        problems.extend(
            Problem(
                f"no outline places clause {clause.id}: a letter made from facts alone never "
                "uses it (a case file can still name it); place it in an outline "
                "(outlines/*.yaml) under the facts that call for it",
                Location(file=clause.path),
                Severity.NOTICE,
            )
            for clause in library
            if clause.id not in placed
        )
    used: set[str] = set()
    exercised: set[tuple[str, int]] = set()  # the outline lines that placed a clause for a case
    reported = {(p.message, p.location) for p in problems}  # said at the clause already
    for path in cases:

        def check(path: str | Path = path) -> list[Problem]:
            return _lint_case(Path(path), library, used, reported, limits, exercised, set(stops))

        found = contained(str(path), check)
        problems.extend(found if isinstance(found, list) else found.problems)
    if cases:
        problems.extend(_unexercised(library, exercised))
        problems.extend(
            Problem(
                f"no case file uses clause {clause.id}",
                Location(file=clause.path),
                Severity.NOTICE,
            )
            for clause in library
            if clause.id not in used
        )
    severity = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.NOTICE: 2}
    return sorted(
        problems,
        key=lambda p: (
            severity[p.severity],
            p.location.outermost.file or "",
            p.location.outermost.line or 0,
            p.message,
        ),
    )


def _lint_clause(library: Library, clause: Clause, reason_parts: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    if not CLAUSE_ID.fullmatch(clause.id):
        problems.append(
            Problem(
                f"clause id {clause.id!r} is not lower-case letters, digits, - _ . and /",
                Location(file=clause.path),
                Severity.WARNING,
            )
        )
    used: set[str] = set()
    for variant in clause.variants:
        try:
            library.template(clause, variant)
        except LettersError as error:
            problems.extend(error.problems)
            continue
        tree = ENVIRONMENT.parse(variant.text)
        names = _undeclared(tree)
        used |= set(names)
        for name, line in names.items():
            if name not in FACTS and name not in clause.params:
                problems.append(_at(clause, variant, line, unknown_name(name, library.facts)))
        problems.extend(_lint_attributes(clause, variant, tree, reason_parts))
    for param in clause.params.values():
        if param.name not in used:
            problems.append(
                Problem(
                    f"parameter {param.name!r} is declared but no wording uses it",
                    Location(file=clause.path, line=param.line),
                )
            )
    return problems


def _undeclared(tree: nodes.Template) -> dict[str, int]:
    """The names a wording takes from outside (not set or looped over in it), and first lines."""
    outside = meta.find_undeclared_variables(tree)
    lines: dict[str, int] = {}
    for name in tree.find_all(nodes.Name):
        if name.name in outside:
            lines.setdefault(name.name, name.lineno)
    return lines


def _lint_attributes(
    clause: Clause, variant: Variant, tree: nodes.Template, reason_parts: set[str]
) -> list[Problem]:
    problems = []
    for node in tree.find_all(nodes.Getattr):
        if not isinstance(node.node, nodes.Name) or node.node.name in clause.params:
            continue
        name = node.node.name
        known = reason_parts if name in REASON_FACTS else FACTS.get(name)
        if known is not None and node.attr not in known:
            choices = ", ".join(sorted(known)) or "none"
            problems.append(
                _at(
                    clause,
                    variant,
                    node.lineno,
                    f"{{{{ {name}.{node.attr} }}}}: {name} has no "
                    f"{node.attr!r} (it has: {choices})",
                )
            )
    return problems


def _at(clause: Clause, variant: Variant, line: int, message: str) -> Problem:
    return Problem(message, Location(file=clause.path, line=variant.line + line - 1))


def _lint_case(
    path: Path,
    library: Library,
    used: set[str],
    reported: set[tuple[str, Location]],
    limits: Limits,
    exercised: set[tuple[str, int]],
    full_stops: AbstractSet[str],
) -> list[Problem]:
    try:
        case = load_case(path, limits=limits)
    except LettersError as error:
        return list(error.problems)
    used.update(_clauses_used(case, library))
    try:
        with budget(limits):
            letter = compose(case, library, source=str(path))
        used.update(clauses_of(letter))
        exercised.update(
            (run.origin.chosen.file, run.origin.chosen.line)
            for run in _runs(letter)
            if run.origin.chosen is not None
        )
        at_field = [
            *_double_full_stops(letter, library, path, full_stops, limits),
            *_repeated_sentences(letter, path),
        ]
        if at_field:  # each at the case file's line of its field
            lines = field_lines(read_case_file(path, limits=limits))
            at_field = [
                _with_line(p, lines.get(p.location.field)) if p.location.field else p
                for p in at_field
            ]
        return [
            *_twice_in_letter(letter, path),
            *_summary_repeats(letter, path),
            *at_field,
            *_no_decision(letter, library, path),
        ]
    except LettersError as error:
        lines = field_lines(read_case_file(path, limits=limits))
        problems = []
        for problem in error.problems:
            inner = attrs.evolve(problem.location, within=None)
            if (problem.message, inner) in reported:
                continue  # a broken clause file, reported at the clause itself
            line = _case_line(problem.location, lines)
            problems.append(_with_line(problem, line))
        return problems
    return []


def _runs(letter: Letter) -> list[Text]:
    runs = [run for paragraph in letter.paragraphs for run in paragraph.runs]
    return [*(letter.summary.runs if letter.summary is not None else ()), *runs]


def _placed_twice(
    outline: Outline, declarations: Mapping[str, FactDeclaration], reasons: list[str]
) -> list[Problem]:
    """Items of an outline that place the same clause and whose conditions can hold together:
    the letter of such a case says that clause twice."""
    problems: list[Problem] = []
    seen: dict[str, list[Item]] = {}
    for _, item in outline.items():
        if item.clause is None:
            continue
        for earlier in seen.get(item.clause, []):
            both = [c.source for c in (earlier.when, item.when) if c is not None]
            together = Condition(
                " and ".join(f"({source})" for source in both) or "true", outline.path, item.line
            )
            if can_be_true(together, declarations, reasons):
                when = f" (when {together.source})" if both else ""
                problems.append(
                    Problem(
                        f"clause {item.clause} is placed here and at line {earlier.line}: a "
                        f"case can have both{when}, and its letter says it twice",
                        Location(file=outline.path, line=item.line),
                        Severity.WARNING,
                    )
                )
                break
        seen.setdefault(item.clause, []).append(item)
    return problems


def _twice_in_letter(letter: Letter, path: Path) -> list[Problem]:
    """A clause a case's letter says twice (the outline's, the case's own and its markers'
    placings together)."""
    uses: dict[str, set[int]] = {}
    for run in _runs(letter):  # the runs of one use of a clause share its origin
        if run.origin.clause is not None:
            uses.setdefault(run.origin.clause, set()).add(id(run.origin))
    counts = {clause: len(origins) for clause, origins in uses.items()}
    return [
        Problem(
            f"the letter says clause {clause} {count} times",
            Location(file=str(path)),
            Severity.WARNING,
        )
        for clause, count in counts.items()
        if count > 1
    ]


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _summary_repeats(letter: Letter, path: Path) -> list[Problem]:
    """Two sentences of the Summary that say the same thing: the same reason's wording taken
    in twice, or two sentences (nearly) word for word alike."""
    if letter.summary is None:
        return []
    problems: list[Problem] = []
    taken: dict[str, str] = {}
    for run in letter.summary.runs:
        for origin in run.includes:
            if origin.clause is None:
                continue
            if origin.clause in taken and taken[origin.clause] != run.origin.clause:
                problems.append(
                    Problem(
                        f"the Summary gives {origin.clause} twice: in clause "
                        f"{taken[origin.clause]} and in clause {run.origin.clause}",
                        Location(file=str(path), field="summary"),
                        Severity.WARNING,
                    )
                )
            taken.setdefault(origin.clause, run.origin.clause or "")
    sentences = [s for s in _SENTENCE_END.split(letter.summary.text) if s.strip()]
    words = [re.findall(r"\w+", sentence.lower()) for sentence in sentences]
    for first in range(len(sentences)):
        for second in range(first + 1, len(sentences)):
            ratio = difflib.SequenceMatcher(None, words[first], words[second]).ratio()
            if ratio >= 0.8:
                problems.append(
                    Problem(
                        f"two sentences of the Summary say the same thing: "
                        f"{sentences[first]!r} and {sentences[second]!r}",
                        Location(file=str(path), field="summary"),
                        Severity.WARNING,
                    )
                )
    return problems


# What library editors tripped on ------------------------------------------------------------

FINAL = "final/"
"""Where the clauses that state a letter's decision are found."""

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})

_SHORTEST = 4
"""The fewest words of a standard sentence a caseworker paragraph is checked for repeating:
a shorter one ("We agree.") may well be said again on purpose."""

_DOUBLE_STOP = re.compile(r"(?<!\.)\.\.(?!\.)")  # two full stops, not an ellipsis

_TAKES_REASON = re.compile(r"\{\{-?\s*reasons?\.(\w+)[^}]*\}\}\.")
"""A reason's wording taken in with a full stop of the clause's own after it:
``This is because {{ reason.summary }}.``"""


def _normalised(sentence: str) -> str:
    """A sentence as compared: its white space one space, its quotes straight."""
    return " ".join(sentence.translate(_QUOTES).split())


def _sentences(text: str) -> list[str]:
    return [sentence.strip() for sentence in _SENTENCE_END.split(text) if sentence.strip()]


def _letter_runs(letter: Letter) -> list[Text]:
    """Every run of a letter's paragraphs, their lists' items too: the header lines, the
    Summary, the sections' paragraphs and the sign-off."""
    summary = [letter.summary] if letter.summary is not None else []
    paragraphs = [*letter.header, *summary, *letter.paragraphs, letter.sign_off]
    return [
        run
        for paragraph in paragraphs
        for run in (*paragraph.runs, *(run for item in paragraph.items for run in item.runs))
    ]


def _repeated_sentences(letter: Letter, path: Path) -> list[Problem]:
    """Caseworker paragraphs (``text.<section>[n]``) that repeat, word for word but for white
    space and quotes, a sentence a clause already gives the same letter."""
    runs = _letter_runs(letter)
    standard: dict[
        str, tuple[str, str]
    ] = {}  # each clause sentence, as compared: it and its clause
    for run in runs:
        if run.origin.clause is not None:
            for sentence in _sentences(run.text):
                if len(sentence.split()) >= _SHORTEST:
                    standard.setdefault(_normalised(sentence), (sentence, run.origin.clause))
    problems = []
    for run in runs:
        if run.origin.clause is not None or not run.origin.field.startswith("text."):
            continue
        for sentence in _sentences(run.text):
            found = standard.get(_normalised(sentence))
            if found is not None:
                problems.append(
                    Problem(
                        f"this paragraph repeats the standard sentence {found[0]!r} that "
                        f"clause {found[1]} already gives this letter",
                        Location(file=str(path), field=run.origin.field),
                        Severity.WARNING,
                    )
                )
    return problems


def _reason_full_stops(library: Library) -> dict[str, Problem]:
    """The reasons' wordings that end in a full stop where a clause taking them in puts its
    own after them (``{{ reason.summary }}.``), so the letter prints ``..``: by clause id."""
    takers: dict[str, list[str]] = {}  # a reason's wording ("summary"): the clauses adding a stop
    for clause in library:
        for variant in clause.variants:
            for part in _TAKES_REASON.findall(variant.text):
                if clause.id not in takers.setdefault(part, []):
                    takers[part].append(clause.id)
    problems: dict[str, Problem] = {}
    for clause in library:
        part = clause.id.rsplit("/", 1)[-1]
        if not clause.id.startswith(REASONS) or part not in takers:
            continue
        for variant in clause.variants:
            wording = variant.text.rstrip()
            if wording.endswith(".") and not wording.endswith(".."):
                by = takers[part]
                which = f"clause {by[0]} adds" if len(by) == 1 else f"clauses {_and(by)} add"
                problems[clause.id] = Problem(
                    f"this reason's wording ends in a full stop where {which} its own: the "
                    "letter prints '..'; leave this full stop out",
                    Location(file=clause.path, line=variant.line + wording.count("\n")),
                )
                break
    return problems


def _and(names: Sequence[str]) -> str:
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)


def _double_full_stops(
    letter: Letter, library: Library, path: Path, known: AbstractSet[str], limits: Limits
) -> list[Problem]:
    """Sentences of a letter that print ``..`` where neither the clause's wording nor the
    wording it took in holds ``..`` itself: a value filled in ends in a full stop where the
    wording adds its own (said at the case's field that gives it, where one does). A reason's
    wording found so already (``known``) is said at its clause, not again for each case."""
    problems = []
    values: dict[str, str] | None = None
    for run in _letter_runs(letter):
        origin = run.origin
        if origin.clause is None or not _DOUBLE_STOP.search(run.text):
            continue
        if any(included.clause in known for included in run.includes):
            continue
        wordings = [
            variant.text
            for part in (origin, *run.includes)
            if part.clause is not None and part.clause in library
            for variant in library[part.clause].variants
        ]
        if any(_DOUBLE_STOP.search(wording) for wording in wordings):
            continue  # written so
        if values is None:
            values = dict(_values_ending_in_a_stop(json.loads(read_case_file(path, limits=limits))))
        sentence = next(s for s in _sentences(run.text) if _DOUBLE_STOP.search(s))
        field = next((f for f, value in values.items() if value + "." in run.text), None)
        given = f"the case's {field}" if field else "a value filled into it"
        problems.append(
            Problem(
                f"the letter prints '..' in {sentence!r}: {given} ends in a full stop where "
                f"the wording of clause {origin.clause} adds its own",
                Location(file=str(path), field=field or origin.field or None),
            )
        )
    return problems


def _values_ending_in_a_stop(data: object, at: str = "") -> Iterator[tuple[str, str]]:
    """The text values of a case file that end in one full stop, each with its field path."""
    if isinstance(data, str):
        if data.endswith(".") and not data.endswith(".."):
            yield at, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _values_ending_in_a_stop(value, f"{at}.{key}" if at else str(key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _values_ending_in_a_stop(value, f"{at}[{index}]")


def _stale_choices(library: Library) -> list[Problem]:
    """Choice facts that pick a clause's variant (``variant: {fact: NAME}``) and list their
    ``choices`` by hand: a choice no variant has, a variant not listed, or a list that could
    simply go (left out, the clause's variants are the fact's choices, kept up to date)."""
    picks: dict[str, dict[str, tuple[str, ...]]] = {}
    for outline in _laid_out(library):
        for _, item in outline.items():
            if isinstance(item.variant, FactValueOf) and item.clause in library.clauses:
                clause = library.clauses[item.clause or ""]
                picked = picks.setdefault(item.variant.fact, {})
                picked[clause.id] = tuple(variant.name for variant in clause.variants)
    problems = []
    for clause in library:
        if clause.chosen_by is None:
            continue
        picks.setdefault(clause.chosen_by, {})[clause.id] = tuple(v.name for v in clause.variants)
        declared = library.facts.get(clause.chosen_by)
        if declared is None or declared.kind != "choice":
            problems.append(
                Problem(
                    f"'chosen_by' names {clause.chosen_by!r}, which is no choice fact of the "
                    "library (facts.yaml)",
                    Location(file=clause.path, line=1),
                )
            )
    for name, declaration in library.facts.items():
        if declaration.kind != "choice" or declaration.variants_of or name not in picks:
            continue
        clauses = picks[name]
        variants = list(dict.fromkeys(v for names in clauses.values() for v in names))  # in order
        of = f"the variants of {_and(list(clauses))}"
        advice = f"leave out 'choices': {of} are then its choices"
        at = Location(file=str(Path(library.root or "") / "facts.yaml"), line=declaration.line)
        stale = [
            f"fact {name!r} lists the choice {choice!r}, which is none of {of} "
            f"({', '.join(variants)}); {advice}"
            for choice in declaration.choices
            if choice not in variants
        ]
        stale += [
            f"fact {name!r} does not list {variant!r}, one of {of}, so no case can choose it; "
            f"{advice}"
            for variant in variants
            if variant not in declaration.choices
        ]
        problems += [Problem(message, at, Severity.WARNING) for message in stale]
        if not stale:
            problems.append(
                Problem(
                    f"fact {name!r} lists {of} by hand; {advice}, and stay up to date",
                    at,
                    Severity.NOTICE,
                )
            )
    return problems


def _no_decision(letter: Letter, library: Library, path: Path) -> list[Problem]:
    """A letter that states no decision: nothing from a ``final/`` clause, and no caseworker
    text in a section where the outlines place them (or a section ``decision``). Only for a
    library with ``final/`` clauses: another words its decision its own way."""
    if not any(clause.id.startswith(FINAL) for clause in library):
        return []
    sections = {"decision"} | {
        section
        for outline in library.outlines.values()
        for section, item in outline.items()
        if item.clause is not None and item.clause.startswith(FINAL)
    }
    if any(
        run.origin.clause and run.origin.clause.startswith(FINAL) for run in _letter_runs(letter)
    ):
        return []
    for section in letter.sections:
        if section.id in sections and any(
            run.origin.clause is None for paragraph in section.paragraphs for run in paragraph.runs
        ):
            return []
    return [
        Problem(
            f"the letter states no decision: it has no clause from {FINAL} and no caseworker "
            f"text in {' or '.join(f'text.{section}' for section in sorted(sections))}",
            Location(file=str(path)),
            Severity.WARNING,
        )
    ]


def _laid_out(library: Library) -> list[Outline]:
    """The library's outlines, and its layout (the letter's own lines) as one more."""
    return [*library.outlines.values(), *([library.layout] if library.layout else [])]


def placed_clauses(library: Library) -> set[str]:
    """The clauses a letter made from facts alone can use: each clause an outline places under
    a condition some facts make true, its sections' headings, the title and sign-off, the
    reason wordings those clauses take in (``reason.summary``, ``reasons.test``), and the
    clauses that word each kind of record of a ``records`` fact a placed clause reads."""
    reasons = sorted({c.id.split("/")[1] for c in library if c.id.startswith(REASONS)})
    placed: set[str] = {TITLE, SIGN_OFF}
    for outline in _laid_out(library):
        placed |= {f"{HEADINGS}{section}" for section, _, _ in outline.sections}
        for _, item in outline.items():
            if item.clause and (
                item.when is None or can_be_true(item.when, library.facts, reasons)
            ):
                placed.add(item.clause)
    texts = [
        variant.text
        for clause_id in placed
        if clause_id in library
        for variant in library[clause_id].variants
    ]
    parts = {match for text in texts for match in re.findall(r"\breasons?\.(\w+)", text)}
    placed |= {
        clause.id
        for clause in library
        if clause.id.startswith(REASONS) and clause.id.rsplit("/", 1)[1] in parts
    }
    read = " ".join(
        variant.text
        for clause_id in placed
        if clause_id in library
        for variant in library[clause_id].variants
    )
    for declaration in library.facts.values():
        if declaration.kind == "records" and f"facts.{declaration.name}" in read:
            folder = declaration.worded_by or declaration.name
            kinds = {kind.name for kind in declaration.kinds}
            placed |= {
                clause.id
                for clause in library
                if clause.id.startswith(folder + "/") and clause.id.rsplit("/", 1)[1] in kinds
            }
    return placed


def _unexercised(library: Library, exercised: set[tuple[str, int]]) -> list[Problem]:
    """The outline rules (items under a condition) that placed a clause for none of the case
    files: notices, for a rule no example shows working."""
    problems = []
    for outline in library.outlines.values():
        for _, item in outline.items():
            if item.clause is None or item.when is None:
                continue
            if (outline.path, item.line) not in exercised:
                problems.append(
                    Problem(
                        f"no case file exercises this rule: clause {item.clause} when "
                        f"{item.when.source}",
                        Location(file=outline.path, line=item.line),
                        Severity.NOTICE,
                    )
                )
    return problems


def _case_line(location: Location, lines: dict[str, int]) -> int | None:
    """The case file's line of a problem: of the first case field on its way in."""
    chain = []
    place: Location | None = location
    while place is not None:
        chain.append(place)
        place = place.within
    for place in reversed(chain):  # outermost first
        if place.field:
            line = lines.get(place.field) or lines.get(place.field.rsplit("[", 1)[0])
            if line:
                return line
    return None


def clauses_of(letter: Letter) -> set[str]:
    """The clauses a composed letter took wording from, reasons' clauses included."""
    runs = [run for paragraph in letter.paragraphs for run in paragraph.runs]
    if letter.summary is not None:
        runs += letter.summary.runs
    runs += letter.sign_off.runs
    origins = [origin for run in runs for origin in (run.origin, *run.includes)]
    origins += [section.heading_origin for section in letter.sections if section.heading_origin]
    if letter.title_origin is not None:
        origins.append(letter.title_origin)
    return {origin.clause for origin in origins if origin.clause}


def _with_line(problem: Problem, line: int | None) -> Problem:
    """The problem with the case file's line set on its outermost place."""

    def set_line(location: Location) -> Location:
        if location.within is None:
            return attrs.evolve(location, line=line)
        return attrs.evolve(location, within=set_line(location.within))

    return attrs.evolve(problem, location=set_line(problem.location))


def _clauses_used(case: Case, library: Library) -> set[str]:
    parts = [
        part for section in case.sections for paragraph in section.paragraphs for part in paragraph
    ]
    used = {part.clause for part in [*case.summary, *parts] if isinstance(part, ClauseUse)}
    used |= {HEADINGS + section.section for section in case.sections}
    used |= {SIGN_OFF, TITLE}
    reasons = {f"{REASONS}{reason.reason}/" for reason in case.reasons}
    used |= {c.id for c in library if any(c.id.startswith(prefix) for prefix in reasons)}
    return used
