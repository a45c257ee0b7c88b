"""One case's outcome: where its letter went, or the problems that stopped it.

A batch, lint, impact and the register each work case by case, and one case's failure, whatever
it is, even a bug of ours, is that case's outcome and never the whole run's: ``contained`` runs
one case's work and turns any failure into its ``Outcome``.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from attrs import frozen

from letters.problems import LettersError, Problem, internal_error


@frozen
class Outcome:
    """What became of one case: where its letter went, or what stopped it."""

    case: str
    output: str | None
    problems: tuple[Problem, ...] = ()

    @property
    def is_ok(self) -> bool:
        return not any(problem.is_error for problem in self.problems)

    def as_json(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "ok": self.is_ok,
            "output": self.output if self.is_ok else None,
            "errors": [problem.as_json() for problem in self.problems],
        }


def summary(outcomes: Sequence[Outcome], verb: str = "rendered") -> dict[str, Any]:
    """The results of a batch for scripts: counts, and every case's outcome."""
    failed = sum(1 for outcome in outcomes if not outcome.is_ok)
    return {
        "ok": not failed,
        verb: len(outcomes) - failed,
        "failed": failed,
        "results": [outcome.as_json() for outcome in outcomes],
    }


def problems_of(error: BaseException, trace: str | None = None) -> tuple[Problem, ...]:
    """Every problem an error holds, as data; anything but a LettersError is our own bug."""
    if isinstance(error, LettersError):
        return tuple(Problem(p.message, p.location, p.severity, trace) for p in error.problems) or (
            Problem(str(error), trace=trace),
        )
    return (internal_error(error, trace),)


T = TypeVar("T")


def stop_behind(error: BaseException) -> BaseException | None:
    """The stop (KeyboardInterrupt, SystemExit) an error was raised while handling, if any: a
    database connection a stop signal cut short fails when it is next touched, and that
    failure is the stop's, not a case's."""
    seen: set[int] = set()
    behind: BaseException | None = error
    while behind is not None and id(behind) not in seen:
        if isinstance(behind, (KeyboardInterrupt, SystemExit)):
            return behind
        seen.add(id(behind))
        behind = behind.__cause__ or behind.__context__
    return None


def contained(case: str, work: Callable[[], T]) -> T | Outcome:
    """Run one case's work; any failure, ours included, becomes that case's Outcome (a stop
    signal, and an error raised while a stop was handled, stops the batch instead)."""
    try:
        return work()
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:
        stop = stop_behind(error)
        if stop is not None:
            raise stop from None
        problems = problems_of(error, traceback.format_exc())
        if not isinstance(error, LettersError):
            problems = tuple(p.at(case) for p in problems)
        return Outcome(case, None, problems)
