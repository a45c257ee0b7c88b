"""A batch on a Dask distributed cluster: many machines rendering, each worker with its own
LibreOffice, every case's outcome reported here as in a local batch.

The machine that runs the command (the client) plans the batch as a local one does (every
letter's file decided first, clashes reported), reads the case files, and sends the library and
template to the cluster once, as a worker plugin: each worker writes them to a folder of its own
and reads them once, however many batches it serves, so workers need letters (and LibreOffice,
for PDFs) but not the client's files. Each task is a chunk of cases; a worker renders it (PDFs
through one LibreOffice start a chunk, as locally) and either sends the letters back for the
client to write, atomically, where the command says (the default: no shared folder needed), or,
with ``workers_write``, writes them itself into the folder named, which must be one every
worker sees at the same path. A case's failure is that case's outcome, and so is a task the
cluster loses (a worker that died with it): the batch goes on. A task whose worker died with it
(Dask's KilledWorker, once the scheduler has tried it on several workers) is halved and done
again, one half after the other, until the one case that kills its worker is found: that case
alone fails, as with ``-j``.

The cluster fails cleanly: an address where no Dask scheduler answers (nothing there, or
something that is not Dask) is one error within ``CONNECT_TIMEOUT`` (or
``LETTERS_CLUSTER_TIMEOUT`` seconds), and a cluster left with no workers for
``WORKERLESS_TIMEOUT`` (or as long) ends the batch with one error rather than waiting for ever.

Dask's ``distributed`` is an optional extra: ``pip install 'letters[cluster]'``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs
from distributed import Client, Future, KilledWorker, WorkerPlugin
from distributed.comm.core import connect as open_comm

from letters.batch.chunks import deliver_letter, render_chunk
from letters.batch.jobs import Job, died, with_target
from letters.limits import Limits
from letters.loading import read_case_file
from letters.outcomes import Outcome, contained, problems_of
from letters.output import STDIN
from letters.problems import Location, OutputError, Problem, UsageError
from letters.rendering import Renderer

CONNECT_TIMEOUT = 10.0
"""Seconds to wait for a scheduler to answer, unless ``LETTERS_CLUSTER_TIMEOUT`` says otherwise."""
WORKERLESS_TIMEOUT = 60.0
"""Seconds a cluster may have no worker (its workers restarting, as a nanny restarts one a case
killed: seconds on a busy machine) before the batch ends with an error, unless
``LETTERS_CLUSTER_TIMEOUT`` says otherwise."""
TIMEOUT_VARIABLE = "LETTERS_CLUSTER_TIMEOUT"
PLUGIN_PREFIX = "letters-"


@attrs.frozen
class Bundle:
    """A library and template as files, to be read once by each worker.

    ``files`` are the library's files by path relative to its folder; ``root`` and
    ``template_path`` are where they are on the client, so that a problem a worker finds in
    them names the client's file, as a local batch would.
    """

    key: str
    root: str
    files: dict[str, bytes]
    template_path: str
    template: bytes
    limits: Limits

    @classmethod
    def of(cls, renderer: Renderer) -> Bundle:
        root = Path(renderer.library.root or ".")
        files = {
            path.relative_to(root).as_posix(): path.read_bytes()
            for path in sorted(root.rglob("*"))
            if path.is_file() and not any(p.startswith(".") for p in path.relative_to(root).parts)
        }
        template = renderer.template.data
        digest = hashlib.sha256(repr(renderer.limits).encode())
        for name, data in files.items():
            digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
        digest.update(hashlib.sha256(template).digest())
        return cls(
            key=digest.hexdigest()[:32],
            root=str(root),
            files=files,
            template_path=str(renderer.template.path),
            template=template,
            limits=renderer.limits,
        )


_renderers: dict[str, tuple[Renderer, Path, Bundle]] = {}
"""On a worker: the renderer of each bundle it was given, its folder, and the bundle."""
_lock = threading.Lock()
loads: dict[str, int] = {}
"""On a worker: how many times it has read each bundle (once, however many batches)."""


class LettersPlugin(WorkerPlugin):
    """Gives each worker, and each worker that joins later, a library and template read once."""

    idempotent = True
    """A bundle the workers already have is not sent, nor read, again."""

    def __init__(self, bundle: Bundle):
        self.bundle = bundle

    def setup(self, worker: Any = None) -> None:
        _renderer_of(self.bundle)

    def teardown(self, worker: Any = None) -> None:
        with _lock:
            held = _renderers.pop(self.bundle.key, None)
        if held is not None:
            shutil.rmtree(held[1], ignore_errors=True)


def _renderer_of(bundle: Bundle) -> Renderer:
    with _lock:
        held = _renderers.get(bundle.key)
        if held is not None:
            return held[0]
        folder = Path(tempfile.mkdtemp(prefix="letters-cluster-"))
        library = folder / "clauses"
        for name, data in bundle.files.items():
            path = library / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        library.mkdir(exist_ok=True)
        template = folder / Path(bundle.template_path).name
        template.write_bytes(bundle.template)
        renderer = Renderer(library, template, limits=bundle.limits)
        _renderers[bundle.key] = (renderer, folder, bundle)
        loads[bundle.key] = loads.get(bundle.key, 0) + 1
        return renderer


def render_remotely(
    key: str, jobs: Sequence[Job], output_format: str, embed: bool, profile: str, write: bool
) -> list[tuple[Outcome, bytes | None]]:
    """On a worker: render a chunk of cases with the bundle's renderer; each outcome, with the
    letter when the client writes it."""
    with _lock:
        held = _renderers.get(key)
    if held is None:
        problem = Problem("this worker was not given the library and template (letters plugin)")
        return [(Outcome(job.case, None, (problem.at(job.case),)), None) for job in jobs]
    renderer, folder, bundle = held
    made: dict[int, bytes] = {}

    def keep(job: Job, document: bytes) -> Outcome:
        made[id(job)] = document
        return Outcome(job.case, str(job.target) if job.target else STDIN)

    outcomes = render_chunk(
        renderer, jobs, output_format, embed, profile, deliver=deliver_letter if write else keep
    )
    local = (str(folder / "clauses"), str(folder / Path(bundle.template_path).name))
    client = (bundle.root, bundle.template_path)
    return [
        (_relocated(outcome, local, client), made.get(id(job)))
        for job, outcome in zip(jobs, outcomes, strict=True)
    ]


def _relocated(outcome: Outcome, local: tuple[str, ...], client: tuple[str, ...]) -> Outcome:
    """An outcome whose problems name the client's library and template files, not the
    worker's copies of them."""

    def moved(location: Location) -> Location:
        file = location.file
        for here, there in zip(local, client, strict=True):
            if file is not None and (file == here or file.startswith(here + "/")):
                file = there + file[len(here) :]
        within = moved(location.within) if location.within is not None else None
        return attrs.evolve(location, file=file, within=within)

    problems = tuple(
        attrs.evolve(problem, location=moved(problem.location)) for problem in outcome.problems
    )
    return attrs.evolve(outcome, problems=problems)


def cluster_timeout(default: float = CONNECT_TIMEOUT) -> float:
    """``default``, or the seconds ``LETTERS_CLUSTER_TIMEOUT`` gives."""
    text = os.environ.get(TIMEOUT_VARIABLE)
    if text is None:
        return default
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < 86_400:
        raise UsageError(f"{TIMEOUT_VARIABLE}: expected a number of seconds, not {text!r}")
    return seconds


def connect(cluster: str | Client) -> tuple[Client, bool]:
    """A client of the cluster, and whether it is ours to close; one clear error if no Dask
    scheduler answers at the address within the timeout."""
    if isinstance(cluster, Client):
        return cluster, False
    seconds = cluster_timeout()
    advice = "start one with 'dask scheduler' and workers with 'dask worker ADDRESS'"
    try:  # Dask's own handshake waits for ever on an address that accepts and says nothing
        identity = asyncio.run(asyncio.wait_for(_identity(cluster, seconds), seconds))
    except TimeoutError:
        raise OutputError(
            f"cannot reach the Dask scheduler at {cluster} (no answer within {seconds:g} s); "
            + advice
        ) from None
    except (OSError, ValueError) as error:
        raise OutputError(
            f"cannot reach the Dask scheduler at {cluster} ({error}); " + advice
        ) from None
    except Exception:  # whatever answers there garbles Dask's messages
        identity = None
    if not isinstance(identity, dict) or identity.get("type") != "Scheduler":
        raise OutputError(
            f"no Dask scheduler at {cluster}: something answers there, but not as a Dask "
            "scheduler does; " + advice
        )
    try:
        return Client(cluster, timeout=seconds, set_as_default=False), True
    except (OSError, TimeoutError, ValueError) as error:
        raise OutputError(
            f"cannot reach the Dask scheduler at {cluster} ({error}); " + advice
        ) from None


async def _identity(address: str, seconds: float) -> Any:
    """What the server at ``address`` says it is, asked as Dask asks (a scheduler says
    ``{"type": "Scheduler", ...}``)."""
    comm = await open_comm(address, timeout=seconds)
    try:
        await comm.write({"op": "identity", "reply": True})
        return await comm.read()
    finally:
        comm.abort()


def render_on_cluster(
    cluster: str | Client,
    renderer: Renderer,
    ready: list[Job],
    output_format: str,
    embed: bool,
    profile: str,
    *,
    workers_write: bool = False,
) -> Iterator[Outcome]:
    """The outcome of each job, in order, rendered by the cluster's workers."""
    with _quiet_dask():
        client, owned = connect(cluster)
        futures: list[Future[Any]] = []
        try:
            bundle = Bundle.of(renderer)
            client.register_plugin(LettersPlugin(bundle), name=PLUGIN_PREFIX + bundle.key)
            threads = max(1, sum(client.nthreads().values()))
            read = [_with_text(job, renderer.limits) for job in ready]
            jobs = [job for job in read if isinstance(job, Job)]
            size = _chunk_size(len(jobs), threads, output_format)
            chunks = [jobs[start : start + size] for start in range(0, len(jobs), size)]

            def submit(chunk: list[Job], again: bool = False) -> Future[Any]:
                future: Future[Any] = client.submit(
                    render_remotely,
                    bundle.key,
                    chunk,
                    output_format,
                    embed,
                    profile,
                    workers_write,
                    pure=False,
                    retries=0,
                    priority=1 if again else 0,  # a chunk done again goes before the rest
                )
                futures.append(future)
                return future

            batch = _Batch(
                client, str(cluster), submit, workers_write, cluster_timeout(WORKERLESS_TIMEOUT)
            )
            pending = iter([(chunk, submit(chunk)) for chunk in chunks])
            done: dict[int, Outcome] = {}
            for item in read:
                if isinstance(item, Outcome):
                    yield item
                    continue
                while id(item) not in done:
                    chunk, future = next(pending)
                    done.update((id(job), outcome) for job, outcome in batch.collect(chunk, future))
                yield done.pop(id(item))
        finally:
            if futures:
                client.cancel(futures)
            if owned:
                client.close()


@contextlib.contextmanager
def _quiet_dask() -> Iterator[None]:
    """Dask's own log lines kept from the command's standard error while a batch runs (a
    lost connection, a cluster left with no workers, logged from its event loop's thread as
    it closes): what went wrong is the batch's one error line, or each case's outcome."""
    loggers = [logging.getLogger(name) for name in ("distributed", "tornado", "asyncio")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _with_text(job: Job, limits: Limits) -> Job | Outcome:
    """A job carrying its case file's text, read here: workers need not see the client's files."""
    if job.text is not None:
        return job
    text = contained(job.case, lambda: read_case_file(job.case, limits=limits))
    if isinstance(text, Outcome):
        return with_target(text, job)
    return attrs.evolve(job, text=text)


@attrs.define
class _Batch:
    """The client's side of a batch: each chunk's outcomes once its task is done, a chunk
    whose worker died with it halved until the case that kills is found, and a cluster left
    with no worker for longer than ``timeout`` an error."""

    client: Client
    address: str
    submit: Any  # (chunk, again) -> Future: the chunk's task, sent to the cluster
    workers_write: bool
    timeout: float

    def collect(self, chunk: list[Job], future: Future[Any]) -> Iterator[tuple[Job, Outcome]]:
        """Each job of a chunk and its outcome; the letters the worker sent back are written
        here."""
        try:
            results = self.wait(future)
        except KilledWorker:  # a worker died with it, on each worker it was tried on
            if len(chunk) == 1:
                yield chunk[0], died(chunk[0])
                return
            half = len(chunk) // 2
            for part in (chunk[:half], chunk[half:]):  # one after the other: none blamed wrongly
                yield from self.collect(part, self.submit(part, True))
            return
        except OutputError:
            raise
        except Exception as error:  # the cluster lost the task otherwise
            problems = problems_of(error)
            message = f"the cluster did not render it ({problems[0].message})"
            for job in chunk:
                yield job, Outcome(job.case, None, (Problem(message, Location(file=job.case)),))
            return
        for job, (outcome, document) in zip(chunk, results, strict=True):
            if document is not None and not self.workers_write:
                yield job, deliver_letter(job, document)
            else:
                yield job, outcome

    def wait(self, future: Future[Any]) -> Any:
        """The task's result; one clear error once the cluster has had no worker for
        ``timeout`` seconds (every worker killed), rather than waiting for ever."""
        without: float | None = None  # since when the cluster has had no worker
        while True:
            try:
                return future.result(timeout=1)
            except TimeoutError:
                pass
            if self.client.nthreads():
                without = None
            elif without is None:
                without = time.monotonic()
            elif time.monotonic() - without >= self.timeout:
                raise OutputError(
                    f"the Dask cluster at {self.address} has had no workers for "
                    f"{self.timeout:g} s (every worker ended or killed); the letters not yet "
                    "rendered were not: start workers with 'dask worker ADDRESS' and run again"
                )


def _chunk_size(count: int, threads: int, output_format: str) -> int:
    """Cases a task: PDFs in chunks that share the work evenly over the workers' threads (one
    LibreOffice start each, at most 200 letters), other formats in chunks of up to 64."""
    share = max(1, -(-count // max(1, threads)))
    if output_format == "pdf":
        return min(200, share)
    return max(1, min(64, -(-count // (threads * 4))))
