"""Check a clause library, and the case files that use it, before any letter is rendered.

Finds, each with its file and line: clause files that do not parse, placeholders that are
neither a fact of a case nor a parameter of the clause, parameters declared but never used,
duplicate ids, and case files that use clauses, variants, parameters or reasons the library does
not have. Clauses that no case file uses are warnings.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import attrs
from attrs import frozen
from jinja2 import meta, nodes

from letters.clauses import CASE_NAMES, CLAUSE_ID, ENVIRONMENT, Clause, Library, Variant
from letters.compose import HEADINGS, REASONS, SIGN_OFF, TITLE, compose
from letters.errors import LettersError, LettersErrors
from letters.grammar import PersonWords
from letters.loading import field_lines, load_case
from letters.model import Body, Case, ClauseUse, Complaint

PERSON_WORDS = frozenset(name for name in dir(PersonWords) if not name.startswith("_"))
ATTRIBUTES = {
    "complainant": PERSON_WORDS,
    "complaint": frozenset(field.name for field in attrs.fields(Complaint)),
    "body": frozenset(field.name for field in attrs.fields(Body)),
}


@frozen(order=True)
class Finding:
    """A problem found: the file, the line, what is wrong; a warning does not fail the lint."""

    source: str
    line: int | None
    message: str
    is_warning: bool = False

    def __str__(self) -> str:
        where = f"{self.source}: line {self.line}" if self.line else self.source
        return f"{where}: {'warning: ' if self.is_warning else ''}{self.message}"


def lint(directory: str | Path | None, cases: Sequence[str | Path] = ()) -> list[Finding]:
    """Every problem of a clause library and of the case files that use it, errors first."""
    library, problems = Library.read(directory)
    findings = [finding for problem in problems for finding in _findings(problem)]
    reason_parts = {c.id.rsplit("/", 1)[1] for c in library if c.id.startswith(REASONS)}
    for clause in library:
        findings.extend(_lint_clause(library, clause, reason_parts))
    used: set[str] = set()
    reported = {finding.message for finding in findings}  # clause problems, said at the clause
    for path in cases:
        findings.extend(_lint_case(Path(path), library, used, reported))
    if cases:
        findings.extend(
            Finding(clause.path, None, f"no case file uses clause {clause.id}", is_warning=True)
            for clause in library
            if clause.id not in used
        )
    return sorted(findings, key=lambda f: (f.is_warning, f.source, f.line or 0, f.message))


def _findings(error: LettersError) -> list[Finding]:
    if isinstance(error, LettersErrors):
        return [finding for inner in error.errors for finding in _findings(inner)]
    line = re.fullmatch(r"line (\d+)", error.where or "")
    if line:
        return [Finding(error.source or "", int(line.group(1)), error.message)]
    where = f"{error.where}: " if error.where else ""
    return [Finding(error.source or "", None, where + error.message)]


def _lint_clause(library: Library, clause: Clause, reason_parts: set[str]) -> list[Finding]:
    findings: list[Finding] = []
    if not CLAUSE_ID.fullmatch(clause.id):
        findings.append(
            Finding(
                clause.path,
                None,
                f"clause id {clause.id!r} is not lower-case letters, digits, - _ . and /",
                is_warning=True,
            )
        )
    used: set[str] = set()
    for variant in clause.variants:
        try:
            library.template(clause, variant)
        except LettersError as error:
            findings.extend(_findings(error))
            continue
        tree = ENVIRONMENT.parse(variant.text)
        names = _undeclared(tree)
        used |= set(names)
        for name, line in names.items():
            if name not in CASE_NAMES and name not in clause.params:
                findings.append(
                    _at(
                        clause,
                        variant,
                        line,
                        f"{{{{ {name} }}}} is neither a fact of the case "
                        f"nor a parameter of the clause",
                    )
                )
        findings.extend(_lint_attributes(clause, variant, tree, reason_parts))
    for param in clause.params.values():
        if param.name not in used:
            findings.append(
                Finding(
                    clause.path,
                    param.line,
                    f"parameter {param.name!r} is declared but no wording uses it",
                )
            )
    return findings


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
) -> list[Finding]:
    findings = []
    for node in tree.find_all(nodes.Getattr):
        if not isinstance(node.node, nodes.Name) or node.node.name in clause.params:
            continue
        name = node.node.name
        known = reason_parts if name in ("reason", "reasons") else ATTRIBUTES.get(name)
        if known is not None and node.attr not in known:
            choices = ", ".join(sorted(n for n in known if n != "forms")) or "none"
            findings.append(
                _at(
                    clause,
                    variant,
                    node.lineno,
                    f"{{{{ {name}.{node.attr} }}}}: {name} has no "
                    f"{node.attr!r} (it has: {choices})",
                )
            )
    return findings


def _at(clause: Clause, variant: Variant, line: int, message: str) -> Finding:
    return Finding(clause.path, variant.line + line - 1, message)


def _lint_case(path: Path, library: Library, used: set[str], known: set[str]) -> list[Finding]:
    try:
        case = load_case(path)
    except LettersError as error:
        return _findings(error)
    used.update(_clauses_used(case, library))
    try:
        compose(case, library, source=str(path))
    except LettersError as error:
        lines = field_lines(path.read_text(encoding="utf-8"))
        findings = []
        for problem in _findings(error):
            field, _, message = problem.message.partition(": ")
            if message.split(": ")[-1] in known:
                continue  # a broken clause file, reported at the clause itself
            line = lines.get(field) or lines.get(re.sub(r"\[\d+\]$", "", field))
            findings.append(Finding(str(path), line, f"{field}: {message}"))
        return findings
    return []


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
