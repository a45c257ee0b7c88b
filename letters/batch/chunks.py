"""A chunk of jobs rendered together, and its letters delivered: what a batch's worker does,
in this process, in a worker process, or on a Dask worker.

Each case's failure is that case's outcome; the others of the chunk go on. The PDFs of a chunk
are made by one LibreOffice start.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from letters import formats
from letters.batch.jobs import Job, load_job, source_of, with_target
from letters.outcomes import Outcome, contained, problems_of
from letters.output import STDIN, write_atomic, write_stdout
from letters.problems import Location, OutputError
from letters.rendering import Renderer


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
    converted = contained(
        jobs[0].case if jobs else "", lambda: formats.to_pdf_as_made(makers, pdf_profile)
    )
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
    """A case's letter as the Word document its PDF is made from."""
    document = renderer.render(load_job(job, renderer.limits), source=source_of(job))
    formats.check_convertible(
        document, job.case
    )  # one too long for LibreOffice fails here, at once
    return document


def _render_job(
    renderer: Renderer,
    job: Job,
    output_format: str,
    embed: bool,
    deliver: Callable[[Job, bytes], Outcome],
) -> Outcome:
    def work() -> bytes:
        case = load_job(job, renderer.limits)
        return renderer.render_as(case, output_format, source=source_of(job), embed=embed)

    document = contained(job.case, work)
    if isinstance(document, Outcome):
        return with_target(document, job)
    return deliver(job, document)


def deliver_letter(job: Job, document: bytes) -> Outcome:
    """Write a letter to its file or to standard output."""

    def write() -> Outcome:
        if job.target is None:
            write_stdout(document)
        else:
            write_atomic(job.target, document)
        return Outcome(job.case, str(job.target) if job.target else STDIN)

    return contained(job.case, write)
