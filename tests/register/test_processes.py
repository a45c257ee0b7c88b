"""The register under real processes: several issuing at once, one killed or stopped midway,
one whose disk fails, and the service's POST /issue; on SQLite and PostgreSQL."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from letters.problems import LettersError
from letters.register import IssuedLetter, Register, issuing, recording, tables
from tests.register.registers import case, write_case
from tests.web.servers import Server


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def letters_command(*arguments: str, **options: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "letters", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **options,
    )


def assert_consistent(register: Register, *folders: Path) -> int:
    """Every letter file has its record and every record its file, of the recorded bytes; no
    temporary file is left. The number of records is returned."""
    records = register.find()
    recorded = {Path(str(r.output_path)).resolve(): r.output_sha256 for r in records}
    files = {}
    for folder in folders:
        for path in folder.iterdir() if folder.is_dir() else ():
            assert not path.name.startswith("."), f"left behind: {path}"
            files[path.resolve()] = sha(path.read_bytes())
    assert files == recorded
    return len(records)


def test_several_processes_issuing_at_once_lose_and_duplicate_nothing(
    register_at: str, register_clauses: Path, tmp_path: Path
) -> None:
    processes, folders = [], []
    for worker in range(4):
        cases = [write_case(tmp_path / f"cases-{worker}", worker * 100 + n) for n in range(30)]
        folders.append(tmp_path / f"out-{worker}")
        arguments = ["issue", *cases, "--clauses", str(register_clauses)]
        arguments += ["--out-dir", str(folders[-1]), "--by", f"worker {worker}"]
        processes.append(letters_command(*arguments, "--register", register_at, "-q"))
    for process in processes:
        _, error = process.communicate(timeout=300)
        assert process.returncode == 0, error.decode()
    with Register(register_at) as register:
        records = register.find()
        assert len(records) == 120
        assert len({record.id for record in records}) == 120
        assert len({record.case_source for record in records}) == 120
        assert {record.issued_by for record in records} == {f"worker {n}" for n in range(4)}
        assert assert_consistent(register, *folders) == 120


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from letters.register import issuing
    from letters.cli import main

    issuing.CHUNK = 5
    links = {"made": 0}
    link = os.link

    def link_then_die(source, target):
        link(source, target)
        links["made"] += 1
        if links["made"] == int(os.environ["KILL_AT_LINK"]):
            os.kill(os.getpid(), signal.SIGKILL)  # as a power cut: no clean-up runs

    os.link = link_then_die
    sys.argv = ["letters", *sys.argv[1:]]
    main()
    """
)


def test_a_process_killed_before_its_commit_leaves_nothing_once_the_register_is_next_used(
    register_at: str, register_clauses: Path, tmp_path: Path
) -> None:
    cases = [write_case(tmp_path / "cases", n) for n in range(12)]
    out = tmp_path / "out"
    arguments = ["issue", *cases, "--clauses", str(register_clauses), "--out-dir", str(out)]
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, *arguments, "--register", register_at],
        env={**os.environ, "KILL_AT_LINK": "8"},  # the 3rd letter of the 2nd chunk of 5
        capture_output=True,
        timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL
    assert _processes_of(str(tmp_path / "cases")) == []  # its workers died with it
    with Register(register_at) as register:
        assert len(register.find()) == 5  # the first chunk was committed
        names = sorted(path.name for path in out.iterdir() if not path.name.startswith("."))
        assert len(names) == 8  # and three letters of the second were named, not recorded
        # the next issue into the folder finishes what the killed process left
        more = write_case(tmp_path / "more", 99)
        [outcome] = register.issue([more], by="B", clauses=register_clauses, out_dir=out)
        assert outcome.is_ok
        assert assert_consistent(register, out) == 6


def _processes_of(marker: str, wait: float = 5.0) -> list[int]:
    """The processes whose command line holds ``marker``, once those ending have ended."""
    deadline = time.monotonic() + wait
    while True:
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    line = (entry / "cmdline").read_bytes()
                    state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
                except OSError:
                    continue
                if marker.encode() in line and state != "Z":
                    found.append(int(entry.name))
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


@pytest.mark.parametrize("when", ["making", "written"])
def test_a_case_that_kills_the_worker_making_its_letter_fails_alone(
    register_at: str,
    register_clauses: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    when: str,
) -> None:
    """A letter that takes its worker process down (a crash in a library, the kernel's
    out-of-memory killer), while it is made or once it is written, fails its own case and
    leaves no file; the other letters, in hand in the same worker or not, are issued."""
    make_letter, write_temporary = recording.make_letter, issuing._write_temporary

    def deadly(renderer: Any, case: Any, *arguments: Any) -> Any:
        if case.reference == "R00003" and when == "making":
            os.kill(os.getpid(), signal.SIGKILL)
        return make_letter(renderer, case, *arguments)

    def written_then_dead(target: Path, data: bytes) -> Path:
        temporary = write_temporary(target, data)
        if target.name == "case-00003.docx" and when == "written":
            os.kill(os.getpid(), signal.SIGKILL)
        return temporary

    # the workers are forked: they have these
    monkeypatch.setattr(issuing, "make_letter", deadly)
    monkeypatch.setattr(issuing, "_write_temporary", written_then_dead)
    monkeypatch.setattr(issuing, "_TASK", 2)
    cases = [write_case(tmp_path / "cases", n) for n in range(1, 9)]
    out = tmp_path / "out"
    with Register(register_at) as register:
        outcomes = list(register.issue(cases, by="A", clauses=register_clauses, out_dir=out))
        assert [o.is_ok for o in outcomes] == [True, True, False, True, True, True, True, True]
        assert "stopped abruptly" in str(outcomes[2].problems[0])
        assert outcomes[2].problems[0].location.file == cases[2]
        assert assert_consistent(register, out) == 7
        assert [r.reference for r in sorted(register.find(), key=lambda r: r.id)] == [
            f"R{n:05d}" for n in (1, 2, 4, 5, 6, 7, 8)
        ]


@pytest.mark.parametrize("jobs", [1, 3])
def test_letters_made_in_worker_processes_are_those_made_here(
    register_at: str, register_clauses: Path, tmp_path: Path, jobs: int
) -> None:
    """A batch's letters are made in worker processes and written and recorded here: the
    same records, letters and provenance as a letter issued alone (made in this process)."""
    cases = [write_case(tmp_path / "cases", n) for n in range(1, 12)]
    with Register(register_at) as register:
        batch = list(
            register.issue(
                cases, by="A", clauses=register_clauses, out_dir=tmp_path / "batch", jobs=jobs
            )
        )
        alone = [
            next(register.issue([c], by="A", clauses=register_clauses, out_dir=tmp_path / "one"))
            for c in cases
        ]
        assert all(o.is_ok for o in batch + alone)
        assert [o.sha256 for o in batch] == [o.sha256 for o in alone]
        for made_there, made_here in zip(batch, alone, strict=True):
            assert made_there.record is not None and made_here.record is not None
            there, here = register.record(made_there.record), register.record(made_here.record)
            assert there.provenance == here.provenance
            assert there.clauses == here.clauses
        assert assert_consistent(register, tmp_path / "batch", tmp_path / "one") == 22


def test_a_stopped_batch_leaves_each_letter_recorded_and_written_or_neither(
    register_at: str, register_clauses: Path, tmp_path: Path
) -> None:
    cases = [write_case(tmp_path / "cases", n) for n in range(1500)]
    out = tmp_path / "out"
    arguments = ["issue", *cases, "--clauses", str(register_clauses), "--out-dir", str(out)]
    process = letters_command(*arguments, "--register", register_at, "-q")

    def recorded() -> int:
        try:
            with Register(register_at, create=False) as register:
                return len(register.find())
        except LettersError:  # not made yet
            return 0

    # stopped once a first chunk is recorded: an event, not a time (on a busy machine, the
    # batch had recorded nothing yet at the time the test used to wait)
    while recorded() == 0:
        assert process.poll() is None, process.communicate()[1].decode()
        time.sleep(0.02)
    process.send_signal(signal.SIGTERM)
    _, error = process.communicate(timeout=120)
    assert process.returncode == 130, error.decode()
    assert "Traceback" not in error.decode()  # "interrupted", one line
    assert _processes_of(str(tmp_path / "cases")) == []  # and its workers are gone
    with Register(register_at) as register:
        count = assert_consistent(register, out)
    assert 0 < count < 1500


def test_a_disk_that_fails_while_letters_are_named_leaves_no_record_and_no_letter(
    register_at: str, register_clauses: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = {"count": 0}
    link = os.link

    def full_on_the_third(source: Any, target: Any) -> None:
        made["count"] += 1
        if made["count"] == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        link(source, target)

    monkeypatch.setattr(os, "link", full_on_the_third)
    cases = [write_case(tmp_path / "cases", n) for n in range(5)]
    out = tmp_path / "out"
    with Register(register_at) as register:
        outcomes = list(register.issue(cases, by="A", clauses=register_clauses, out_dir=out))
        assert [o.is_ok for o in outcomes] == [False] * 5
        assert "No space left on device" in str(outcomes[2].problems[0])
        assert register.find() == []
        assert list(out.iterdir()) == []


@pytest.mark.skipif(issuing._syncfs is None, reason="syncfs(2) is Linux's")
def test_the_letters_and_their_names_reach_the_disk_before_their_records_are_committed(
    register_at: str, register_clauses: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = [write_case(tmp_path / "cases", n) for n in range(7)]
    out = tmp_path / "out"
    seen: list[tuple[set[str], int]] = []
    syncfs = issuing._syncfs
    assert syncfs is not None

    def watched(descriptor: int) -> None:
        with reader.connect() as connection:  # what another process sees now
            recorded = connection.execute(sa.select(sa.func.count()).select_from(letters))
            names = {p.name for p in out.iterdir() if p.suffix == ".docx"}
            seen.append((names, int(recorded.scalar_one())))
        syncfs(descriptor)

    monkeypatch.setattr(issuing, "_syncfs", watched)
    monkeypatch.setattr(issuing, "CHUNK", 4)
    letters = tables.letters
    with Register(register_at) as register:
        reader = sa.create_engine(register.engine.url)
        try:
            outcomes = list(register.issue(cases, by="A", clauses=register_clauses, out_dir=out))
        finally:
            reader.dispose()
        assert all(o.is_ok for o in outcomes)
        assert assert_consistent(register, out) == 7
    # one sync a chunk, each with the chunk's letters named and not yet recorded
    assert [(len(names), recorded) for names, recorded in seen] == [(4, 0), (7, 4)]


def test_a_disk_that_cannot_take_the_letters_leaves_no_record_and_no_letter(
    register_at: str, register_clauses: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(descriptor: int) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(issuing, "_syncfs", failing)
    monkeypatch.setattr(os, "fsync", failing)  # where there is no syncfs
    cases = [write_case(tmp_path / "cases", n) for n in range(3)]
    out = tmp_path / "out"
    with Register(register_at) as register:
        outcomes = list(register.issue(cases, by="A", clauses=register_clauses, out_dir=out))
        assert [o.is_ok for o in outcomes] == [False] * 3
        assert "cannot force the letters to the disk (Input/output error)" in str(
            outcomes[0].problems[0]
        )
        assert register.find() == []
        assert list(out.iterdir()) == []


def test_without_syncfs_each_letter_and_its_folder_is_forced_to_the_disk(
    register_at: str, register_clauses: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[int] = []
    fsync = os.fsync

    def watched(descriptor: int) -> None:
        synced.append(os.fstat(descriptor).st_ino)
        fsync(descriptor)

    monkeypatch.setattr(issuing, "_syncfs", None)
    monkeypatch.setattr(os, "fsync", watched)
    cases = [write_case(tmp_path / "cases", n) for n in range(3)]
    out = tmp_path / "out"
    with Register(register_at) as register:
        outcomes = list(register.issue(cases, by="A", clauses=register_clauses, out_dir=out))
        assert all(o.is_ok for o in outcomes)
    letters = {Path(str(o.output)).stat().st_ino for o in outcomes}
    assert letters | {out.stat().st_ino} <= set(synced)


def test_a_recorder_s_rows_go_in_the_letter_s_transaction(
    register_at: str, register_clauses: Path, tmp_path: Path
) -> None:
    """The API a feature uses to keep data of its own per letter (remedies, say): rows of its
    table, written with the letter's record, or not at all."""
    notes = sa.Table(
        "test_notes",
        sa.MetaData(),
        sa.Column("letter_id", sa.Integer, primary_key=True),
        sa.Column("reference", sa.String(50)),
    )

    class Notes:
        def rows(self, issued: IssuedLetter) -> list[tuple[sa.Table, dict[str, Any]]]:
            if issued.case.reference == "R00002":
                raise ValueError("this one cannot be noted")
            return [(notes, {"reference": issued.case.reference})]

    with Register(register_at) as register:
        notes.create(register.engine)
        cases = [write_case(tmp_path / "cases", n) for n in (1, 2, 3)]
        outcomes = list(
            register.issue(
                cases,
                by="A",
                clauses=register_clauses,
                out_dir=tmp_path / "out",
                recorders=[Notes()],
            )
        )
        # the recorder that fails fails its case alone
        assert [o.is_ok for o in outcomes] == [True, False, True]
        assert "this one cannot be noted" in str(outcomes[1].problems[0])
        assert not (tmp_path / "out" / "case-00002.docx").exists()
        with register.engine.connect() as connection:
            rows = connection.execute(sa.select(notes).order_by(notes.c.letter_id)).all()
        assert [tuple(row) for row in rows] == [(1, "R00001"), (2, "R00003")]
        assert len(register.find()) == 2
        assert_consistent(register, tmp_path / "out")


class Service(Server):
    """A `letters serve` process with a register, on a free port."""

    def __init__(self, register_at: str, clauses: Path, *arguments: str, token: str = "s3cret"):
        self.token = token
        super().__init__(
            "--clauses",
            str(clauses),
            "--register",
            register_at,
            *arguments,
            env={"LETTERS_TOKEN": token},
        )

    def issue(self, body: bytes, query: str = "") -> httpx.Response:
        return httpx.post(
            f"{self.url}/issue{query}",
            content=body,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=60,
        )


@pytest.fixture
def service(register_at: str, register_clauses: Path) -> Iterator[Service]:
    running = Service(
        register_at, register_clauses, "--workers", "2", "--token-name", "Intake service"
    )
    yield running
    running.stop()


def test_post_issue_records_the_body_as_given_and_answers_the_letter(
    service: Service, register_at: str
) -> None:
    body = json.dumps(case(4, name="Mr C"), indent=1).encode() + b"\n\n"  # kept as sent
    answer = service.issue(body)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    identity = int(answer.headers["x-letters-record"])
    assert answer.headers["x-letters-sha256"] == sha(answer.content)
    text = service.issue(body, "?format=txt")
    assert b"We will not investigate Mr C" in text.content
    with Register(register_at) as register:
        record = register.record(identity)
        assert record.case_data == body
        assert record.summary.issued_by == "Intake service"
        assert record.summary.output_sha256 == sha(answer.content)
        assert record.summary.output_path is None
        assert register.reproduce(identity).data == answer.content


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b'{"complainant": {"name": "Mr C", "pronouns": "it"}}', 422, "pronouns"),
        (b"not json", 400, "not valid JSON"),
    ],
)
def test_post_issue_of_a_bad_case_records_nothing(
    service: Service, register_at: str, body: bytes, status: int, message: str
) -> None:
    answer = service.issue(body)
    assert answer.status_code == status
    assert message in answer.text
    with Register(register_at) as register:
        assert register.find() == []


def test_post_issue_needs_the_token(service: Service) -> None:
    answer = httpx.post(f"{service.url}/issue", content=json.dumps(case(1)).encode())
    assert answer.status_code == 401


def test_the_service_and_the_command_line_issuing_at_once_lose_nothing(
    service: Service, register_at: str, register_clauses: Path, tmp_path: Path
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    cases = [write_case(tmp_path / "cases", 500 + n) for n in range(40)]
    command = letters_command(
        "issue",
        *cases,
        "--clauses",
        str(register_clauses),
        "--out-dir",
        str(tmp_path / "out"),
        "--register",
        register_at,
        "-q",
    )
    bodies = [json.dumps(case(n)).encode() for n in range(40)]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(service.issue, bodies))
    _, error = command.communicate(timeout=300)
    assert command.returncode == 0, error.decode()
    assert [answer.status_code for answer in answers] == [200] * 40
    with Register(register_at) as register:
        records = register.find()
        assert len(records) == 80
        assert len({record.id for record in records}) == 80
        served = {int(answer.headers["x-letters-record"]) for answer in answers}
        assert {r.id for r in records if r.issued_by == "Intake service"} == served
