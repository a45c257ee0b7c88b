"""Where and what: the one record of a problem, and the errors that carry them.

A ``Location`` is a value: the file, line and column, the field of a case file, the part and
paragraph of a Word template, each where known, and ``within``: the place it sits in. A clause
that fails for a case is at its clause file's line, *within* the case file's field that used it.
A ``Problem`` is a location, a message and a severity. Every check (render, validate, clause
lint, templates check, impact) reports problems; text is made from them only at the edge, by
``str()`` for people and ``as_json()`` for scripts, and nothing parses a message back.

Errors raised are ``LettersError`` subclasses by origin, each carrying its problems and its exit
code, as click's exceptions do. A function raises with the location it knows; a caller adds what
it knows (the file, the case field) with ``at`` and ``within`` rather than re-wording.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any

import attrs
from attrs import field, frozen


class Severity(enum.Enum):
    """How much a problem matters: an error fails the command, a warning does not, and a
    notice is information shown on request."""

    ERROR = "error"
    WARNING = "warning"
    NOTICE = "notice"


@frozen
class Location:
    """A place in a case file, clause file or Word template; every part optional.

    ``field`` is a case file's field path (``complainant.pronouns``, ``sections[0]``); ``part``
    and ``paragraph`` name a place in a Word template (``word/document.xml``, paragraph 3).
    """

    file: str | None = None
    line: int | None = None
    column: int | None = None
    field: str | None = None
    part: str | None = None
    paragraph: int | None = None
    within: Location | None = None

    def at(self, file: str) -> Location:
        """This location in the file given, unless it names one already (outermost first)."""
        if self.within is not None:
            return attrs.evolve(self, within=self.within.at(file))
        return self if self.file is not None else attrs.evolve(self, file=file)

    def inside(self, outer: Location) -> Location:
        """This location, sitting within ``outer`` (added past any ``within`` it has)."""
        if self.within is not None:
            return attrs.evolve(self, within=self.within.inside(outer))
        return attrs.evolve(self, within=outer)

    def describe(self) -> str:
        """The location as a person reads it, outermost place first:
        ``examples/x.json: sections[0]: clauses/role.txt: line 4``."""
        outer = self.within.describe() if self.within is not None else ""
        here = ": ".join(piece for piece in self._pieces() if piece)
        return ": ".join(piece for piece in (outer, here) if piece)

    def _pieces(self) -> tuple[str | None, ...]:
        line = None
        if self.line is not None:
            line = f"line {self.line}"
            if self.column is not None:
                line += f" column {self.column}"
        part = None
        if self.part is not None:
            part = self.part + (f" paragraph {self.paragraph}" if self.paragraph else "")
        return (self.file, line, self.field, part)

    def as_json(self) -> dict[str, Any]:
        """The location's known parts, as JSON."""
        record: dict[str, Any] = {
            name: value
            for name, value in attrs.asdict(self, recurse=False).items()
            if value is not None and name != "within"
        }
        if self.within is not None:
            record["within"] = self.within.as_json()
        return record

    @property
    def outermost(self) -> Location:
        """The place this one sits in, all the way out: the file a user named."""
        return self.within.outermost if self.within is not None else self


NOWHERE = Location()


@frozen
class Problem:
    """Something wrong, where it is, and how much it matters."""

    message: str
    location: Location = NOWHERE
    severity: Severity = Severity.ERROR
    trace: str | None = field(default=None, eq=False)  # our own traceback, for --debug

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def at(self, file: str) -> Problem:
        return attrs.evolve(self, location=self.location.at(file))

    def inside(self, outer: Location) -> Problem:
        return attrs.evolve(self, location=self.location.inside(outer))

    def __str__(self) -> str:
        label = "" if self.is_error else f"{self.severity.value}: "
        where = self.location.describe()
        return f"{where}: {label}{self.message}" if where else f"{label}{self.message}"

    def as_json(self) -> dict[str, Any]:
        """The problem for scripts: ``source`` (the file a user named), ``where`` (the rest of
        the place, as text), ``message``, ``severity`` and the structured ``location``."""
        outer = self.location.outermost
        whole = self.location.describe()
        where = whole.removeprefix(f"{outer.file}: ") if outer.file else whole
        return {
            "source": outer.file,
            "where": None if where in ("", outer.file) else where,
            "message": self.message,
            "severity": self.severity.value,
            "location": self.location.as_json(),
        }


class LettersError(Exception):
    """A problem the user can fix, or several found together; each says where and what."""

    exit_code = 1

    def __init__(
        self,
        message: str | None = None,
        location: Location = NOWHERE,
        *,
        problems: Iterable[Problem] = (),
    ):
        found = list(problems)
        if message is not None:
            found.insert(0, Problem(message, location))
        self.problems: tuple[Problem, ...] = tuple(found)
        super().__init__(str(self))

    @property
    def message(self) -> str:
        """The first problem's message: the whole of it, for an error with one problem."""
        return self.problems[0].message if self.problems else ""

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)

    def at(self, file: str | None) -> LettersError:
        """This error with the file it came from, where its problems name none."""
        if file is not None:
            self.problems = tuple(problem.at(file) for problem in self.problems)
        return self

    def inside(self, outer: Location) -> LettersError:
        """This error, its problems sitting within ``outer`` (a case field, say)."""
        self.problems = tuple(problem.inside(outer) for problem in self.problems)
        return self


class CaseError(LettersError):
    """A case file that is not valid JSON or does not fit the case model."""


class ClauseError(LettersError):
    """A clause file that cannot be read, or a clause a case cannot use as asked."""


class TemplateError(LettersError):
    """A Word template that is missing, not a .docx, or has tags that do not work."""


class OutputError(LettersError):
    """A letter that could not be written where it was asked to go."""


class LimitError(LettersError):
    """Work past a limit: a letter that takes too long or grows too large, a file too big."""

    is_time = False
    """Whether the limit reached was the time: work not to be done again to say where."""


class TimeLimitError(LimitError):
    """A letter that took longer than its time limit."""

    is_time = True


class UsageError(LettersError):
    """A request that cannot be carried out as asked (options that do not go together)."""

    exit_code = 2


class RegisterError(LettersError):
    """The register cannot be reached, is at another version, or refuses what was asked."""


class TokenError(LettersError):
    """A bearer token that could not protect anything: blank, or not sendable in a header."""


class BusyError(OutputError):
    """Every converter was busy for longer than a letter may wait: try again later."""


class NotJsonError(CaseError):
    """Text that is not JSON at all (as against JSON that is not a case): the HTTP service
    answers it 400, where a case with problems is 422."""


class EmptyPlaceholder(ClauseError):
    """A placeholder whose value is empty for this case. A letter never holds a blank ("I
    considered information provided by ."): the clause is left out by the outline's condition,
    or the case gives the value. ``expressions`` are the placeholders of the clause's line, as
    written (``considered``, ``complaint.wants``)."""

    def __init__(self, expressions: tuple[str, ...], location: Location):
        self.expressions = expressions
        shown = expressions[0] if expressions else "..."
        super().__init__(f"{{{{ {shown} }}}} is empty for this case", location)


def combine(errors: Iterable[LettersError]) -> LettersError:
    """One error for the problems found: of the first error's kind, holding all of them."""
    errors = list(errors)
    if len(errors) == 1:
        return errors[0]
    return type(errors[0])(problems=[problem for error in errors for problem in error.problems])


def internal_error(
    error: BaseException, trace: str | None, location: Location = NOWHERE
) -> Problem:
    """A bug of ours met while working on one input: that input's problem, not everyone's."""
    kind = type(error).__name__
    return Problem(
        f"internal error ({kind}: {error}); please report it, with --debug's traceback",
        location,
        trace=trace,
    )


def did_you_mean(name: str, names: Iterable[str]) -> str:
    """A hint for a misspelt name: ``; did you mean 'late'?`` with the known name closest to it,
    or nothing when none is close."""
    import difflib  # noqa: PLC0415 - deferred: start-up speed (difflib; only a mistake needs it)

    close = difflib.get_close_matches(name, list(names), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""
