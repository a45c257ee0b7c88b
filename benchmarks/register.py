"""Measure the register: what issuing costs over rendering, and finding by complainant in a
large register.

    .venv/bin/python benchmarks/register.py            # 10,000 letters; a register of 1,000,000
    .venv/bin/python benchmarks/register.py --quick    # 2,000 letters; a register of 100,000
    .venv/bin/python benchmarks/register.py --letters 5000 --records 300000

Figures, on SQLite, in one run:

- issuing / rendering: ``letters issue`` (``Register.issue``: render, write each letter, record
  it, with its case, clauses, provenance) against ``letters render`` (``render_files``) of the
  same distinct case files into a folder, each as its command does it by default (render: in
  one process; issue: the letters made in one worker process while the first writes and
  records them), in ``--rounds`` (3) rounds, each rendering and then issuing. The figure is
  the median of the rounds' ratios: this machine's speed, and its disk's, drift by half
  between rounds, and each round compares the two under the same conditions (the ratio of
  the best times of each follows, for comparison with earlier runs). Target: at most 1.25.
  The ratio of processor time (user and system, worker processes included) follows: the work
  issuing adds, whichever process does it.
- finding by complainant: ``Register.find(Query(complainant=...))`` in a register filled with
  ``--records`` records (copies of real issued records, under up to 100,000 names), the median and slowest of 200 look-ups of names spread over the register. Target:
  under 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from letters.batch import render_files  # noqa: E402
from letters.register import Query, Register, tables  # noqa: E402

EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
NAMES = 100_000


def make_cases(folder: Path, count: int) -> list[str]:
    """Distinct case files made from the examples: each its own reference and complainant."""
    folder.mkdir(parents=True, exist_ok=True)
    examples = [json.loads(path.read_text(encoding="utf-8")) for path in EXAMPLES]
    paths = []
    for number in range(count):
        data = json.loads(json.dumps(examples[number % len(examples)]))
        data["reference"] = f"B{number:07d}"
        data["complainant"]["name"] = f"Mrs Bench {number}"
        path = folder / f"case-{number:06d}.json"
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        paths.append(str(path))
    return paths


def processor_time() -> float:
    """User and system time of this process and of its worker processes that have ended."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def render_round(cases: list[str], work: Path) -> tuple[float, float]:
    out = work / "rendered"
    os.sync()  # what earlier rounds wrote is on the disk before this one starts
    start, used = time.perf_counter(), processor_time()
    failed = [o for o in render_files(cases, out_dir=out, jobs=1) if not o.is_ok]
    took, used = time.perf_counter() - start, processor_time() - used
    assert not failed, failed[0].problems
    shutil.rmtree(out)
    return took, used


def issue_round(cases: list[str], work: Path) -> tuple[float, float]:
    out, register = work / "issued", work / "register.sqlite"
    Register(register).close()  # a register made before (its schema is made once, ever)
    os.sync()
    start, used = time.perf_counter(), processor_time()
    with Register(register) as opened:
        failed = [o for o in opened.issue(cases, by="bench", out_dir=out) if not o.is_ok]
    took, used = time.perf_counter() - start, processor_time() - used
    assert not failed, failed[0].problems
    shutil.rmtree(out)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{register}{suffix}").unlink(missing_ok=True)
    return took, used


def fill(register: Register, records: int, work: Path) -> list[str]:
    """A register of ``records`` records: real issued records copied, under NAMES names. The
    names looked up later are returned."""
    samples = make_cases(work / "samples", len(EXAMPLES))
    outcomes = list(register.issue(samples, by="bench", out_dir=work / "samples-out"))
    assert all(o.is_ok for o in outcomes), [o.problems for o in outcomes if not o.is_ok]
    with register.engine.connect() as connection:
        rows = [dict(row._mapping) for row in connection.execute(sa.select(tables.letters))]
    next_id = max(row["id"] for row in rows) + 1
    chunk = 20_000
    made = len(rows)
    started = time.perf_counter()
    while made < records:
        batch = []
        for offset in range(min(chunk, records - made)):
            number = made + offset
            row = dict(rows[number % len(rows)])
            name = f"Mrs Bench {number % min(NAMES, max(1, records // 10))}"
            row.update(
                id=next_id,
                reference=f"F{number:08d}",
                complainant=name,
                complainant_key=name.casefold(),
                output_path=f"out/{number}.docx",
            )
            batch.append(row)
            next_id += 1
        with register.engine.begin() as connection:
            connection.execute(sa.insert(tables.letters), batch)
        made += len(batch)
        if made % 200_000 < chunk:
            print(f"  filled {made:,} records ({time.perf_counter() - started:.0f} s)", flush=True)
    names = min(NAMES, max(1, records // 10))
    step = max(1, names // 200)
    return [f"mrs bench {n}" for n in range(7, names, step)][:200]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 letters; 100,000 records")
    parser.add_argument("--letters", type=int, help="letters issued and rendered (10,000)")
    parser.add_argument("--records", type=int, help="records in the register searched (1,000,000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each, the best kept (3)")
    parser.add_argument("--work", help="the folder to work in (default: a temporary one)")
    arguments = parser.parse_args()
    count = arguments.letters or (2_000 if arguments.quick else 10_000)
    records = arguments.records or (100_000 if arguments.quick else 1_000_000)
    work = Path(tempfile.mkdtemp(prefix="letters-register-bench-", dir=arguments.work))
    try:
        cases = make_cases(work / "cases", count)
        rendered, issued = [], []
        for number in range(arguments.rounds):
            rendered.append(render_round(cases, work))
            issued.append(issue_round(cases, work))
            print(
                f"  round {number + 1}: render {rendered[-1][0]:.2f} s, issue "
                f"{issued[-1][0]:.2f} s ({issued[-1][0] / rendered[-1][0]:.2f})",
                flush=True,
            )
        (render_time, _), (issue_time, _) = min(rendered), min(issued)
        print(f"render {count:,} letters: {render_time:.2f} s ({count / render_time:.0f}/s)")
        print(f"issue {count:,} letters: {issue_time:.2f} s ({count / issue_time:.0f}/s)")
        pairs = list(zip(rendered, issued, strict=True))
        ratio = statistics.median(i[0] / r[0] for r, i in pairs)
        print(
            f"issuing / rendering: {ratio:.2f}, the median of the rounds (target at most "
            f"1.25); of the best times: {issue_time / render_time:.2f}"
        )
        used = statistics.median(i[1] / r[1] for r, i in pairs)
        print(
            f"  in processor time, worker processes included: {used:.2f} (the work issuing "
            "adds, in whichever process)",
            flush=True,
        )

        print(f"filling a register of {records:,} records ...", flush=True)
        with Register(work / "large.sqlite") as register:
            names = fill(register, records, work)
        with Register(work / "large.sqlite", create=False) as register:
            times, found = [], 0
            for name in names:
                start = time.perf_counter()
                found += len(register.find(Query(complainant=name)))
                times.append(time.perf_counter() - start)
        size = (work / "large.sqlite").stat().st_size
        median, slowest = statistics.median(times) * 1000, max(times) * 1000
        print(
            f"find by complainant among {records:,} records ({size / 1e9:.1f} GB): median "
            f"{median:.2f} ms, slowest {slowest:.2f} ms, {found / len(names):.0f} records a name "
            "(target under 50 ms)"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
