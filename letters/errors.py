"""One hierarchy for every problem a user can fix.

Each error says where (the file, then the field path or line) and what was expected, so the CLI
can print it as one line: ``examples/x.json: complainant.pronouns: expected one of she, he, they``.
Exit codes belong to the error types, as in click.
"""

from __future__ import annotations

from collections.abc import Iterable


class LettersError(Exception):
    """A problem the user can fix; its message says where and what."""

    exit_code = 1

    def __init__(self, message: str, *, source: str | None = None, where: str | None = None):
        super().__init__(message)
        self.message = message
        self.source = source
        self.where = where

    def __str__(self) -> str:
        return ": ".join(part for part in (self.source, self.where, self.message) if part)

    def at(self, source: str) -> LettersError:
        """Return this error with the file it came from, unless it already names one."""
        if self.source is None:
            self.source = source
        return self


class CaseError(LettersError):
    """A case file that is not valid JSON or does not fit the case model."""


class ClauseError(LettersError):
    """A clause file that cannot be read, or a clause a case cannot use as asked."""


class TemplateError(LettersError):
    """A Word template that is missing, not a .docx, or has tags that do not work."""


class OutputError(LettersError):
    """A letter that could not be written where it was asked to go."""


class LettersErrors(LettersError):
    """Several problems found together, reported one per line."""

    def __init__(self, errors: Iterable[LettersError]):
        self.errors = list(errors)
        super().__init__("\n".join(str(error) for error in self.errors))

    def __str__(self) -> str:
        return "\n".join(str(error) for error in self.errors)

    def at(self, source: str) -> LettersError:
        for error in self.errors:
            error.at(source)
        return self


def combine(errors: list[LettersError]) -> LettersError:
    """One error for the problems found: the single one, or all of them together."""
    return errors[0] if len(errors) == 1 else LettersErrors(errors)


class UsageError(LettersError):
    """A request that cannot be carried out as asked (options that do not go together)."""

    exit_code = 2
