"""Making an issued letter again from what its record holds, and what a library edit would
change in the letters issued.

The library is read as it was: at its recorded git commit (``git archive``) when the record has
one, the files then were committed, and the repository still has it; else from the library
files the register keeps. Either way the files must hash to the library hash recorded, and the
template to its recorded SHA-256, before a letter is made from them. The letter is made from
the case file's bytes as given, in the recorded format, and its SHA-256 compared with the one
recorded. Verifying also reads the issued letter where the record says it was written, and
compares its bytes with the recorded hash.

Nothing a record holds is trusted: the library and template are written into a temporary
folder the ``Reproducer`` owns (and removes when closed), each path inside it checked to stay
inside it; hashes must be hashes, a git commit 40 hexadecimal digits. A record that breaks
these gets an error naming it, and nothing is written anywhere else.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import re
import stat
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from attrs import frozen

from letters.composition import compose
from letters.impact import Change, differences
from letters.library import Library, default_library
from letters.limits import budget
from letters.loading import read_case_text
from letters.outcomes import problems_of
from letters.problems import LettersError, Problem, RegisterError
from letters.register.recording import make_letter
from letters.register.records import Query, Record, Records, Summary
from letters.register.versions import files_at_commit, files_hash, is_commit, sha256
from letters.rendering import Renderer


@frozen
class Reproduction:
    """A record's letter made again: whether its bytes are the ones recorded."""

    record: int
    expected: str
    actual: str | None
    data: bytes | None
    library_source: str | None  # "git commit abc123" or "the register's copy"
    problems: tuple[Problem, ...] = ()
    output_path: str | None = None  # where the record says the letter was written
    on_disk: str | None = None  # verify: "the same", "changed", "missing", "not a file"

    @property
    def matches(self) -> bool:
        return self.actual is not None and self.actual == self.expected

    @property
    def is_sound(self) -> bool:
        """Made again the same, and the issued file (where there is one) is the letter issued."""
        return self.matches and self.on_disk in (None, "the same")

    def as_json(self) -> dict[str, Any]:
        return {
            "record": self.record,
            "matches": self.matches,
            "expected_sha256": self.expected,
            "actual_sha256": self.actual,
            "library_from": self.library_source,
            "output_path": self.output_path,
            "on_disk": self.on_disk,
            "errors": [problem.as_json() for problem in self.problems],
        }


@frozen
class IssuedImpact:
    """What the library in the working copy would change in one issued letter."""

    record: Summary
    changes: tuple[Change, ...] = ()
    problems: tuple[Problem, ...] = ()

    @property
    def is_changed(self) -> bool:
        return bool(self.changes or self.problems)

    def as_json(self) -> dict[str, Any]:
        return {
            **self.record.as_json(),
            "changes": [{"part": change.part, "diff": change.diff} for change in self.changes],
            "errors": [problem.as_json() for problem in self.problems],
        }


class Reproducer:
    """Libraries and templates as recorded, each made once, for any number of records."""

    def __init__(self, register: Records, *, repository: str | Path | None = None):
        self.register = register
        self.repository = Path(repository) if repository is not None else None
        self._work = tempfile.TemporaryDirectory(prefix="letters-reproduce-")
        self.folder = Path(self._work.name).resolve()
        self._libraries: dict[str, tuple[Path, str]] = {}
        self._renderers: dict[tuple[str, str], tuple[Renderer, str]] = {}

    def __enter__(self) -> Reproducer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Remove the temporary folder and everything made in it."""
        self._work.cleanup()

    def library(self, record: Record) -> tuple[Path, str]:
        """The folder holding the record's library as it was, and where it was read from."""
        known = self._libraries.get(record.library_hash)
        if known is not None:
            return known
        _check_hash(record, "library hash", record.library_hash)
        files, source = None, "the register's copy"
        if record.git_commit and not record.is_dirty and record.git_path is not None:
            if not is_commit(record.git_commit):
                raise RegisterError(
                    f"record {record.id}: its library's git commit is not a commit "
                    f"(40 hexadecimal digits): {record.git_commit[:80]!r}"
                )
            repository = self.repository or default_library()
            if repository is not None and repository.is_dir():
                files = files_at_commit(repository, record.git_commit, record.git_path)
                if files is not None and files_hash(files) != record.library_hash:
                    files = None  # not the files recorded (ignored files, say): the register's
                source = f"git commit {record.git_commit[:12]}"
        if files is None:
            source = "the register's copy"
            files = self.register.library_files(record.library_hash)
            if files_hash(files) != record.library_hash:
                raise RegisterError(
                    f"record {record.id}: the register's copy of library {record.library_hash[:12]} "
                    "does not hash to it"
                )
        folder = self.folder / record.library_hash
        folder.mkdir(parents=True, exist_ok=True)
        _write_files(record, folder, files)
        self._libraries[record.library_hash] = (folder, source)
        return folder, source

    def renderer(self, record: Record) -> tuple[Renderer, str]:
        """A renderer of the record's library and template, and where its library came from."""
        key = (record.library_hash, record.template_sha256)
        known = self._renderers.get(key)
        if known is not None:
            return known
        folder, source = self.library(record)
        _check_hash(record, "template's SHA-256", record.template_sha256)
        template = self.folder / f"{record.template_sha256}.docx"
        if not template.exists():
            data = self.register.blob(record.template_sha256)
            if sha256(data) != record.template_sha256:
                raise RegisterError(
                    f"record {record.id}: the register's template does not hash to it"
                )
            template.write_bytes(data)
        made = (Renderer(folder, template), source)
        self._renderers[key] = made
        return made

    def reproduce(self, record: Record) -> Reproduction:
        """The record's letter made again; a LettersError if its inputs cannot be read."""
        renderer, source = self.renderer(record)
        case = read_case_text(record.case_data.decode("utf-8"), source=record.summary.case_source)
        _, data = make_letter(
            renderer, case, record.summary.output_format, record.summary.case_source
        )
        return Reproduction(record.id, record.summary.output_sha256, sha256(data), data, source)

    def reproduce_safely(self, identity: int) -> Reproduction:
        """As ``reproduce``, any failure being this record's problem."""
        expected = ""
        try:
            record = self.register.record(identity)
            expected = record.summary.output_sha256
            return self.reproduce(record)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as error:
            return Reproduction(identity, expected, None, None, None, problems_of(error))

    def verify(self, identity: int) -> Reproduction:
        """The record's letter made again, and the issued file read where the record says it
        was written: each compared with the recorded hash; any failure this record's problem."""
        made = self.reproduce_safely(identity)
        try:
            summary = self.register.record(identity).summary
        except LettersError:
            return made
        on_disk = (
            None
            if summary.output_path is None
            else issued_file_state(Path(summary.output_path), summary.output_sha256)
        )
        return Reproduction(
            made.record,
            made.expected,
            made.actual,
            None,  # verifying keeps no letter in memory
            made.library_source,
            made.problems,
            summary.output_path,
            on_disk,
        )

    def impact(self, identity: int, edited: Library) -> IssuedImpact:
        """What ``edited`` would change in a record's letter, composed from the same case."""
        record = self.register.record(identity)
        try:
            renderer, _ = self.renderer(record)
            case = read_case_text(
                record.case_data.decode("utf-8"), source=record.summary.case_source
            )
            with budget(renderer.limits):
                old = compose(case, renderer.library, source=record.summary.case_source)
            with budget(renderer.limits):
                new = compose(case, edited, source=record.summary.case_source)
        except LettersError as error:
            return IssuedImpact(record.summary, problems=problems_of(error))
        return IssuedImpact(record.summary, tuple(differences(old, new)))


def impact_since(
    register: Records,
    since: datetime.date,
    edited: Library,
    *,
    repository: str | Path | None = None,
) -> Iterator[IssuedImpact]:
    """Each letter issued since the day (UTC, included), with what ``edited`` would change."""
    with Reproducer(register, repository=repository) as reproducer:
        for identity in register.ids(Query(since=since)):
            yield reproducer.impact(identity, edited)


def issued_file_state(path: Path, expected: str) -> str:
    """Whether the letter where a record says it was written is the one issued: "the same",
    "changed", "missing" or "not a file" (a device, a pipe or a folder is not read)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return "missing"
    except OSError:
        return "not a file"
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return "not a file"
        digest = hashlib.sha256()
        while chunk := os.read(descriptor, 1 << 20):
            digest.update(chunk)
    except OSError:
        return "not a file"
    finally:
        os.close(descriptor)
    return "the same" if digest.hexdigest() == expected else "changed"


_HASH = re.compile(r"[0-9a-f]{64}")


def _check_hash(record: Record, what: str, value: str) -> None:
    if _HASH.fullmatch(value) is None:
        raise RegisterError(
            f"record {record.id}: its {what} is not a SHA-256 (64 hexadecimal digits): "
            f"{value[:80]!r}"
        )


def _write_files(record: Record, folder: Path, files: Mapping[str, bytes]) -> None:
    """A library's files written into its folder, each path checked to stay inside it (a
    record's paths are not trusted: ``../..``, an absolute path, a link are refused)."""
    for relative, content in files.items():
        parts = PurePosixPath(relative).parts
        if not parts or PurePosixPath(relative).is_absolute() or ".." in parts or "\\" in relative:
            raise RegisterError(
                f"record {record.id}: its library holds a file outside the library's folder: "
                f"{relative[:200]!r}"
            )
        path = folder.joinpath(*parts)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.parent.resolve().is_relative_to(folder):
                raise RegisterError(
                    f"record {record.id}: its library's file {relative[:200]!r} would be written "
                    "outside the library's folder"
                )
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            with os.fdopen(os.open(path, flags, 0o644), "wb") as file:
                file.write(content)
        except OSError as error:
            raise RegisterError(
                f"record {record.id}: cannot write its library's file {relative[:200]!r} "
                f"({error.strerror})"
            ) from None


__all__ = ["IssuedImpact", "Reproducer", "Reproduction", "impact_since"]
