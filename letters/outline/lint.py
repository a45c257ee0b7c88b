"""Lint analysis of an outline: what is wrong with it against its library.

Unknown clauses, variants and facts, sections without a heading, conditions that read what no
case has, and conditions that no facts could make true: each a problem at the outline's line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import meta, nodes

from letters.facts import FactDeclaration
from letters.outline.conditions import CONDITION_NAMES, ENVIRONMENT, can_be_true
from letters.outline.format import FactValueOf, Outline
from letters.problems import Location, Problem

COMPLAINT_FIELDS = frozenset(("about", "statement", "wants"))


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
