"""Render or check many case files: each case's outcome on its own, in one process or several.

``render_files`` decides every output path before it starts, so no two cases can write the same
file and no letter can be written over a case file of the same run, then renders each case and
reports an ``Outcome`` for it. One case's failure, whatever it is, even a bug of ours, is that
case's outcome: the batch goes on. With ``jobs`` above 1, worker processes render in parallel;
a stop signal (SIGTERM, SIGINT) ends them too, and they clean up as they go.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs
from attrs import frozen

from letters.formats import FORMATS
from letters.library import Library
from letters.limits import Limits, budget
from letters.loading import decode_json, load_case, read_case_text
from letters.model import Case
from letters.outcomes import Outcome, contained, problems_of
from letters.output import STDIN, output_name, write_atomic, write_stdout
from letters.problems import (
    LettersError,
    Location,
    OutputError,
    Problem,
    UsageError,
)
from letters.rendering import Renderer

STDIN_SOURCE = "<stdin>"


@frozen
class Job:
    """One case to render: where it comes from, where its letter goes (None: standard output)."""

    case: str
    target: Path | None
    text: str | None = None  # the case itself, when it came from standard input


def output_folder(out_dir: str | Path | None) -> Path | None:
    """The folder a batch writes into, made when missing; None for the current folder."""
    folder = Path(out_dir) if out_dir is not None else None
    if folder is not None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OutputError(
                f"cannot make the folder ({error.strerror})", Location(file=str(folder))
            ) from None
    return folder


def plan(
    cases: Sequence[str],
    *,
    out_dir: Path | None,
    output: str | None,
    name: str | None,
    suffix: str,
    limits: Limits,
) -> Iterator[Job | Outcome]:
    """Each case's job, or the Outcome of a case that cannot start (its name clashes, say)."""
    stdin = sys.stdin.read() if STDIN in cases else None
    taken: dict[Path, str] = {}
    identity = _Identities()
    inputs = {identity(Path(case)): case for case in cases if case != STDIN}
    for case in cases:
        text = stdin if case == STDIN else None

        def target_of(case: str = case, text: str | None = text) -> Path | None:
            if output is not None:
                return None if output == STDIN else Path(output)
            data = _parsed(case, text, limits) if name is not None else None
            return (out_dir or Path()) / output_name(case, name, data, suffix)

        target = contained(case, target_of)
        if isinstance(target, Outcome):
            yield target
            continue
        if target is not None:
            known = identity(target)
            clash = _clash(target, known, taken, inputs)
            if clash is not None:
                yield Outcome(case, None, (Problem(clash, Location(file=case)),))
                continue
            taken[known] = case
        yield Job(case, target, text)


class _Identities:
    """Paths as the file system knows them, to tell when two names are one file.

    A batch's files are mostly in a few folders: each folder is resolved once, and each file
    looked at only to see whether it is a link (``Path.resolve`` would look at every folder of
    the path again for each file).
    """

    def __init__(self) -> None:
        self._folders: dict[Path, Path] = {}

    def __call__(self, path: Path) -> Path:
        if path.name in ("", ".."):
            return _resolved(path)
        folder = self._folders.get(path.parent)
        if folder is None:
            folder = self._folders[path.parent] = _resolved(path.parent)
        known = folder / path.name
        return _resolved(known) if known.is_symlink() else known


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path.absolute()


def _clash(
    target: Path, identity: Path, taken: dict[Path, str], inputs: dict[Path, str]
) -> str | None:
    if identity in inputs:
        return f"its letter would be {target}, which is the case file {inputs[identity]}; not written over"
    if identity in taken:
        return f"its letter would be {target}, as would the letter of {taken[identity]}"
    return None


def _parsed(case: str, text: str | None, limits: Limits) -> Any:
    try:
        if text is None:
            from letters.loading import read_case_file

            text = read_case_file(case, limits=limits)
        return decode_json(text, source=case)
    except LettersError:
        return None  # rendering the case reports what is wrong with the file


def _load(job: Job, limits: Limits) -> Case:
    if job.text is not None:  # from standard input, or read by the client of a cluster
        return read_case_text(job.text, source=_source(job))
    return load_case(job.case, limits=limits)


_worker: Renderer | None = None


def _start_worker(clauses: str | None = None, template: str | None = None) -> None:
    """Set up a worker process: its renderer (unless inherited on fork), and its signals. The
    parent handles Ctrl-C and ends its workers; a worker asked to end (SIGTERM) exits quietly,
    its clean-ups run (temporary files removed, LibreOffice killed)."""
    import signal

    from letters.batch.workers import die_with_parent

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
        from letters.batch.workers import ended_quietly

        ended_quietly(stop)
        raise


def died(job: Job) -> Outcome:
    """The outcome of a case whose worker process died making its letter."""
    problem = Problem(
        "the process making this letter stopped abruptly (killed, or out of memory); "
        "the other letters went on",
        Location(file=job.case),
    )
    return Outcome(job.case, None, (problem,))


def render_chunk(
    renderer: Renderer,
    jobs: Sequence[Job],
    output_format: str,
    embed: bool = False,
    pdf_profile: str = "tagged",
    *,
    deliver: Callable[[Job, bytes], Outcome] | None = None,
) -> list[Outcome]:
    """Render a chunk of cases. The PDFs of a chunk are made by one LibreOffice start: over a
    batch that is faster than a LibreOffice kept running (which serves single letters, as
    ``letters serve`` does), since LibreOffice's own batch conversion costs less a letter.

    ``deliver`` takes each letter made (default: written to its file or standard output)."""
    deliver = deliver or deliver_letter
    if output_format != "pdf":
        return [_render_job(renderer, job, output_format, embed, deliver) for job in jobs]
    from letters.formats.pdf import to_pdf_as_made

    outcomes: dict[int, Outcome] = {}

    def maker(number: int, job: Job) -> Callable[[], bytes | None]:
        def make() -> bytes | None:
            document = contained(job.case, lambda: _document(renderer, job))
            if isinstance(document, Outcome):
                outcomes[number] = with_target(document, job)
                return None
            return document

        return make

    # LibreOffice is started first, and the letters are made while it starts
    makers = [maker(number, job) for number, job in enumerate(jobs)]
    converted = contained(jobs[0].case if jobs else "", lambda: to_pdf_as_made(makers, pdf_profile))
    if isinstance(converted, Outcome):
        problems = converted.problems
        for number, job in enumerate(jobs):
            outcomes.setdefault(number, Outcome(job.case, None, problems))
        converted = []
    for number, pdf in enumerate(converted):
        job = jobs[number]
        if number in outcomes:
            continue
        if pdf is None:
            problem = OutputError(
                "LibreOffice could not convert the letter to PDF", Location(file=job.case)
            )
            outcomes[number] = Outcome(job.case, None, problems_of(problem))
        else:
            outcomes[number] = deliver(job, pdf)
    return [outcomes[number] for number in range(len(jobs))]


def _document(renderer: Renderer, job: Job) -> bytes:
    return renderer.render(_load(job, renderer.limits), source=_source(job))


def _render_job(
    renderer: Renderer,
    job: Job,
    output_format: str,
    embed: bool,
    deliver: Callable[[Job, bytes], Outcome],
) -> Outcome:
    def work() -> bytes:
        case = _load(job, renderer.limits)
        return renderer.render_as(case, output_format, source=_source(job), embed=embed)

    document = contained(job.case, work)
    if isinstance(document, Outcome):
        return with_target(document, job)
    return deliver(job, document)


def with_target(outcome: Outcome, job: Job) -> Outcome:
    return Outcome(outcome.case, str(job.target) if job.target else None, outcome.problems)


def deliver_letter(job: Job, document: bytes) -> Outcome:
    """Write a letter to its file or to standard output."""

    def write() -> Outcome:
        if job.target is None:
            write_stdout(document)
        else:
            write_atomic(job.target, document)
        return Outcome(job.case, str(job.target) if job.target else STDIN)

    return contained(job.case, write)


def _source(job: Job) -> str:
    return STDIN_SOURCE if job.case == STDIN else job.case


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
    (``letters.formats.pdf.PROFILES``). With ``jobs`` above 1, that many processes render in parallel, each with its own
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
        from letters.formats.pdf import PROFILES, find_libreoffice

        if pdf_profile not in PROFILES:
            raise UsageError(f"no PDF profile {pdf_profile!r} (profiles: {', '.join(PROFILES)})")
        find_libreoffice()  # one clear error before any work, if LibreOffice is missing
    renderer = Renderer(clauses, template, limits=limits)  # a broken library fails once, here
    folder = output_folder(out_dir)
    suffix = f".{output_format}"
    planned = list(
        plan(cases, out_dir=folder, output=output, name=name, suffix=suffix, limits=renderer.limits)
    )
    ready = [job for job in planned if isinstance(job, Job)]
    rendered: Iterator[Outcome]
    if cluster is not None:
        try:
            from letters.batch.cluster import render_on_cluster
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
    from letters.batch.workers import Workers

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
    yield from workers.run(
        _render_in_worker,
        chunks,
        (output_format, embed, profile),
        ahead=2 * jobs + 2,
        died=died,
    )


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
    from letters.composition import compose

    for case in cases:
        text = sys.stdin.read() if case == STDIN else None
        job = Job(case, None, text)

        def check(job: Job = job) -> Outcome:
            with budget(limits):
                compose(_load(job, limits), library, source=_source(job))
            return Outcome(job.case, None)

        yield contained(case, check)


def stop_on_signals() -> None:
    """Make SIGTERM stop this process as Ctrl-C does, so that every clean-up runs (workers
    ended, temporary files and folders removed, LibreOffice killed) before it exits."""
    import signal

    def stop(number: int, _: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
