"""Issuing costs in step with the case: a case with 4n remedies makes a record, and takes memory,
about four times those of n, not sixteen (issue 31: 5,000 payments took 8.9 GB to issue).

Counted, never timed: the bytes of the provenance recorded and the peak of the memory Python
allocates while the letter is issued."""

from __future__ import annotations

import copy
import json
import tracemalloc
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa

from letters.register import Register, tables
from tests.test_remedies import FIXTURE, UPHELD

N = 60


def case_with_payments(folder: Path, count: int) -> str:
    data: dict[str, Any] = copy.deepcopy(UPHELD)
    data["reference"] = f"P{count}"
    data["facts"]["remedies"] = [
        {
            "kind": "payment",
            "amount": 100 + number,
            "acknowledging": ["distress"],
            "by": "one month",
        }
        for number in range(count)
    ]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"payments-{count}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def issued(register: Register, case: str, out: Path) -> tuple[int, int, int]:
    """Issue the case: the bytes of its provenance, its remedies' rows, and the peak of the
    memory allocated while it was issued."""
    issuer = register.issuer(clauses=FIXTURE, by="A. Caseworker")
    tracemalloc.start()
    try:
        (outcome,) = issuer.issue_files([case], out_dir=out)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert outcome.is_ok, outcome.problems
    assert outcome.record is not None
    record = register.record(outcome.record)
    with register.engine.connect() as connection:
        rows = connection.execute(
            sa.select(sa.func.count())
            .select_from(tables.remedies)
            .where(tables.remedies.c.letter_id == outcome.record)
        ).scalar_one()
    return len(orjson.dumps(record.provenance)), rows, peak


def test_issuing_four_times_the_remedies_costs_four_times_not_sixteen(tmp_path: Path) -> None:
    with Register(str(tmp_path / "register.sqlite")) as register:
        # a first letter: what is done once (the library and template stored, compiled)
        issued(register, case_with_payments(tmp_path / "cases", 1), tmp_path / "out")
        small = issued(register, case_with_payments(tmp_path / "cases", N), tmp_path / "out")
        large = issued(register, case_with_payments(tmp_path / "cases", 4 * N), tmp_path / "out")
    (small_bytes, small_rows, small_peak), (large_bytes, large_rows, large_peak) = small, large
    assert (small_rows, large_rows) == (N, 4 * N)
    assert large_bytes < 5 * small_bytes, (small_bytes, large_bytes)
    assert large_peak < 6 * small_peak, (small_peak, large_peak)
