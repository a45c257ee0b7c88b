"""Measure the engine's speed and memory against plain docxtpl, in one run on this machine.

    .venv/bin/python benchmarks/bench.py           # the full run, about a minute and a half
    .venv/bin/python benchmarks/bench.py --quick   # a smaller run, within 40 seconds

Prints each figure and the ratios; the last line is ``ratio: R``, the engine's letters per
second divided by plain docxtpl's, measured side by side in this run. Single figures vary with
the machine's load; the ratios are what to compare between runs.
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import jinja2
from docxtpl import DocxTemplate

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from startup import cold_start  # noqa: E402 - benchmarks/startup.py, beside this file

import letters  # noqa: E402
from letters.batch import render_files  # noqa: E402
from letters.word import template_context  # noqa: E402

EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
SHM = "/dev/shm"
TEMPLATE = ROOT / "templates" / "decision.docx"


def plain_docxtpl(contexts: list[dict[str, object]], count: int) -> float:
    """Letters per second of the usual docxtpl loop: load the template, render, save."""
    environment = jinja2.Environment(autoescape=True)
    start = time.perf_counter()
    for number in range(count):
        document = DocxTemplate(str(TEMPLATE))
        document.render(contexts[number % len(contexts)], environment, autoescape=True)
        document.save(io.BytesIO())
    return count / (time.perf_counter() - start)


def engine(count: int) -> float:
    """Letters per second of the engine in one process: read the case, compose, render."""
    library = letters.Library.load()
    template = letters.WordTemplate(TEMPLATE)
    start = time.perf_counter()
    for number in range(count):
        path = EXAMPLES[number % len(EXAMPLES)]
        template.render(letters.compose(letters.load_case(path), library))
    return count / (time.perf_counter() - start)


def equivalent() -> bool:
    """Whether the engine's letter reads the same as plain docxtpl's, paragraph by paragraph."""
    library = letters.Library.load()
    letter = letters.compose(letters.load_case(EXAMPLES[0]), library)
    ours = letters.WordTemplate(TEMPLATE).render(letter)
    document = DocxTemplate(str(TEMPLATE))
    document.render(template_context(letter), jinja2.Environment(autoescape=True), autoescape=True)
    theirs = io.BytesIO()
    document.save(theirs)
    return _xml(ours) == _xml(theirs.getvalue())


def _xml(docx: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        from lxml import etree

        return bytes(
            etree.tostring(etree.fromstring(package.read("word/document.xml")), method="c14n")
        )


def case_files(folder: Path, count: int) -> list[str]:
    """``count`` distinct case files (copies of the examples), so each letter has its own name."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(count):
        path = folder / f"case-{number:05d}.json"
        shutil.copyfile(EXAMPLES[number % len(EXAMPLES)], path)
        paths.append(str(path))
    return paths


def batch(cases: list[str], jobs: int, out: Path) -> float:
    """Letters per second of ``letters render --out-dir`` over the cases, with ``jobs`` processes."""
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    outcomes = list(render_files(cases, out_dir=out, jobs=jobs))
    elapsed = time.perf_counter() - start
    assert all(outcome.is_ok for outcome in outcomes)
    return len(cases) / elapsed


def peak_memory(cases: list[str], out: Path) -> float:
    """Peak resident memory (MB) of a fresh process rendering the whole batch."""
    code = (
        "import sys, resource; from letters.batch import render_files;"
        "cases = open(sys.argv[1]).read().split(); n = 0\n"
        "for outcome in render_files(cases, out_dir=sys.argv[2]): n += outcome.is_ok\n"
        "assert n == len(cases); print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    listing = out.with_suffix(".txt")
    listing.write_text("\n".join(cases))
    done = subprocess.run(
        [sys.executable, "-c", code, str(listing), str(out)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return int(done.stdout.strip()) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller run, within 40 seconds")
    quick = parser.parse_args().quick
    sizes = (
        {"plain": 60, "engine": 2000, "parallel": 2000, "small": 300, "large": 3000, "cold": 3}
        if quick
        else {
            "plain": 150,
            "engine": 5000,
            "parallel": 2000,
            "small": 1000,
            "large": 10000,
            "cold": 7,
        }
    )
    library = letters.Library.load()
    contexts = [template_context(letters.compose(letters.load_case(p), library)) for p in EXAMPLES]

    print(
        f"letters benchmark ({'quick' if quick else 'full'} run), {len(EXAMPLES)} example cases cycled"
    )
    print(f"output equivalent to plain docxtpl's: {'yes' if equivalent() else 'NO'}")
    # Alternate the two, twice, so that a change in the machine's load falls on both alike.
    plain_rates, engine_rates = [], []
    for _ in range(2):
        plain_rates.append(plain_docxtpl(contexts, sizes["plain"] // 2))
        engine_rates.append(engine(sizes["engine"] // 2))
    plain, ours = statistics.mean(plain_rates), statistics.mean(engine_rates)
    print(
        f"plain docxtpl (load template, render, save): {plain:8.1f} letters/s over {sizes['plain']}"
    )
    print(
        f"engine, one process (load, compose, render): {ours:8.1f} letters/s over {sizes['engine']}"
    )
    print(f"  engine / plain docxtpl: {ours / plain:.1f}x (target 20x)")

    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        cases = case_files(work / "cases", max(sizes["parallel"], sizes["large"]))
        # -j scales the engine's work; a virtual disk that makes new files slowly and one at a
        # time caps it, so the letters go to memory (tmpfs) where the machine has one, and the
        # figures for the disk follow for comparison.
        places = [("tmpfs", Path(SHM))] if Path(SHM).is_dir() else []
        places.append(("disk", work))
        ratios = {}
        for place, folder in places:
            with tempfile.TemporaryDirectory(dir=folder) as out:
                batch(cases[:200], 1, Path(out) / "warm-up")  # caches, lazy imports
                one = batch(cases[: sizes["parallel"]], 1, Path(out) / "one")
                two = batch(cases[: sizes["parallel"]], 2, Path(out) / "two")
            ratios[place] = two / one
            print(
                f"batch to files on {place}: -j 1 {one:8.1f} letters/s, -j 2 {two:8.1f} letters/s "
                f"over {sizes['parallel']}; -j 2 / -j 1: {two / one:.2f}x"
            )
        print(f"  -j 2 / -j 1: {ratios[places[0][0]]:.2f}x on {places[0][0]} (target 1.6x)")
        small = peak_memory(cases[: sizes["small"]], work / "mem-small")
        large = peak_memory(cases[: sizes["large"]], work / "mem-large")
        print(
            f"peak RSS: {small:.1f} MB for {sizes['small']} letters, {large:.1f} MB for {sizes['large']}"
        )
        print(f"  growth: {(large / small - 1) * 100:+.1f}% (target within 20%)")
        (cold, used), _, _ = cold_start(work, sizes["cold"])  # benchmarks/startup.py tells more
        print(
            f"one letter from a cold start (letters render one.json -o x.docx): {cold:.3f} s median, "
            f"{used:.3f} s of processor time (target < 0.3 s)"
        )
    print(f"ratio: {ours / plain:.1f}")


if __name__ == "__main__":
    main()
