"""How the work of one letter grows with its input: n and 4n, measured in one run.

    .venv/bin/python benchmarks/scaling.py

For each hostile input of issue 24 (explicit sections, additions after one clause, the case's
own paragraphs, declared facts), prints the seconds for n and for 4n and their ratio: about 4
for work that grows in step with its input, 16 for work that grows with its square.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from letters.composition import compose  # noqa: E402
from letters.facts import FactDeclaration  # noqa: E402
from letters.library import Library, parse_clause  # noqa: E402
from letters.loading import parse_case  # noqa: E402

CLAUSES = {
    "headings/assessment": "---\ntitle: h\n---\nMy assessment\n",
    "letter/title": "---\ntitle: t\n---\nOur decision\n",
    "letter/sign-off": "---\ntitle: s\n---\nThe complaints team\n",
    "found": "---\ntitle: f\n---\nWe found fault.\n",
}
LIBRARY = Library(
    {name: parse_clause(text, clause_id=name, path=name) for name, text in CLAUSES.items()}
)
BASE = {"complainant": {"name": "Mrs X", "pronouns": "she"}, "complaint": {"about": "a fee"}}


def sections(n: int) -> Callable[[], object]:
    case = parse_case(
        {
            **BASE,
            "sections": [{"section": "assessment", "paragraphs": [f"P {i}."]} for i in range(n)],
        }
    )
    return lambda: compose(case, LIBRARY)


def paragraphs(n: int) -> Callable[[], object]:
    case = parse_case(
        {
            **BASE,
            "sections": [{"section": "assessment", "paragraphs": [f"P {i}." for i in range(n)]}],
        }
    )
    return lambda: compose(case, LIBRARY)


def additions(n: int) -> Callable[[], object]:
    from letters.outline import parse_outline

    outline = parse_outline(
        "title: t\nsections:\n  assessment:\n    - found\n", name="o", path="o.yaml"
    )
    library = Library(LIBRARY.clauses, outlines={"o": outline})
    added = [{"section": "assessment", "clause": "found", "after": "found"}] * n
    case = parse_case({**BASE, "outline": "o", "add": added})
    return lambda: compose(case, library)


def facts(n: int) -> Callable[[], object]:
    declared = {f"f{i}": FactDeclaration(f"f{i}", "yes/no", "a fact") for i in range(n)}
    library = Library(LIBRARY.clauses, facts=declared)
    case = parse_case(
        {
            **BASE,
            "facts": {"f1": True},
            "sections": [{"section": "assessment", "paragraphs": ["P."]}],
        }
    )
    return lambda: compose(case, library)


def seconds(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def main() -> None:
    for name, make, n in (
        ("explicit sections", sections, 10_000),
        ("own paragraphs", paragraphs, 25_000),
        ("additions after one clause", additions, 5_000),
        ("declared facts", facts, 20_000),
    ):
        small, large = seconds(make(n)), seconds(make(4 * n))
        print(
            f"{name:28} n={n:>7,}: {small:6.3f} s   4n: {large:6.3f} s   ratio {large / small:4.1f}"
        )


if __name__ == "__main__":
    main()
