"""Measure a cold start: one letter from a new `letters render` process, and what it imports.

    .venv/bin/python benchmarks/startup.py            # 15 runs of each kind, about 15 seconds
    .venv/bin/python benchmarks/startup.py --runs 5

Each run is a new process (`letters render one.json -o x.docx`), imports included. The package's
byte code is compiled first (`compileall`), as an installed wheel's is (pip compiles it; an
environment with PYTHONDONTWRITEBYTECODE=1 never writes it for an editable install, and pays for
compiling every module on every run). Printed: the median wall time with the code folder kept
from earlier runs (every run after a machine's first), the median with nothing kept (a new code
folder each run), and a bare `python -c pass` for the interpreter's own share; then the imports
of one run, from `python -X importtime`, by top-level package, largest first.
"""

from __future__ import annotations

import argparse
import collections
import compileall
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "examples" / "cpc-report-defamation.json"
LETTERS = Path(sys.executable).with_name("letters")
TARGET = 0.3


Times = tuple[float, float]
"""Median seconds: wall time, and the processor time of the process itself (user and system),
which other work on the machine does not lengthen as it does the wall time."""


def _runs(command: list[str], runs: int, env: dict[str, str] | None = None) -> list[Times]:
    times = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        used = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        times.append((wall, used))
    return times


def _median(times: list[Times]) -> Times:
    return statistics.median(t[0] for t in times), statistics.median(t[1] for t in times)


def cold_start(work: Path, runs: int) -> tuple[Times, Times, Times]:
    """Median times of one letter from a new process: with the code folder kept, with none,
    and of a bare interpreter."""
    compileall.compile_dir(ROOT / "letters", quiet=1)
    command = [str(LETTERS), "render", str(CASE), "-o", str(work / "x.docx")]
    kept = {**os.environ, "XDG_CACHE_HOME": str(work / "cache")}
    subprocess.run(command, check=True, capture_output=True, env=kept)  # fills the code folder
    warm = _median(_runs(command, runs, kept))
    fresh = []
    for number in range(runs):
        env = {**os.environ, "XDG_CACHE_HOME": str(work / f"fresh-{number}")}
        fresh += _runs(command, 1, env)
    bare = _median(_runs([sys.executable, "-c", "pass"], runs))
    return warm, _median(fresh), bare


def imports(work: Path) -> tuple[float, list[tuple[str, float]]]:
    """Milliseconds of imports in one run (code folder kept), in all and by top-level package."""
    command = ["-X", "importtime", "-m", "letters", "render", str(CASE), "-o", str(work / "x")]
    done = subprocess.run(
        [sys.executable, *command],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "XDG_CACHE_HOME": str(work / "cache")},
        cwd=ROOT,
    )
    by_package: dict[str, float] = collections.defaultdict(float)
    for line in done.stderr.splitlines():
        found = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)", line)
        if found:
            by_package[found[2].split(".")[0]] += int(found[1]) / 1000
    return sum(by_package.values()), sorted(by_package.items(), key=lambda item: -item[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory(prefix="letters-startup-") as temporary:
        work = Path(temporary)
        warm, fresh, bare = cold_start(work, runs)
        total, packages = imports(work)
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"one letter from a cold command (letters render one.json -o x.docx), {runs} runs each")
    print(f"(median wall time / processor time; load average {load} on {os.cpu_count()} cores):")
    for label, (wall, used) in (
        ("code folder kept from earlier runs", warm),
        ("nothing kept (a machine's first run)", fresh),
        ("the interpreter alone (python -c pass)", bare),
    ):
        print(f"  {label + ':':40} {wall:.3f} s / {used:.3f} s")
    print(f"  target: under {TARGET} s")
    print(f"imports of one run (python -X importtime): {total:.1f} ms in all")
    for name, milliseconds in packages[:15]:
        print(f"  {milliseconds:6.1f} ms  {name}")
    print(
        f"  {sum(ms for _, ms in packages[15:]):6.1f} ms  {len(packages) - 15} others "
        "(the standard library's small modules)"
    )


if __name__ == "__main__":
    main()
