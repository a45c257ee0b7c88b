"""Render or check many case files: the batch as a whole, here, in worker processes or on a
Dask cluster, and how a stop signal ends it.

``render_files`` plans every job first (``letters.batch.jobs``), then renders the jobs in chunks
(``letters.batch.chunks``) and reports an ``Outcome`` for each case, in the order given. One
case's failure, whatever it is, even a bug of ours, is that case's outcome: the batch goes on.
With ``jobs`` above 1, worker processes render in parallel; a stop signal (SIGTERM, SIGINT) ends
them too, and they clean up as they go.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs

from letters import formats
from letters.batch.chunks import render_chunk
from letters.batch.jobs import Job, died, load_job, output_folder, plan, source_of
from letters.batch.workers import Workers, die_with_parent, ended_quietly
from letters.composition import compose
from letters.library import Library
from letters.limits import Limits, budget
from letters.outcomes import Outcome, contained
from letters.output import STDIN, temporary_names
from letters.output_formats import FORMATS, PDF_PROFILES
from letters.problems import UsageError
from letters.rendering import Renderer

_worker: Renderer | None = None
"""In a worker process: the renderer it renders with (inherited from the batch on fork)."""


def _start_worker(clauses: str | None = None, template: str | None = None) -> None:
    """Set up a worker process: its renderer (unless inherited on fork), and its signals. The
    parent handles Ctrl-C and ends its workers; a worker asked to end (SIGTERM) exits quietly,
    its clean-ups run (temporary files removed, LibreOffice killed)."""
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_quietly)
    die_with_parent(signal.SIGTERM)  # and cleans up, should its parent be killed outright
    if _worker is None:
        _worker = Renderer(clauses, template)


def _exit_quietly(number: int, _: object) -> None:
    raise SystemExit(128 + number)


def _render_in_worker(
    jobs: list[Job], output_format: str, embed: bool, profile: str
) -> list[Outcome]:
    assert _worker is not None  # set by _start_worker, or inherited from the parent on fork
    try:
        return render_chunk(_worker, jobs, output_format, embed, profile)
    except SystemExit as stop:  # asked to end: its letter's clean-up is done
        ended_quietly(stop)
        raise


def render_files(
    cases: Sequence[str],
    *,
    clauses: str | Path | None = None,
    template: str | Path | None = None,
    out_dir: str | Path | None = None,
    output: str | None = None,
    name: str | None = None,
    output_format: str = "docx",
    jobs: int = 1,
    embed_provenance: bool = False,
    limits: Limits | None = None,
    pdf_profile: str = "tagged",
    cluster: Any = None,
    workers_write: bool = False,
) -> Iterator[Outcome]:
    """Render case files to letter files, yielding an Outcome per case as it is done.

    ``output`` is the one file (or "-", standard output) for a single case; otherwise letters go
    to ``out_dir`` (default: the current folder), named by ``name`` (a pattern of case fields)
    or after the case file. A case "-" is read from standard input. ``output_format`` is one of
    FORMATS; a PDF is tagged, and ``pdf_profile`` asks for PDF/A-2b or PDF/UA as well
    (``letters.formats.PDF_PROFILES``). With ``jobs`` above 1, that many processes render in parallel, each with its own
    copy of the library and template (and, for PDF, its own LibreOffice).

    ``cluster`` (a Dask scheduler's address, ``tcp://HOST:8786``, or a ``distributed.Client``)
    renders on a Dask cluster instead (``letters.batch.cluster``): the letters come back here to be
    written, or with ``workers_write`` the workers write them into ``out_dir``, which must be a
    folder every worker sees at the same path.
    """
    if output_format not in FORMATS:
        raise UsageError(f"no format {output_format!r} (formats: {', '.join(FORMATS)})")
    if embed_provenance and output_format != "docx":
        raise UsageError(
            "--embed-provenance goes into a .docx; it does not go with --format " + output_format
        )
    if output is not None and len(cases) > 1:
        raise UsageError("one output file (-o) takes one case; use --out-dir for several")
    if output is not None and (out_dir is not None or name is not None):
        raise UsageError("-o names the letter's file; it does not go with --out-dir or --name")
    if cases.count(STDIN) > 1:
        raise UsageError("standard input (-) can be read only once")
    if workers_write and (cluster is None or output == STDIN):
        raise UsageError(
            "--workers-write is for --cluster, with files the workers can write (not -o -)"
        )
    if cluster is not None and jobs != 1:
        raise UsageError("--cluster renders with the cluster's workers; it does not go with -j")
    if pdf_profile != "tagged" and output_format != "pdf":
        raise UsageError(f"--pdf-profile {pdf_profile} is for --format pdf")
    if output_format == "pdf":
        if pdf_profile not in PDF_PROFILES:
            raise UsageError(
                f"no PDF profile {pdf_profile!r} (profiles: {', '.join(PDF_PROFILES)})"
            )
        formats.find_libreoffice()  # one clear error before any work, if LibreOffice is missing
    renderer = Renderer(clauses, template, limits=limits)  # a broken library fails once, here
    folder = output_folder(out_dir)
    suffix = f".{output_format}"
    planned = list(
        plan(cases, out_dir=folder, output=output, name=name, suffix=suffix, limits=renderer.limits)
    )
    ready = [job for job in planned if isinstance(job, Job)]
    rendered: Iterator[Outcome]
    if cluster is not None:
        try:  # deferred: start-up speed (Dask), and Dask is an optional extra
            from letters.batch.cluster import render_on_cluster  # noqa: PLC0415
        except ImportError:
            raise UsageError(
                "--cluster needs Dask's distributed: pip install 'letters[cluster]'"
            ) from None
        if workers_write:  # the workers' paths are the client's: absolute, on a shared folder
            ready = [attrs.evolve(job, target=_absolute(job.target)) for job in ready]
        rendered = render_on_cluster(
            cluster,
            renderer,
            ready,
            output_format,
            embed_provenance,
            pdf_profile,
            workers_write=workers_write,
        )
    else:
        rendered = _render_all(renderer, ready, output_format, jobs, embed_provenance, pdf_profile)
    for item in planned:  # in the order the cases were given
        yield item if isinstance(item, Outcome) else next(rendered)
    # run it to its end: its workers are then closed and joined, not ended (a worker ended as
    # it waits for work can leave the pool waiting for it)
    for _ in rendered:
        raise AssertionError("an outcome for no case")


def _absolute(target: Path | None) -> Path | None:
    return target.absolute() if target is not None else None


def _render_all(
    renderer: Renderer,
    ready: list[Job],
    output_format: str,
    jobs: int,
    embed: bool,
    profile: str = "tagged",
) -> Iterator[Outcome]:
    """The outcome of each job, in order, rendered here or by worker processes."""
    size = _chunk_size(len(ready), jobs, output_format)
    if output_format == "pdf" and jobs > 1:  # one LibreOffice start a worker: share evenly
        size = max(1, -(-len(ready) // jobs))
    chunks = [ready[start : start + size] for start in range(0, len(ready), size)]
    parallel = jobs > 1 and len(ready) > 1 and all(job.text is None for job in ready)
    if not parallel:
        for chunk in chunks:
            yield from render_chunk(renderer, chunk, output_format, embed, profile)
        return
    global _worker
    if sys.platform == "linux":  # forked workers inherit this renderer, library and template
        _worker = renderer
        workers = Workers(jobs, start="fork", initializer=_start_worker, grace=10.0)
    else:
        library, template = renderer.library.root, str(renderer.template.path)
        initargs = (library, template)
        workers = Workers(
            jobs, start="spawn", initializer=_start_worker, initargs=initargs, grace=10.0
        )
    # a stop signal, or a caller that stops reading: the workers are ended and waited for
    # (they clean up as they go), so no letter is written after this returns
    try:
        yield from workers.run(
            _render_in_worker,
            chunks,
            (output_format, embed, profile),
            ahead=2 * jobs + 2,
            died=died,
        )
    finally:
        if workers.lost:  # a worker killed outright while it wrote left its temporary file
            for folder in {job.target.parent for job in ready if job.target is not None}:
                for pid in workers.pids:
                    for left in folder.glob(temporary_names(pid)):
                        left.unlink(missing_ok=True)


def _chunk_size(count: int, jobs: int, output_format: str) -> int:
    """How many cases a worker takes at a time: PDFs in large chunks (one LibreOffice start
    each), other formats in chunks small enough to share the work evenly."""
    share = max(1, -(-count // max(1, jobs)))
    if output_format == "pdf":
        return min(200, share)
    return max(1, min(64, count // (jobs * 8) if jobs > 1 else 64))


def validate_files(
    cases: Sequence[str], *, clauses: str | Path | None = None, limits: Limits | None = None
) -> Iterator[Outcome]:
    """Check case files against the model and the library without rendering them."""
    if cases.count(STDIN) > 1:
        raise UsageError("standard input (-) can be read only once")
    limits = limits if limits is not None else Limits.from_environment()
    library = Library.load(clauses, limits=limits)
    for case in cases:
        text = sys.stdin.read() if case == STDIN else None
        job = Job(case, None, text)

        def check(job: Job = job) -> Outcome:
            with budget(limits):
                compose(load_job(job, limits), library, source=source_of(job))
            return Outcome(job.case, None)

        yield contained(case, check)


def stop_on_signals() -> None:
    """Make SIGTERM stop this process as Ctrl-C does, so that every clean-up runs (workers
    ended, temporary files and folders removed, LibreOffice killed) before it exits."""

    def stop(number: int, _: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
