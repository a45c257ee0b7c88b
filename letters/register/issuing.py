"""Issuing letters: each rendered, written and recorded in the register, or none of these.

For each chunk of cases: every letter is rendered and written to a temporary file beside its
target; a case that fails is that case's outcome, and is not recorded. Then, in one
transaction, the chunk's records are inserted, each temporary file is linked to its letter's
name (never over an existing file: an issued letter is not written over), the letters and
their names are forced to the disk (one ``syncfs`` of their file system on Linux, an fsync of
each letter and folder elsewhere), and the transaction is committed; only then are the
temporary names removed. Should anything fail before the commit, the letters linked in that
chunk are removed again and nothing is recorded.
Stop signals are held back from the first link to the end of the commit, so that a stopped
batch leaves each letter either recorded and written, or neither.

Only a process killed outright (SIGKILL, a power cut) between the links and the commit can
leave letters named but not recorded; each keeps its temporary name too, as a second link to
the same file, and the next issue into that folder removes them (``Issuer.recover``). A letter
with no record and no other name, exactly the bytes its case makes again, is adopted when the
case is issued again (``_adopt``): it is what a stopped run of an older version left.

A batch's letters are made and written by worker processes (``letters.batch.workers``) while this
process records the chunk before: only this process names letters and records them, and a
worker's temporary files carry this process's id, so they are its own until it ends.

What a record holds: the case file as given, the outline and every clause and variant used with
the SHA-256 of its wording, the library's version (hash of its files, git commit), the
template's SHA-256 (the template and the library's files are kept in the register by content),
the output format and SHA-256 of the bytes written, the provenance record, who issued it and
when (UTC).
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime
import errno
import itertools
import os
import signal
import socket
import stat
import sys
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from attrs import frozen
from sqlalchemy.engine import Connection

from letters.batch import Job, Workers, die_with_parent, died, output_folder, plan
from letters.limits import read_bounded
from letters.loading import read_case_text
from letters.outcomes import Outcome, contained, problems_of, stop_behind
from letters.output import STDIN, hold_signals, release_signals
from letters.problems import CaseError, Location, OutputError, Problem, RegisterError, UsageError
from letters.provenance import provenance_of
from letters.register import tables
from letters.register.derived import reference_key
from letters.register.recording import (
    IssuedLetter,
    Recorder,
    clause_set_hash,
    clause_uses,
    make_letter,
    seal_records,
    signer_of,
)
from letters.register.records import Records, name_key
from letters.register.remedies import RemedyRecorder
from letters.register.versions import LibraryVersion, library_version, sha256
from letters.rendering import Renderer
from letters.word import deflate_quickly, deflates_with_isal

FORMATS = ("docx", "txt", "md")
"""What can be issued: formats whose bytes come out the same every time (a PDF carries the
time LibreOffice made it)."""
CHUNK = 500  # letters recorded in one transaction
_counter = itertools.count()
_TEMPORARY = ".letters-issue-"
_HOST = socket.gethostname().replace("-", "_")


@frozen
class IssueOutcome:
    """What became of one case: the record and the letter's file, or what stopped it."""

    case: str
    record: int | None
    output: str | None
    sha256: str | None = None
    problems: tuple[Problem, ...] = ()

    @property
    def is_ok(self) -> bool:
        return self.record is not None and not any(p.is_error for p in self.problems)

    def as_json(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "ok": self.is_ok,
            "record": self.record,
            "output": self.output if self.is_ok else None,
            "sha256": self.sha256 if self.is_ok else None,
            "errors": [problem.as_json() for problem in self.problems],
        }


@frozen
class _Made:
    """A letter made from its case and written under a temporary name beside its target (or
    kept, for the service), not yet recorded: made in this process, or in a worker process and
    sent back (so it holds only plain data)."""

    document: bytes | None  # the letter, when it goes back to the caller (the service)
    temporary: Path | None  # where it was written
    row: dict[str, Any]  # the record's values, but for the hashes of what was written
    clauses: tuple[tuple[str, str, str], ...]
    extra: tuple[tuple[str | sa.Table, dict[str, Any]], ...]  # the recorders' rows


@frozen
class _Ready:
    """A letter written to its temporary file (or kept, for the service), not yet recorded."""

    job: Job
    document: bytes | None  # only for the caller (the service); a file's letter is its file
    row: dict[str, Any]
    clauses: tuple[tuple[str, str, str], ...]
    extra: tuple[tuple[str | sa.Table, dict[str, Any]], ...]
    temporary: Path | None  # None: the letter goes back to the caller (the service)


def now() -> datetime.datetime:
    """The time of issue: UTC, to the microsecond, without a zone (all times are UTC)."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def engine_version() -> str:
    """The version of letters making the letter, and whether ISA-L made its deflate."""
    try:
        mine = version("letters")
    except PackageNotFoundError:
        mine = "0"
    return f"letters {mine}" + (" isal" if deflates_with_isal() else "")


class Issuer:
    """Renders and records letters with one renderer (library and template read once)."""

    def __init__(
        self,
        register: Records,
        renderer: Renderer,
        *,
        by: str,
        output_format: str = "docx",
        recorders: Sequence[Recorder] = (),
        version: LibraryVersion | None = None,
    ):
        if output_format not in FORMATS:
            raise UsageError(
                f"letters are issued as {', '.join(FORMATS)}, not {output_format!r} "
                "(a PDF is not the same bytes twice: issue the .docx and convert it)"
            )
        if not by.strip():
            raise UsageError("who issues the letters? --by NAME")
        self.register = register
        self.renderer = renderer
        self.by = by.strip()
        self.output_format = output_format
        self.recorders = (RemedyRecorder(), *recorders)  # every letter's remedies, due dates
        root = renderer.library.root
        if root is None:
            raise UsageError("a library read from a folder is needed to issue letters")
        self.version = version or library_version(root)
        self.template_data = renderer.template.data
        self.template_sha256 = sha256(self.template_data)
        self.engine = engine_version()
        self.signer = signer_of()  # with a signing_key configured, every record is signed
        self._stored = False
        self._recovered: set[Path] = set()
        self._wordings: dict[tuple[str, str], str] = {}
        self._clause_sets: set[str] = set()  # known to be in the register

    # -- one letter, for the service ---------------------------------------------------------

    def issue_data(
        self, data: bytes, *, source: str, replaces: int | None = None, note: str | None = None
    ) -> tuple[int, bytes]:
        """Issue the letter of a case given as bytes (the service's request body): its
        record's id and the letter. Nothing is written to a file."""
        job = Job(source, None, None)
        ready = self._ready(job, self._make(job, data, replaces, note))
        (number,) = self._record([ready])
        assert ready.document is not None
        return number, ready.document

    # -- case files -----------------------------------------------------------------------------

    def issue_files(
        self,
        cases: Sequence[str],
        *,
        out_dir: str | Path | None = None,
        output: str | None = None,
        name: str | None = None,
        replaces: int | None = None,
        note: str | None = None,
        jobs: int = 1,
    ) -> Iterator[IssueOutcome]:
        """Issue each case file's letter into ``out_dir`` (or ``output``), yielding each
        case's outcome in order.

        A batch's letters are made and written (under temporary names) by ``jobs`` worker
        processes (on Linux, forked: the library and template as read here) while this
        process records them, so that the register's work runs beside the rendering instead
        of after it."""
        if output == STDIN:
            raise UsageError(
                "an issued letter goes to a file (-o FILE or --out-dir), not to standard output"
            )
        if output is not None and len(cases) > 1:
            raise UsageError("one output file (-o) takes one case; use --out-dir for several")
        if replaces is not None and len(cases) != 1:
            raise UsageError("--replaces names one record: issue its correction alone")
        if cases.count(STDIN) > 1:
            raise UsageError("standard input (-) can be read only once")
        folder = output_folder(out_dir)
        planned = list(
            plan(
                cases,
                out_dir=folder,
                output=output,
                name=name,
                suffix=f".{self.output_format}",
                limits=self.renderer.limits,
            )
        )
        outcomes: list[IssueOutcome | None] = []
        pending: list[tuple[int, Job]] = []
        for item in planned:
            if isinstance(item, Outcome):
                outcomes.append(IssueOutcome(item.case, None, None, problems=item.problems))
            else:
                outcomes.append(None)
                pending.append((len(outcomes) - 1, item))
        todo = [job for _, job in pending]
        parallel = sys.platform == "linux" and len(todo) > 1 and all(j.text is None for j in todo)
        made: Generator[_Made | Outcome, None, None]
        if parallel:
            made = self._made_in_workers(todo, replaces, note, max(1, jobs))
        else:
            made = (self._made_here(job, replaces, note) for job in todo)
        done = 0
        with contextlib.closing(made):  # workers ended however the batch ends
            for start in range(0, len(pending), CHUNK):
                chunk = pending[start : start + CHUNK]
                for index, outcome in zip(
                    (i for i, _ in chunk),
                    self._issue_chunk([j for _, j in chunk], made),
                    strict=True,
                ):
                    outcomes[index] = outcome
                while done < len(outcomes) and (ready := outcomes[done]) is not None:
                    yield ready
                    done += 1
        for rest in outcomes[done:]:
            assert rest is not None
            yield rest

    def _made_here(self, job: Job, replaces: int | None, note: str | None) -> _Made | Outcome:
        return contained(job.case, lambda: self._make_file(job, replaces, note))

    def _made_in_workers(
        self, jobs: Sequence[Job], replaces: int | None, note: str | None, workers: int
    ) -> Generator[_Made | Outcome, None, None]:
        """Each job's letter made by worker processes, in order; only a case that kills its
        worker fails of it (``letters.batch.workers``)."""
        global _maker
        _maker = self  # what a forked worker makes the letters with
        size = max(1, min(_TASK, len(jobs) // (workers * 4)))
        tasks = [list(jobs[start : start + size]) for start in range(0, len(jobs), size)]
        pool = Workers(workers, start="fork", initializer=_start_worker)
        # the last letters workers wrote and sent back: a chunk's at most are not yet recorded
        # (and still have their temporary names)
        received: deque[Path] = deque(maxlen=CHUNK)
        try:
            # letters in hand: enough to keep the workers busy while a chunk is recorded
            ahead = max(2 * workers + 2, _AHEAD // size)
            letters = pool.run(_make_in_worker, tasks, (replaces, note), ahead=ahead, died=died)
            with contextlib.closing(letters):  # the workers ended before the clean-up below
                for made in letters:
                    if isinstance(made, _Made) and made.temporary is not None:
                        received.append(made.temporary)
                    yield made
        finally:
            if pool.lost:  # letters workers wrote and never sent: a worker died, or a stop
                folders = {job.target.parent for job in jobs if job.target is not None}
                for folder in folders:
                    for writer in pool.pids:
                        mine = f"{_TEMPORARY}{_HOST}-{os.getpid()}-{writer}-*.part"
                        for left in folder.glob(mine):
                            if left not in received:
                                _remove(left)

    def _issue_chunk(
        self, jobs: Sequence[Job], made: Iterator[_Made | Outcome]
    ) -> list[IssueOutcome]:
        """Write and record a chunk's letters, as ``made`` gives them (one for each job)."""
        results: dict[int, IssueOutcome] = {}
        ready: dict[int, _Ready] = {}
        for folder in {job.target.parent for job in jobs if job.target is not None}:
            if folder not in self._recovered:
                self.recover(folder)
                self._recovered.add(folder)
        try:
            for number, job in enumerate(jobs):
                letter = next(made)
                written = letter if isinstance(letter, Outcome) else self._written(job, letter)
                if isinstance(written, Outcome):
                    results[number] = IssueOutcome(
                        job.case, None, _target(job), problems=written.problems
                    )
                else:
                    ready[number] = written
                    _fault("received")
            while ready:
                try:
                    identities = self._record(list(ready.values()))
                    _fault("recorded")
                except _Taken as taken:  # a file appeared at a letter's name: that letter fails
                    for number, each in list(ready.items()):
                        if each.job is taken.job:
                            results[number] = _failed(each, taken.problem)
                            _remove(each.temporary)
                            del ready[number]
                    continue
                for (number, each), identity in zip(ready.items(), identities, strict=True):
                    results[number] = IssueOutcome(
                        each.job.case, identity, _target(each.job), each.row["output_sha256"]
                    )
                    _remove(each.temporary)
                ready = {}
        except BaseException as error:  # the chunk is not recorded: its letters are not left
            for each in ready.values():
                _remove(each.temporary)
            stop = stop_behind(error)  # a stop, or an error a stop left behind (a connection
            # cut short in the middle of a statement): the run stops, no case is blamed
            if stop is not None:
                # a stop signal may come between a temporary file's making and its being
                # known: every temporary file of this process goes
                mine = f"{_TEMPORARY}{_HOST}-{os.getpid()}-*.part"
                for folder in {job.target.parent for job in jobs if job.target is not None}:
                    for left in folder.glob(mine):
                        _remove(left)
                if stop is error:
                    raise
                raise stop from None
            for number, each in ready.items():
                results[number] = IssueOutcome(
                    each.job.case, None, _target(each.job), problems=problems_of(error)
                )
        return [results[number] for number in range(len(jobs))]

    def recover(self, folder: Path) -> list[Path]:
        """Finish what an issuing process killed in this folder left: the letters it had named
        but not recorded are removed, and its temporary files. The files removed are returned.

        A process stopped by SIGKILL or a power cut between naming its letters and committing
        their records leaves each such letter with a second name, its temporary one; a letter
        whose record was committed is kept (only its temporary name goes).
        """
        removed: list[Path] = []
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return removed
        stale = [entry for entry in entries if _is_stale(entry.name)]
        if not stale:
            return removed
        by_inode: dict[int, list[os.DirEntry[str]]] = {}
        for entry in entries:
            if not entry.name.startswith(_TEMPORARY):
                with contextlib.suppress(OSError):
                    by_inode.setdefault(entry.inode(), []).append(entry)
        for temporary in stale:
            with contextlib.suppress(OSError):
                for named in by_inode.get(temporary.inode(), []):
                    if not self._is_recorded(Path(named.path)):
                        Path(named.path).unlink()
                        removed.append(Path(named.path))
                Path(temporary.path).unlink()
                removed.append(Path(temporary.path))
        return removed

    def _is_recorded(self, path: Path) -> bool:
        digest = sha256(path.read_bytes())
        with self.register.engine.connect() as connection:
            return _is_claimed(connection, path, digest)

    def _make_file(self, job: Job, replaces: int | None, note: str | None) -> _Made:
        if job.text is not None:
            data = job.text.encode("utf-8")
        else:
            data = read_bounded(
                Path(job.case), self.renderer.limits.file_size, CaseError, "case file"
            )
        return self._make(job, data, replaces, note)

    def _make(self, job: Job, data: bytes, replaces: int | None, note: str | None) -> _Made:
        """The letter of a case given as bytes, written under a temporary name beside its
        target (none: kept for the caller), and its record's values. This runs in worker
        processes: it writes nothing else, and the letter last."""
        source = "<stdin>" if job.text is not None else job.case
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise CaseError(
                f"not UTF-8 text ({error.reason} at byte {error.start})", Location(file=source)
            ) from None
        case = read_case_text(text, source=source)
        letter, document = make_letter(self.renderer, case, self.output_format, source)
        provenance = orjson.dumps(provenance_of(letter, case=source))  # deflated by _ready
        uses = clause_uses(letter, self.renderer.library, self._wordings)
        issued = IssuedLetter(case, letter, source)
        extra = tuple(
            (table.name if table.metadata is tables.metadata else table, values)
            for recorder in self.recorders
            for table, values in recorder.rows(issued)
        )
        row = {
            "issued_by": self.by,
            "replaces": replaces,
            "note": note,
            "case_source": source,
            "case_data": data,
            "reference": case.reference,
            "reference_key": reference_key(case.reference),
            "stage": case.stage,
            "complainant": case.complainant.name if case.complainant else "",
            "complainant_key": name_key(case.complainant.name if case.complainant else ""),
            "body": case.body.name,
            "body_key": name_key(case.body.name) if case.body.name else None,
            "outline": letter.outline,
            "decision_date": case.decision_date.isoformat() if case.decision_date else None,
            "clause_set": clause_set_hash(uses),
            "library_hash": self.version.hash,
            "template": str(self.renderer.template.path),
            "template_sha256": self.template_sha256,
            "engine": self.engine,
            "output_format": self.output_format,
            "provenance": provenance,
        }
        if job.target is None:
            return _Made(document, None, row, uses, extra)
        return _Made(None, _write_temporary(job.target, document), row, uses, extra)

    def _written(self, job: Job, made: _Made) -> _Ready | Outcome:
        ready = contained(job.case, lambda: self._ready(job, made))
        if isinstance(ready, Outcome):
            _remove(made.temporary)
        return ready

    def _ready(self, job: Job, made: _Made) -> _Ready:
        """The letter as its record will claim it: the hashes are computed here, of the bytes
        written (read back from the letter's temporary file)."""
        document = made.document
        if made.temporary is not None:
            try:
                document = made.temporary.read_bytes()
            except OSError as error:
                raise OutputError(
                    f"cannot read the letter back ({error.strerror})",
                    Location(file=_target(job) or str(made.temporary)),
                ) from None
        assert document is not None
        row = made.row
        row["provenance"] = deflate_quickly(row["provenance"])  # zlib's format, by ISA-L if any
        row["case_sha256"] = sha256(row["case_data"])
        row["output_sha256"] = sha256(document)
        row["output_size"] = len(document)
        row["output_path"] = str(job.target) if job.target else None
        return _Ready(job, made.document, row, made.clauses, made.extra, made.temporary)

    def _record(self, ready: Sequence[_Ready]) -> list[int]:
        """Insert the records, link each letter to its name, commit: their ids in order."""
        held = None
        linked: list[Path] = []
        try:
            with self.register.engine.begin() as connection:
                self._store_inputs(connection)
                if ready[0].row["replaces"] is not None:
                    _check_replaces(connection, ready[0].row["replaces"])
                new_sets = self._store_clause_sets(connection, ready)
                stamp = now()
                rows = [{**each.row, "issued_at": stamp} for each in ready]
                seal_records(connection, rows, self.signer)  # numbered and chained, under a lock
                inserted = connection.execute(
                    sa.insert(tables.letters).returning(
                        tables.letters.c.id, sort_by_parameter_order=True
                    ),
                    rows,
                )
                identities = [int(identity) for identity in inserted.scalars()]
                self._record_extra(connection, ready, identities)
                _fault("inserted")
                held = hold_signals()
                for each, identity in zip(ready, identities, strict=True):
                    if each.temporary is not None and each.job.target is not None:
                        _link(each, linked, connection, identity)
                if linked:
                    _sync_files(ready)
                _fault("synced")
                # leaving the block commits
            _fault("committed")
        except BaseException as error:
            for path in linked:
                _remove(path)
            if isinstance(error, sa.exc.OperationalError):
                reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
                raise RegisterError(
                    f"the register {self.register.shown} did not take the letters: {reason}"
                ) from None
            raise
        finally:
            # a stop signal held back is taken here, out of the handler above: the letters are
            # recorded and named by now, or neither
            _release(held)
        self._stored = True
        self._clause_sets.update(new_sets)
        return identities

    def _record_extra(
        self, connection: Connection, ready: Sequence[_Ready], identities: Sequence[int]
    ) -> None:
        grouped: dict[str | sa.Table, list[dict[str, Any]]] = {}
        for each, identity in zip(ready, identities, strict=True):
            for table, values in each.extra:
                grouped.setdefault(table, []).append({**values, "letter_id": identity})
        for table, rows in grouped.items():
            named = tables.metadata.tables[table] if isinstance(table, str) else table
            connection.execute(sa.insert(named), rows)

    def _store_clause_sets(self, connection: Connection, ready: Sequence[_Ready]) -> set[str]:
        """The chunk's sets of clause uses the register may not have yet, stored."""
        new = {
            each.row["clause_set"]: each.clauses
            for each in ready
            if each.row["clause_set"] not in self._clause_sets
        }
        if new:
            _insert_new(connection, tables.clause_sets, [{"hash": key} for key in new])
            _insert_new(
                connection,
                tables.clause_set_members,
                [
                    {"set_hash": key, "clause": c, "variant": v, "text_sha256": d}
                    for key, uses in new.items()
                    for c, v, d in uses
                ],
            )
        return set(new)

    def _store_inputs(self, connection: Connection) -> None:
        """The library's files and the template, kept by content (once per register)."""
        if self._stored:
            return
        known = connection.execute(
            sa.select(tables.libraries.c.hash).where(tables.libraries.c.hash == self.version.hash)
        ).first()
        blobs = {self.template_sha256: self.template_data}
        if known is None:
            blobs.update({sha256(content): content for content in self.version.files.values()})
        _insert_new(
            connection, tables.blobs, [{"sha256": k, "content": v} for k, v in blobs.items()]
        )
        if known is None:
            _insert_new(
                connection,
                tables.libraries,
                [
                    {
                        "hash": self.version.hash,
                        "git_commit": self.version.git_commit,
                        "git_path": self.version.git_path,
                        "is_dirty": self.version.is_dirty,
                        "first_seen": now(),
                    }
                ],
            )
            _insert_new(
                connection,
                tables.library_files,
                [
                    {"library_hash": self.version.hash, "path": path, "sha256": digest}
                    for path, digest in self.version.file_hashes.items()
                ],
            )


_TASK = 32  # cases a worker makes at a time
_AHEAD = 256  # letters asked of the workers ahead of those being written and recorded
_maker: Issuer | None = None  # a worker's issuer: the parent's, inherited on fork
_owner: int | None = None  # a worker's issuing process


_FAULT = os.environ.get("LETTERS_FAULT", "")  # for the tests only: see _fault
_faults: dict[str, int] = {}


def _fault(point: str, name: str | None = None) -> None:
    """For the fault-injection tests only (tests/register/test_faults.py), which set
    ``LETTERS_FAULT=POINT:SIGNAL[:N]`` (``linked:TERM:3``): the issuing process is sent SIGNAL
    (TERM, INT or KILL) the Nth time (the first, without N) this process reaches POINT of the
    chunk cycle: ``written`` (a letter under its temporary name, in a worker with -j; N may be
    the letter's file name instead), ``received``, ``inserted`` (the chunk's records, before
    the first link), ``linked``, ``synced``, ``committed`` (signals still held) or
    ``recorded`` (held no more)."""
    if not _FAULT.startswith(f"{point}:"):
        return
    _, signal_name, nth = (_FAULT + ":1").split(":")[:3]
    _faults[point] = reached = _faults.get(point, 0) + 1
    if (nth.isdigit() and reached == int(nth)) or nth == name:
        os.kill(_owner or os.getpid(), getattr(signal, f"SIG{signal_name}"))


def _start_worker() -> None:
    """Set up a worker process: it ends with its parent (even one killed outright), and leaves
    stop signals to it (the parent ends its workers)."""
    global _owner
    _owner = os.getppid()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent(signal.SIGKILL)


def _make_in_worker(
    jobs: list[Job], replaces: int | None, note: str | None
) -> list[_Made | Outcome]:
    assert _maker is not None
    return [_maker._made_here(job, replaces, note) for job in jobs]


def _check_replaces(connection: Connection, replaces: int) -> None:
    letters = tables.letters
    found = connection.execute(sa.select(letters.c.id).where(letters.c.id == replaces)).first()
    if found is None:
        raise UsageError(f"--replaces {replaces}: no record {replaces} in the register")
    later = connection.execute(
        sa.select(letters.c.id).where(letters.c.replaces == replaces)
    ).first()
    if later is not None:
        raise UsageError(
            f"--replaces {replaces}: record {replaces} was already corrected by record "
            f"{later[0]}; a correction names the latest record"
        )


def _insert_new(connection: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows whose key may be there already (another process stored the same content)."""
    if not rows:
        return
    # deferred: start-up speed (a dialect's module is imported for the database in use only)
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert  # noqa: PLC0415
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]  # noqa: PLC0415
    connection.execute(insert(table).on_conflict_do_nothing(), rows)


class _Taken(Exception):
    """A file appeared at a letter's name after it was planned."""

    def __init__(self, job: Job, problem: Problem):
        super().__init__(problem.message)
        self.job = job
        self.problem = problem


def _is_stale(name: str) -> bool:
    """Whether a file is the temporary file of an issuing process of this machine that is gone."""
    if not name.startswith(_TEMPORARY) or not name.endswith(".part"):
        return False
    host, _, rest = name[len(_TEMPORARY) :].partition("-")
    pid = rest.partition("-")[0]
    if host != _HOST or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def _failed(each: _Ready, problem: Problem) -> IssueOutcome:
    return IssueOutcome(each.job.case, None, _target(each.job), problems=(problem,))


def _target(job: Job) -> str | None:
    return str(job.target) if job.target is not None else None


def _write_temporary(target: Path, data: bytes) -> Path:
    """The letter written under a temporary name beside its target (forced to the disk with
    the rest of its chunk, ``_sync_files``). The name holds the issuing process's id and the
    writer's: ``.letters-issue-HOST-ISSUER-WRITER-N.part``."""
    folder = target.parent
    if not folder.is_dir():
        raise OutputError("the folder to write into does not exist", Location(file=str(target)))
    if target.exists() and not _is_same(target, data):  # the same: perhaps a leftover, _link
        raise OutputError(
            "a file is already there; an issued letter is never written over "
            "(choose another --out-dir or --name)",
            Location(file=str(target)),
        )
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    owner = _owner or os.getpid()  # a worker's letters are its issuing process's
    while True:
        temporary = folder / f"{_TEMPORARY}{_HOST}-{owner}-{os.getpid()}-{next(_counter)}.part"
        try:
            descriptor = os.open(temporary, flags, 0o666)
            break
        except FileExistsError:
            continue
        except OSError as error:
            raise OutputError(
                f"cannot write here ({error.strerror})", Location(file=str(target))
            ) from None
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view) :]
        finally:
            os.close(descriptor)
    except BaseException as error:
        _remove(temporary)
        if isinstance(error, OSError):
            raise OutputError(
                f"cannot write the letter ({error.strerror})", Location(file=str(target))
            ) from None
        raise
    _fault("written", target.name)
    return temporary


def _is_same(path: Path, data: bytes) -> bool:
    """Whether the file at ``path`` is a regular file holding exactly ``data``."""
    if not path.is_file():  # checked before opening: opening a FIFO waits for a writer
        return False
    try:
        with path.open("rb") as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                return False
            if os.fstat(file.fileno()).st_size != len(data):
                return False
            return file.read() == data
    except OSError:
        return False


def _sync_files(ready: Sequence[_Ready]) -> None:
    """The chunk's letters and their new names on the disk, before the records say the
    letters are there: a ``syncfs`` of the file system of each folder (Linux; one folder a
    batch), which costs a batch far less than an fsync of each letter; elsewhere an fsync of
    each letter and folder."""
    named = [
        (each.temporary, each.job.target)
        for each in ready
        if each.temporary is not None and each.job.target is not None
    ]
    folders = {target.parent for _, target in named}
    if _syncfs is not None:
        for folder in folders:
            _sync(folder, _syncfs)
        return
    for temporary, _ in named:
        _sync(temporary, os.fsync)
    for folder in folders:
        _sync(folder, os.fsync)


def _sync(path: Path, sync: Callable[[int], object]) -> None:
    try:
        descriptor = os.open(path, os.O_RDONLY)
        try:
            sync(descriptor)
        finally:
            os.close(descriptor)
    except OSError as error:
        raise OutputError(
            f"cannot force the letters to the disk ({error.strerror})", Location(file=str(path))
        ) from None


def _find_syncfs() -> Callable[[int], None] | None:
    """Linux's syncfs(2), which Python's os module does not offer: through the C library."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int]

    def syncfs(descriptor: int) -> None:
        if function(descriptor) != 0:
            number = ctypes.get_errno()
            raise OSError(number, os.strerror(number))

    return syncfs


_syncfs = _find_syncfs()


def _link(each: _Ready, linked: list[Path], connection: Connection, identity: int) -> None:
    """Give the letter its name, never over a file already there; but a letter a stopped run
    left there unrecorded, the same bytes as this one, is adopted (``_adopt``)."""
    assert each.temporary is not None and each.job.target is not None
    target = each.job.target
    taken = _Taken(
        each.job,
        Problem(
            "a file is already there; an issued letter is never written over",
            Location(file=str(target)),
        ),
    )
    try:
        os.link(each.temporary, target)
    except FileExistsError:
        if not _adopt(each, connection, identity):
            raise taken from None
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise OutputError(
                f"cannot write the letter ({error.strerror})", Location(file=str(target))
            ) from None
        if target.exists():  # a file system without hard links: a rename, checked first
            raise taken from None
        each.temporary.replace(target)
    _fault("linked")  # named, not yet known to be: the moment a stop signal must not come
    linked.append(target)


def _adopt(each: _Ready, connection: Connection, identity: int) -> bool:
    """Take the file at the letter's name as the letter, if it is one a stopped run left
    unrecorded: no other name (a run issuing it keeps its temporary name until its commit),
    exactly the bytes of this letter, and no record of it but its own (``identity``, not yet
    committed). The letter's temporary name
    becomes a second name of that file, as if it had been linked there."""
    assert each.temporary is not None and each.job.target is not None
    target, temporary = each.job.target, each.temporary
    try:
        if target.stat().st_nlink != 1 or not _is_same(target, temporary.read_bytes()):
            return False
        temporary.unlink()
        os.link(target, temporary)
        if target.stat().st_nlink != 2:  # another run adopting it at once: it is theirs
            temporary.unlink()
            return False
    except OSError:
        return False
    return not _is_claimed(connection, target, each.row["output_sha256"], besides=identity)


def _is_claimed(
    connection: Connection, path: Path, digest: str, *, besides: int | None = None
) -> bool:
    """Whether a record (but ``besides``) claims the letter at ``path``, of SHA-256 ``digest``."""
    letters = tables.letters
    query = sa.select(letters.c.output_path).where(letters.c.output_sha256 == digest)
    if besides is not None:
        query = query.where(letters.c.id != besides)
    paths = connection.execute(query).scalars()
    return any(Path(str(found)).name == path.name for found in paths if found)


def _remove(path: Path | None) -> None:
    if path is not None:
        with contextlib.suppress(OSError):
            path.unlink()


def _release(held: Any) -> None:
    if held is not None:
        release_signals(held)


__all__ = ["CHUNK", "FORMATS", "IssueOutcome", "Issuer", "engine_version", "now"]
