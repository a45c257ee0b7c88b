"""Check a Word template before it is trusted: what Word did to its tags, and what they ask.

Finds, each at its part and paragraph: tags Word split across runs (a warning: docxtpl joins
them), curly quotes typed into a tag, a tag that starts in one paragraph and ends in another or
is never closed, a ``{%p %}`` paragraph that also holds text docxtpl would delete with it, tag
syntax errors, and anything the sandbox would refuse: a name other than ``letter``, a field a
letter does not have, an attribute that starts with ``_``. Every part a template can hold tags
in is looked at: the body, headers, footers, footnotes, endnotes and the document properties.
``WordTemplate`` runs the same checks and refuses a template with any error;
``check_template`` (in ``template.py``, where template files are read) runs them on a file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import jinja2
from attrs import frozen
from jinja2 import meta, nodes

from letters.library import Library
from letters.problems import Location, Problem, Severity
from letters.word import ooxml
from letters.word.context import (
    BODY_ENVIRONMENT,
    LETTER_FIELDS,
    PROPERTIES_ENVIRONMENT,
    SECTION_FIELDS,
)
from letters.word.docxtpl_adapter import patch_xml

TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
OPENING = re.compile(r"\{[{%#]")
CURLY = "\u201c\u201d\u2018\u2019"


@frozen
class Declared:
    """What a library declares that a template may ask of a letter: its facts (each with the
    fields of its records, for a records fact: ``letter.facts.findings``, a row's
    ``finding.issue``) and its named lines (``letter.lines.page_header``)."""

    facts: Mapping[str, frozenset[str]]
    lines: frozenset[str]


def declared_by(library: Library) -> Declared:
    """What a library declares that its templates may ask of a letter."""
    facts = {
        name: frozenset(("kind", *(field.name for field in declaration.fields)))
        if declaration.kind == "records"
        else frozenset()
        for name, declaration in library.facts.items()
    }
    outlines = [*library.outlines.values(), *([library.layout] if library.layout else [])]
    lines = frozenset(name for outline in outlines for name, _ in outline.lines)
    return Declared(facts, lines)


def problems_in(
    parts: Mapping[str, bytes], *, compiling: bool = True, declared: Declared | None = None
) -> list[Problem]:
    """Every problem of a template's parts, errors first, then in the order of the parts.

    ``compiling`` also compiles each part, which finds unknown filters; a template about to be
    prepared leaves that to its own compiling, which says the same. With ``declared``, a fact,
    a record's field or a line the library does not declare is an error too.
    """
    problems: list[Problem] = []
    names = ooxml.templated_parts(parts)
    for name in names:
        root = ooxml.parse_xml(parts[name], Location(part=name))
        problems += _paragraphs(name, root)
        source = ooxml.paragraph_per_line(patch_xml(parts[name].decode("utf-8")))
        problems += _tags(BODY_ENVIRONMENT, source, Location(part=name), root, compiling, declared)
    core = parts.get(ooxml.CORE_PROPERTIES)
    if core is not None:
        for prop, text in ooxml.core_property_texts(core).items():
            if OPENING.search(text):
                where = Location(part=f"{ooxml.CORE_PROPERTIES} ({prop})")
                problems += _tags(PROPERTIES_ENVIRONMENT, text, where)
    order = {name: index for index, name in enumerate(names)}
    return sorted(
        problems,
        key=lambda p: (
            not p.is_error,
            order.get(p.location.part or "", 99),
            p.location.paragraph or 0,
        ),
    )


def _error(part: str, paragraph: int | None, message: str) -> Problem:
    return Problem(message, Location(part=part, paragraph=paragraph))


def _paragraphs(part: str, root: Any) -> list[Problem]:
    problems = []
    opened: int | None = None
    for number, paragraph in ooxml.paragraphs(root):
        runs = ooxml.run_texts(paragraph)
        text = "".join(runs)
        if opened is not None and not OPENING.search(text) and re.search(r"\}\}|%\}|#\}", text):
            problems.append(
                _error(
                    part,
                    opened,
                    "a tag starts here and ends in a later paragraph; docxtpl cannot join them",
                )
            )
            opened = None
        for tag in TAG.finditer(text):
            problems += _tag(part, number, tag, runs)
        if re.search(r"\{\{(?!.*\}\})|\{%(?!.*%\})", text, re.DOTALL):
            opened = number
        if "{%p" in text:
            rest = TAG.sub("", text).strip()
            if rest:
                problems.append(
                    _error(
                        part,
                        number,
                        f"the {{%p %}} paragraph also holds {rest[:40]!r}, which docxtpl deletes with it",
                    )
                )
    if opened is not None:
        problems.append(_error(part, opened, "a tag here is never closed"))
    return problems


def _tag(part: str, number: int, tag: re.Match[str], runs: list[str]) -> list[Problem]:
    problems = []
    shown = tag[0] if len(tag[0]) <= 50 else tag[0][:47] + "..."
    if any(quote in tag[0] for quote in CURLY):
        problems.append(
            _error(
                part,
                number,
                f"{shown}: curly quotes in a tag (Word's AutoFormat); type straight quotes",
            )
        )
    start = 0
    spans = []
    for index, run in enumerate(runs):
        spans.append((start, start + len(run), index))
        start += len(run)
    touched = {
        index
        for begin, end, index in spans
        if begin < tag.end() and end > tag.start() and end > begin
    }
    if len(touched) > 1:
        problems.append(
            Problem(
                f"{shown}: split by Word across {len(touched)} runs (docxtpl joins it; retyped in one go it stays whole)",
                Location(part=part, paragraph=number),
                Severity.WARNING,
            )
        )
    return problems


def _tags(
    environment: jinja2.Environment,
    source: str,
    where: Location,
    root: Any = None,
    compiling: bool = True,
    declared: Declared | None = None,
) -> list[Problem]:
    """Syntax errors, and names the sandbox refuses or a letter does not provide."""
    try:
        tree = environment.parse(source)
        if compiling:
            environment.compile(tree)  # unknown filters and tests are found when compiling
    except jinja2.TemplateSyntaxError as error:
        return [_syntax(error, where, root)]
    problems = []
    for name in sorted(meta.find_undeclared_variables(tree) - {"letter"}):
        problems.append(
            Problem(
                f"{{{{ {name} }}}}: a letter has no {name!r} (a template sees only 'letter')", where
            )
        )
    section_names = {
        loop.target.name
        for loop in tree.find_all(nodes.For)
        if isinstance(loop.target, nodes.Name) and _is_letter_field(loop.iter, "sections")
    }
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        attribute = node.attr if isinstance(node, nodes.Getattr) else _constant(node.arg)  # type: ignore[attr-defined]
        if isinstance(attribute, str) and attribute.startswith("_"):
            problems.append(
                Problem(
                    f"{attribute!r}: a name that starts with '_' is refused in a template", where
                )
            )
            continue
        if not isinstance(node, nodes.Getattr) or not isinstance(node.node, nodes.Name):
            continue
        if node.node.name == "letter" and node.attr not in LETTER_FIELDS:
            known = ", ".join(sorted(LETTER_FIELDS))
            problems.append(
                Problem(
                    f"letter.{node.attr}: a letter has no {node.attr!r} (it has: {known})", where
                )
            )
        if node.node.name in section_names and node.attr not in SECTION_FIELDS:
            problems.append(
                Problem(
                    f"{node.node.name}.{node.attr}: a section has no {node.attr!r} "
                    f"(it has: {', '.join(sorted(SECTION_FIELDS))})",
                    where,
                )
            )
    if declared is not None:
        problems += _undeclared(tree, declared, where)
    return problems


def _undeclared(tree: nodes.Template, declared: Declared, where: Location) -> list[Problem]:
    """The facts, records' fields and lines a template asks for that the library does not
    declare: ``letter.facts.x``, ``row.y`` in a loop over a records fact, ``letter.lines.z``."""
    problems = []
    rows = {
        loop.target.name: str(loop.iter.attr)
        for loop in tree.find_all(nodes.For)
        if isinstance(loop.target, nodes.Name)
        and isinstance(loop.iter, nodes.Getattr)
        and _is_letter_field(loop.iter.node, "facts")
        and loop.iter.attr in declared.facts
    }
    for node in tree.find_all(nodes.Getattr):
        if _is_letter_field(node.node, "facts") and node.attr not in declared.facts:
            known = ", ".join(sorted(declared.facts)) or "none"
            problems.append(
                Problem(
                    f"letter.facts.{node.attr}: the library declares no fact {node.attr!r} "
                    f"(it declares: {known})",
                    where,
                )
            )
        elif (
            _is_letter_field(node.node, "lines") or _is_letter_field(node.node, "parts")
        ) and node.attr not in declared.lines:
            known = ", ".join(sorted(declared.lines)) or "none"
            problems.append(  # printed as nothing: a library may leave out a line it has no use for
                Problem(
                    f"letter.lines.{node.attr}: the library's layout declares no line "
                    f"{node.attr!r}, so it prints nothing (it declares: {known})",
                    where,
                    Severity.WARNING,
                )
            )
        elif isinstance(node.node, nodes.Name) and node.node.name in rows:
            fact = rows[node.node.name]
            if node.attr not in declared.facts[fact]:
                problems.append(
                    Problem(
                        f"{node.node.name}.{node.attr}: a record of {fact!r} has no field "
                        f"{node.attr!r} (it has: {', '.join(sorted(declared.facts[fact]))})",
                        where,
                    )
                )
    return list(dict.fromkeys(problems))  # a name asked for twice is one problem


def _syntax(error: jinja2.TemplateSyntaxError, where: Location, root: Any) -> Problem:
    """A tag syntax error at its paragraph, showing the paragraph's text.

    docxtpl's preprocessing puts each paragraph on a line of its own, so Jinja's line shows the
    paragraph's text; its number is found by that text among the part's paragraphs.
    """
    lines = (error.source or "").splitlines()
    if root is None or not error.lineno or error.lineno > len(lines):
        return Problem(f"template syntax: {error.message}", where)
    text = ooxml.paragraph_line_text(lines[error.lineno - 1])
    number = next(
        (
            number
            for number, paragraph in ooxml.paragraphs(root)
            if text and " ".join("".join(ooxml.run_texts(paragraph)).split()) == text
        ),
        None,
    )
    shown = f", in the paragraph {text[:80]!r}" if text else ""
    return Problem(
        f"template syntax: {error.message}{shown}", Location(part=where.part, paragraph=number)
    )


def _constant(node: nodes.Node) -> Any:
    return node.value if isinstance(node, nodes.Const) else None


def _is_letter_field(node: nodes.Node, field: str) -> bool:
    return (
        isinstance(node, nodes.Getattr)
        and isinstance(node.node, nodes.Name)
        and node.node.name == "letter"
        and node.attr == field
    )
