"""A batch's jobs: each case to render and where its letter goes, planned before any is made.

``plan`` decides every output path before the batch starts, so no two cases can write the same
file and no letter can be written over a case file of the same run; a case that cannot start
(its letter's name clashes, say) has its ``Outcome`` at once. The outcome of a job that made no
letter names where the letter would have gone.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from attrs import frozen

from letters.limits import Limits
from letters.loading import decode_json, load_case, read_case_file, read_case_text
from letters.model import Case
from letters.outcomes import Outcome, contained
from letters.output import STDIN, output_name
from letters.problems import LettersError, Location, OutputError, Problem

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
            text = read_case_file(case, limits=limits)
        return decode_json(text, source=case)
    except LettersError:
        return None  # rendering the case reports what is wrong with the file


def load_job(job: Job, limits: Limits) -> Case:
    """A job's case, read from its file or from the text it carries."""
    if job.text is not None:  # from standard input, or read by the client of a cluster
        return read_case_text(job.text, source=source_of(job))
    return load_case(job.case, limits=limits)


def source_of(job: Job) -> str:
    """The name a job's problems give its case: the file, or ``<stdin>``."""
    return STDIN_SOURCE if job.case == STDIN else job.case


def with_target(outcome: Outcome, job: Job) -> Outcome:
    """A job's outcome that names where its letter would have gone."""
    return Outcome(outcome.case, str(job.target) if job.target else None, outcome.problems)


def died(job: Job) -> Outcome:
    """The outcome of a case whose worker process died making its letter."""
    problem = Problem(
        "the process making this letter stopped abruptly (killed, or out of memory); "
        "the other letters went on",
        Location(file=job.case),
    )
    return Outcome(job.case, None, (problem,))
