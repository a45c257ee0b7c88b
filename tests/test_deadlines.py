"""Deadlines reckoned near the end of the calendar: a clear error, never an internal one."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from letters.deadlines import Deadline
from letters.problems import CaseError
from tests.conftest import EXAMPLES

LETTERS = [sys.executable, "-m", "letters"]


@pytest.mark.parametrize("period", ["one month", "two weeks", "20 days", "20 working days"])
def test_a_period_that_ends_past_the_year_9999_is_a_case_error(period: str) -> None:
    deadline = Deadline.parse(period)
    with pytest.raises(CaseError) as raised:
        deadline.due(date(9999, 12, 31))
    assert str(raised.value) == (
        f"{deadline.period} after 9999-12-31 falls past 31 December 9999, the last day of the "
        "calendar: expected a date that leaves room for its deadlines"
    )


def test_a_date_that_ends_inside_the_calendar_is_reckoned() -> None:
    assert Deadline.parse("one month").due(date(9999, 11, 30)) == date(9999, 12, 30)


@pytest.mark.parametrize("command", ["render", "explain"])
def test_a_decision_in_the_year_9999_is_one_clear_line(command: str, tmp_path: Path) -> None:
    """Before: "internal error (ValueError: year 10000 is out of range)"."""
    data = json.loads((EXAMPLES / "upheld-care-assessment-delay.json").read_text("utf-8"))
    data["decision_date"] = "9999-12-31"
    case = tmp_path / "late.json"
    case.write_text(json.dumps(data), encoding="utf-8")
    arguments = (
        [str(case), "-o", str(tmp_path / "late.docx")] if command == "render" else [str(case)]
    )
    done = subprocess.run(
        [*LETTERS, command, *arguments], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"{case}: one month after 9999-12-31 falls past 31 December 9999, the last day of the "
        "calendar: expected a date that leaves room for its deadlines"
    ]
    assert not (tmp_path / "late.docx").exists()
