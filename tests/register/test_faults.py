"""A stop signal at any moment of issuing leaves each letter recorded and on disk, or neither.

``letters issue`` is stopped by SIGTERM, SIGINT or SIGKILL at each point of the chunk cycle
(a letter written under its temporary name, received, the chunk's records inserted, a letter
named, the letters forced to the disk, the commit, the letters recorded), with -j 1 and -j 2,
on SQLite and PostgreSQL. The points are hit by the issuing process itself: the test-only hook
``LETTERS_FAULT=POINT:SIGNAL:N`` (``letters.register.issuing._fault``) sends the signal the
Nth time the point is reached, so no test depends on timing. After each stop: every letter
named has its record and every record its letter; after SIGKILL, which nothing can hold back,
a letter named but not recorded keeps its temporary name, and the next run removes it. Then
issuing the same cases again works: each case is recorded once, with its letter.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from letters.register import Register
from tests.register.registers import write_case

CASES = 7
CHUNK = 3  # chunks of 3, 3 and 1: a stop in the second leaves the first recorded

DRIVER = textwrap.dedent(
    f"""
    import sys
    from letters.register import issuing
    from letters.cli import main

    issuing.CHUNK = {CHUNK}
    sys.argv = ["letters", *sys.argv[1:]]
    main()
    """
)

# each point, and which time it is reached: in the second chunk, where the first was recorded
POINTS: dict[str, int | str] = {
    "written": "case-00005.docx",  # under its temporary name (-j: by a worker, to the issuer)
    "received": 4,  # the first letter of the second chunk in hand
    "inserted": 2,  # the second chunk's records inserted, none named yet
    "linked": 5,  # the second letter of the second chunk named, not yet known to be
    "synced": 2,  # the second chunk's letters on the disk, before the commit
    "committed": 2,  # the second chunk committed (signals still held)
    "recorded": 2,  # the second chunk recorded, its letters' temporary names still there
}
RECORDED = {  # records a stopped run leaves (-j 1: the points come in order)
    "received": 3,
    "inserted": 3,
    "linked": 6,  # a stop signal is held from the first link to the end of the commit
    "synced": 6,
    "committed": 6,
    "recorded": 6,
}
KILLED = {**RECORDED, "linked": 3, "synced": 3}  # SIGKILL is not held


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def issue(
    register_at: str, clauses: Path, cases: list[str], out: Path, jobs: int, **env: str
) -> subprocess.CompletedProcess[bytes]:
    arguments = ["issue", *cases, "--clauses", str(clauses), "--out-dir", str(out)]
    arguments += ["--register", register_at, "-j", str(jobs), "--by", "A", "--json"]
    return subprocess.run(
        [sys.executable, "-c", DRIVER, *arguments],
        capture_output=True,
        timeout=300,
        env={**os.environ, **env},
    )


def state(register_at: str, out: Path) -> tuple[dict[str, str], dict[str, str], list[Path]]:
    """The letters named in the folder (name: SHA-256), the records (name: SHA-256), and the
    temporary files there."""
    files, temporaries = {}, []
    for path in out.iterdir() if out.is_dir() else ():
        if path.name.startswith("."):
            temporaries.append(path)
        else:
            files[path.name] = sha(path.read_bytes())
    with Register(register_at) as register:
        records = register.find()
    recorded = {Path(str(r.output_path)).name: str(r.output_sha256) for r in records}
    assert len(recorded) == len(records), "a letter recorded twice"
    return files, recorded, temporaries


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("stop", ["TERM", "INT", "KILL"])
@pytest.mark.parametrize("point", list(POINTS))
def test_a_stop_at_any_point_leaves_each_letter_recorded_and_written_or_neither(
    register_at: str, register_clauses: Path, tmp_path: Path, point: str, stop: str, jobs: int
) -> None:
    cases = [write_case(tmp_path / "cases", number) for number in range(1, CASES + 1)]
    out = tmp_path / "out"
    fault = f"{point}:{stop}:{POINTS[point]}"
    stopped = issue(register_at, register_clauses, cases, out, jobs, LETTERS_FAULT=fault)
    error = stopped.stderr.decode()
    files, recorded, temporaries = state(register_at, out)
    if stop == "KILL":
        assert stopped.returncode == -signal.SIGKILL, error
        # a letter named and not recorded is the killed run's to undo: it has a second name
        for name in set(files) - set(recorded):
            assert (out / name).stat().st_nlink == 2, name
        files = {name: digest for name, digest in files.items() if name in recorded}
    else:
        assert stopped.returncode == 130, error
        assert error.strip().splitlines()[-1] == "letters: interrupted", error
        assert "Traceback" not in error
        assert temporaries == []
    assert files == recorded
    if jobs == 1 and point in RECORDED:
        assert len(recorded) == (KILLED if stop == "KILL" else RECORDED)[point]

    # issuing the cases again: those not recorded are issued, the others are there already
    again = issue(register_at, register_clauses, cases, out, jobs)
    results = json.loads(again.stdout)["results"]
    for result in results:
        name = Path(result["case"]).with_suffix(".docx").name
        if name in recorded:
            assert not result["ok"] and "a file is already there" in result["errors"][0]["message"]
        else:
            assert result["ok"], result
    files, recorded, temporaries = state(register_at, out)
    assert files == recorded
    assert len(recorded) == CASES
    assert temporaries == []


def test_a_letter_left_with_no_record_is_adopted_by_the_next_issue_of_its_case(
    register_clauses: Path, tmp_path: Path
) -> None:
    """A letter on disk with no record (as a stopped run left before issue 31) is taken as
    the letter when the same case is issued again and makes the same bytes; a file of other
    bytes at the name is still never written over."""
    cases = [write_case(tmp_path / "cases", number) for number in (1, 2)]
    out = tmp_path / "out"
    elsewhere = str(tmp_path / "elsewhere.sqlite")  # its letters are unrecorded in ours
    first = issue(elsewhere, register_clauses, cases, out, 1)
    assert first.returncode == 0, first.stderr.decode()
    (out / "case-00002.docx").write_bytes(b"not the letter")
    ours = str(tmp_path / "register.sqlite")
    again = issue(ours, register_clauses, cases, out, 1)
    results = json.loads(again.stdout)["results"]
    assert [result["ok"] for result in results] == [True, False]
    assert "a file is already there" in results[1]["errors"][0]["message"]
    files, recorded, temporaries = state(ours, out)
    assert recorded == {"case-00001.docx": files["case-00001.docx"]}
    assert (out / "case-00001.docx").stat().st_nlink == 1
    assert (out / "case-00002.docx").read_bytes() == b"not the letter"
    assert temporaries == []
