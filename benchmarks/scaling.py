"""How the work of one letter grows with its input: n and 4n, measured in one run.

    .venv/bin/python benchmarks/scaling.py

For each hostile input of issue 24 (explicit sections, additions after one clause, the case's
own paragraphs, declared facts), prints the seconds for n and for 4n and their ratio: about 4
for work that grows in step with its input, 16 for work that grows with its square.

Then, for one case with n and 4n remedies (payments, the live library's upheld example), the
seconds and the memory (the peak resident size above the process's size once the library and
template are read) of rendering its letter and of issuing it (``Register.issue`` into a new
SQLite register: made, written, recorded with its remedies and provenance), each in a process
of its own. Issue 31's target: issuing within twice the time and memory of rendering.
"""

from __future__ import annotations

import copy
import json
import resource
import subprocess
import sys
import tempfile
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


EXAMPLE = ROOT / "examples" / "upheld-care-assessment-delay.json"
REMEDIES = 1_250


def case_with_remedies(folder: Path, n: int) -> Path:
    """The upheld example with ``n`` payments as its remedies."""
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    payment = next(r for r in data["facts"]["remedies"] if r["kind"] == "payment")
    data["facts"]["remedies"] = [
        {**copy.deepcopy(payment), "amount": 100 + number} for number in range(n)
    ]
    path = folder / f"remedies-{n}.json"
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path


def resident_kb() -> int:
    """This process's resident size now (Linux), in KB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def one(act: str, n: int) -> None:
    """Render or issue the letter of a case with ``n`` remedies; print its seconds and KB."""
    from letters.loading import load_case
    from letters.register import Register
    from letters.rendering import Renderer

    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        case = case_with_remedies(folder, n)
        if act == "render":
            renderer = Renderer(ROOT / "clauses")
            before = resident_kb()
            started = time.perf_counter()
            renderer.render(load_case(case), source=str(case))
        else:
            with Register(str(folder / "register.sqlite")) as register:
                issuer = register.issuer(clauses=ROOT / "clauses", by="benchmark")
                before = resident_kb()
                started = time.perf_counter()
                (outcome,) = issuer.issue_files([str(case)], out_dir=folder)
                assert outcome.is_ok, outcome.problems
        took = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{took} {max(0, peak - before)}")


def measured(act: str, n: int) -> tuple[float, int]:
    done = subprocess.run(
        [sys.executable, __file__, "--one", act, str(n)],
        capture_output=True,
        text=True,
        check=True,
    )
    took, kb = done.stdout.split()
    return float(took), int(kb)


def remedies() -> None:
    n = REMEDIES
    figures = {}
    for act in ("render", "issue"):
        (small, small_kb), (large, large_kb) = figures[act] = measured(act, n), measured(act, 4 * n)
        print(
            f"{act + ' remedies':28} n={n:>7,}: {small:6.3f} s {small_kb / 1024:6.1f} MB   "
            f"4n: {large:6.3f} s {large_kb / 1024:6.1f} MB   "
            f"ratio {large / small:4.1f} (time) {large_kb / max(1, small_kb):4.1f} (memory)"
        )
    (_, (render, render_kb)), (_, (issue, issue_kb)) = figures["render"], figures["issue"]
    print(
        f"{'issue / render at 4n':28} time {issue / render:4.1f}   "
        f"memory {issue_kb / max(1, render_kb):4.1f}   (target: at most 2)"
    )


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
    remedies()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        one(sys.argv[2], int(sys.argv[3]))
    else:
        main()
