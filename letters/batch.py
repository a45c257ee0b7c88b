"""Render case files to letter files: one case or thousands, in one process or several.

The ``Renderer`` holds what every letter shares (the clause library and the prepared Word
template) so a batch reads them once per process. ``render_files`` decides every output path
before it starts, so no two cases can write the same file, then renders each case and reports an
``Outcome`` for it: one failed case does not stop the others.
"""

from __future__ import annotations

import json
import re
import sys
import traceback
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from attrs import field, frozen

from letters.clauses import Library
from letters.compose import Letter, compose
from letters.errors import CaseError, LettersError, LettersErrors, OutputError, UsageError
from letters.loading import load_case, read_case_text
from letters.model import Case
from letters.output import write_atomic
from letters.render import WordTemplate, find_template
from letters.text import markdown, plain_text

STDIN = "-"
"""The case name that reads a case from standard input."""
STDIN_NAME = "stdin.json"
STDIN_SOURCE = "<stdin>"

FORMATS = ("docx", "pdf", "txt", "md")
"""What a letter can be written as: Word, PDF (through LibreOffice), plain text, Markdown."""
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][\w.]*)\}")
_UNSAFE = re.compile(r'[\x00-\x1f/\\:*?"<>|]+')


class Renderer:
    """The clause library and Word template, read once, for rendering any number of cases."""

    def __init__(self, clauses: str | Path | None = None, template: str | Path | None = None):
        self.library = Library.load(clauses)
        self.template = WordTemplate(find_template(template))

    def compose(self, case: Case, *, source: str | None = None) -> Letter:
        """The letter for a case, composed from the library."""
        return compose(case, self.library, source=source)

    def render(self, case: Case, *, source: str | None = None) -> bytes:
        """The letter for a case, as .docx bytes."""
        return self.render_as(case, "docx", source=source)

    def render_as(
        self, case: Case, output_format: str, *, source: str | None = None, embed: bool = False
    ) -> bytes:
        """The letter for a case as .docx, plain text or Markdown (PDF: see ``render_files``).

        ``embed`` carries the letter's provenance inside the .docx.
        """
        letter = self.compose(case, source=source)
        if output_format == "txt":
            return plain_text(letter).encode("utf-8")
        if output_format == "md":
            return markdown(letter).encode("utf-8")
        document = self.template.render(letter)
        if embed:
            from letters.provenance import embed as embedded
            from letters.provenance import provenance

            document = embedded(document, provenance(letter, case=source))
        return document

    def render_file(self, case: str | Path, target: str | Path) -> None:
        """Read a case file and write its letter; the file is written whole or not at all."""
        write_atomic(target, self.render(load_case(case), source=str(case)))


@frozen
class Problem:
    """A problem of one case, as plain data that crosses processes and prints as JSON."""

    source: str | None
    where: str | None
    message: str
    trace: str | None = field(default=None, eq=False)  # the traceback, for --debug

    def __str__(self) -> str:
        return ": ".join(part for part in (self.source, self.where, self.message) if part)

    def as_json(self) -> dict[str, str | None]:
        return {"source": self.source, "where": self.where, "message": self.message}


@frozen
class Outcome:
    """What became of one case: where its letter went, or what stopped it."""

    case: str
    output: str | None
    problems: tuple[Problem, ...] = ()

    @property
    def is_ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "ok": self.is_ok,
            "output": self.output if self.is_ok else None,
            "errors": [problem.as_json() for problem in self.problems],
        }


def problems_of(error: LettersError, trace: str | None = None) -> tuple[Problem, ...]:
    """Every problem an error holds, as plain data (with the traceback, if given)."""
    if isinstance(error, LettersErrors):
        return tuple(problem for inner in error.errors for problem in problems_of(inner, trace))
    return (Problem(error.source, error.where, error.message, trace),)


def output_name(
    case: str, pattern: str | None, data: Mapping[str, Any] | None, suffix: str = ".docx"
) -> str:
    """The file name of a case's letter: the case file's name, or a pattern of its fields.

    ``{reference} {complainant.name}`` gives "24 018 696 Mrs X.docx". Characters a file name
    cannot hold become "-". A case read from standard input is named as if it were stdin.json.
    """
    if pattern is None:
        return Path(STDIN_NAME if case == STDIN else case).with_suffix(suffix).name

    def value_of(match: re.Match[str]) -> str:
        value: Any = data
        for step in match.group(1).split("."):
            if not isinstance(value, Mapping) or value.get(step) is None:
                raise CaseError(
                    f"--name {pattern!r}: the case has no {match.group(1)!r} to name its letter by",
                    source=case,
                )
            value = value[step]
        if isinstance(value, (Mapping, list)):
            raise CaseError(f"--name {pattern!r}: {match.group(1)!r} is not text", source=case)
        return str(value)

    name = _UNSAFE.sub("-", _PLACEHOLDER.sub(value_of, pattern)).strip(" .")
    if not name:
        raise CaseError(f"--name {pattern!r} gives an empty file name", source=case)
    return name if name.lower().endswith(suffix) else name + suffix


@frozen
class _Job:
    """One case to render: where it comes from, where its letter goes (None: standard output)."""

    case: str
    target: Path | None
    text: str | None = None  # the case itself, when it came from standard input


def _plan(
    cases: Sequence[str],
    *,
    out_dir: Path | None,
    output: str | None,
    name: str | None,
    suffix: str,
) -> Iterator[_Job | Outcome]:
    """Each case's job, or the Outcome of a case that cannot start (its name clashes, say)."""
    stdin = sys.stdin.read() if STDIN in cases else None
    taken: dict[Path, str] = {}
    for case in cases:
        text = stdin if case == STDIN else None
        if output is not None:
            yield _Job(case, None if output == STDIN else Path(output), text)
            continue
        try:
            data = _parsed(case, text) if name is not None else None
            target = (out_dir or Path()) / output_name(case, name, data, suffix)
        except LettersError as error:
            yield Outcome(case, None, problems_of(error))
            continue
        if target in taken:
            clash = f"its letter would be {target}, as would the letter of {taken[target]}"
            yield Outcome(case, None, (Problem(case, None, clash),))
            continue
        taken[target] = case
        yield _Job(case, target, text)


def _parsed(case: str, text: str | None) -> Any:
    try:
        return json.loads(text if text is not None else Path(case).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # rendering the case reports what is wrong with the file


def _load(case: str, text: str | None) -> Case:
    if text is not None:
        return read_case_text(text, source=STDIN_SOURCE)
    return load_case(case)


_worker: Renderer | None = None


def _start_worker(clauses: str | None, template: str | None) -> None:
    global _worker
    _worker = Renderer(clauses, template)


def _start_forked_worker() -> None:
    assert _worker is not None  # inherited from the parent


def _render_in_worker(task: tuple[list[_Job], str, bool]) -> list[Outcome]:
    assert _worker is not None
    jobs, output_format, embed = task
    return render_chunk(_worker, jobs, output_format, embed)


def render_chunk(
    renderer: Renderer, jobs: Sequence[_Job], output_format: str, embed: bool = False
) -> list[Outcome]:
    """Render a chunk of cases; PDFs of a chunk are made with one LibreOffice start."""
    if output_format != "pdf":
        return [_render_job(renderer, job, output_format, embed) for job in jobs]
    from letters.pdf import to_pdf

    outcomes: dict[int, Outcome] = {}
    documents: dict[int, bytes] = {}
    for number, job in enumerate(jobs):
        try:
            documents[number] = renderer.render(_load(job.case, job.text), source=_source(job))
        except LettersError as error:
            outcomes[number] = _failed(job, error)
    try:
        pdfs = dict(zip(documents, to_pdf(list(documents.values())), strict=True))
    except LettersError as error:
        pdfs = {}
        for number in documents:
            outcomes[number] = _failed(jobs[number], error)
    for number, pdf in pdfs.items():
        job = jobs[number]
        if pdf is None:
            problem = OutputError(
                "LibreOffice could not convert the letter to PDF", source=job.case
            )
            outcomes[number] = _failed(job, problem)
        else:
            outcomes[number] = _deliver(job, pdf)
    return [outcomes[number] for number in range(len(jobs))]


def _render_job(renderer: Renderer, job: _Job, output_format: str, embed: bool) -> Outcome:
    try:
        case = _load(job.case, job.text)
        document = renderer.render_as(case, output_format, source=_source(job), embed=embed)
    except LettersError as error:
        return _failed(job, error)
    return _deliver(job, document)


def _deliver(job: _Job, document: bytes) -> Outcome:
    """Write a letter to its file or to standard output."""
    try:
        if job.target is None:
            _write_stdout(document)
        else:
            write_atomic(job.target, document)
    except LettersError as error:
        return _failed(job, error)
    return Outcome(job.case, str(job.target) if job.target else STDIN)


def _failed(job: _Job, error: LettersError) -> Outcome:
    problems = problems_of(error, traceback.format_exc())
    return Outcome(job.case, str(job.target) if job.target else None, problems)


def _source(job: _Job) -> str:
    return STDIN_SOURCE if job.text is not None else job.case


def _write_stdout(document: bytes) -> None:
    try:
        sys.stdout.buffer.write(document)
        sys.stdout.buffer.flush()
    except BrokenPipeError:
        raise OutputError("standard output was closed before the letter was written") from None


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
) -> Iterator[Outcome]:
    """Render case files to letter files, yielding an Outcome per case as it is done.

    ``output`` is the one file (or "-", standard output) for a single case; otherwise letters go
    to ``out_dir`` (default: the current folder), named by ``name`` (a pattern of case fields)
    or after the case file. A case "-" is read from standard input. ``output_format`` is one of
    FORMATS. With ``jobs`` above 1, that many processes render in parallel, each with its own
    copy of the library and template (and, for PDF, its own LibreOffice).
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
    if output_format == "pdf":
        from letters.pdf import find_libreoffice

        find_libreoffice()  # one clear error before any work, if LibreOffice is missing
    renderer = Renderer(clauses, template)  # read here first, so a broken library fails once
    folder = Path(out_dir) if out_dir is not None else None
    if folder is not None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OutputError(
                f"cannot make the folder ({error.strerror})", source=str(folder)
            ) from None
    suffix = f".{output_format}"
    planned = list(_plan(cases, out_dir=folder, output=output, name=name, suffix=suffix))
    ready = [job for job in planned if isinstance(job, _Job)]
    rendered = _render_all(
        renderer, ready, output_format, jobs, clauses, template, embed_provenance
    )
    for item in planned:  # in the order the cases were given
        yield item if isinstance(item, Outcome) else next(rendered)


def _render_all(
    renderer: Renderer,
    ready: list[_Job],
    output_format: str,
    jobs: int,
    clauses: str | Path | None,
    template: str | Path | None,
    embed: bool = False,
) -> Iterator[Outcome]:
    """The outcome of each job, in order, rendered here or by worker processes."""
    size = _chunk_size(len(ready), jobs, output_format)
    chunks = [ready[start : start + size] for start in range(0, len(ready), size)]
    parallel = jobs > 1 and len(ready) > 1 and all(job.text is None for job in ready)
    if not parallel:
        for chunk in chunks:
            yield from render_chunk(renderer, chunk, output_format, embed)
        return
    import multiprocessing  # only a parallel batch needs it; it costs a cold start time

    global _worker
    method = "fork" if sys.platform == "linux" else "spawn"
    context = multiprocessing.get_context(method)
    initializer: Any = _start_worker
    initargs: tuple[str | None, ...] = (
        str(clauses) if clauses else None,
        str(template) if template else None,
    )
    if method == "fork":  # forked workers inherit this renderer, library and template prepared
        _worker = renderer
        initializer, initargs = _start_forked_worker, ()
    with context.Pool(jobs, initializer=initializer, initargs=initargs) as pool:
        tasks = [(chunk, output_format, embed) for chunk in chunks]
        for outcomes in pool.imap(_render_in_worker, tasks):
            yield from outcomes


def _chunk_size(count: int, jobs: int, output_format: str) -> int:
    """How many cases a worker takes at a time: PDFs in large chunks (one LibreOffice start
    each), other formats in chunks small enough to share the work evenly."""
    share = max(1, -(-count // max(1, jobs)))
    if output_format == "pdf":
        return min(200, share)
    return max(1, min(64, count // (jobs * 8) if jobs > 1 else 64))


def validate_files(cases: Sequence[str], *, clauses: str | Path | None = None) -> Iterator[Outcome]:
    """Check case files against the model and the library without rendering them."""
    if cases.count(STDIN) > 1:
        raise UsageError("standard input (-) can be read only once")
    library = Library.load(clauses)
    for case in cases:
        text = sys.stdin.read() if case == STDIN else None
        try:
            compose(_load(case, text), library, source=STDIN_SOURCE if text is not None else case)
        except LettersError as error:
            yield Outcome(case, None, problems_of(error, traceback.format_exc()))
            continue
        yield Outcome(case, None)
