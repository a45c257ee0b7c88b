"""The register as a whole: opened where it is, issuing into it, finding records, a record in
full, remedies due, and letters made again.

``Register`` is the Python API the ``letters issue`` and ``letters register`` commands and the
service's ``POST /issue`` share::

    register = Register("out/register.sqlite")          # or a postgresql:// URL, or None
    for outcome in register.issue(["case.json"], by="A. Caseworker", out_dir="out/issued"):
        print(outcome.record, outcome.output)
    [found] = register.find(Query(complainant="Mrs X"))
    register.reproduce(found.id).matches
    checkpoint = register.checkpoint()                   # kept elsewhere by a records manager
    register.audit(checkpoint)                           # [] when nothing was tampered with

It is the read side (``Records``) with the acts on it; the modules that do them are given the
read side, and none of them needs this class.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from pathlib import Path

from letters.library import default_library
from letters.problems import Location, RegisterError
from letters.register.database import connect, locate, prepare
from letters.register.issuing import IssueOutcome, Issuer
from letters.register.recording import Recorder, signer_of
from letters.register.records import Query, Records
from letters.register.remedies import DueRemedy, due_before
from letters.register.reproducing import Reproducer, Reproduction
from letters.register.sealing import (
    GENESIS,
    Break,
    Checkpoint,
    Verifier,
    check,
    checkpoint_message,
)
from letters.register.versions import files_hash, library_files, library_version
from letters.rendering import Renderer


class Register(Records):
    """The register of issued letters: an SQLite file or a PostgreSQL database."""

    def __init__(self, location: str | Path | None = None, *, create: bool = True):
        self.location = locate(location)
        if not create and "://" not in str(self.location) and not Path(self.location).is_file():
            raise RegisterError(
                "no register here: issue a letter (letters issue) or make one "
                "(letters register upgrade)",
                Location(file=str(self.location)),
            )
        super().__init__(connect(self.location))
        try:
            self.revision = prepare(self.engine, create=create)
        except BaseException:
            self.engine.dispose()
            raise

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self.engine.dispose()

    # -- issuing --------------------------------------------------------------------------

    def issuer(
        self,
        *,
        clauses: str | Path | None = None,
        template: str | Path | None = None,
        by: str,
        output_format: str = "docx",
        recorders: Sequence[Recorder] = (),
    ) -> Issuer:
        """An Issuer: the library and template read once, recorded as read."""
        folder = Path(clauses) if clauses is not None else default_library()
        version = library_version(folder) if folder.is_dir() else None
        renderer = Renderer(clauses, template)  # a missing or broken library fails here
        assert version is not None and renderer.library.root is not None
        if files_hash(library_files(folder)) != version.hash:
            raise RegisterError("the clause library changed while it was read; issue again")
        return Issuer(
            self,
            renderer,
            by=by,
            output_format=output_format,
            recorders=recorders,
            version=version,
        )

    def issue(
        self,
        cases: Sequence[str],
        *,
        by: str,
        clauses: str | Path | None = None,
        template: str | Path | None = None,
        out_dir: str | Path | None = None,
        output: str | None = None,
        name: str | None = None,
        output_format: str = "docx",
        replaces: int | None = None,
        note: str | None = None,
        recorders: Sequence[Recorder] = (),
        jobs: int = 1,
    ) -> Iterator[IssueOutcome]:
        """Render, write and record each case file's letter; an outcome per case, in order.
        A batch's letters are made and written by ``jobs`` worker processes while this one
        records them."""
        issuer = self.issuer(
            clauses=clauses,
            template=template,
            by=by,
            output_format=output_format,
            recorders=recorders,
        )
        return issuer.issue_files(
            cases,
            out_dir=out_dir,
            output=output,
            name=name,
            replaces=replaces,
            note=note,
            jobs=jobs,
        )

    # -- finding (``Records``: find, ids, record, blob, library_files) ----------------------

    def due(self, before: datetime.date) -> list[DueRemedy]:
        """The remedies of the letters in force that are due before the day, earliest first."""
        return due_before(self, before)

    # -- reproducing ------------------------------------------------------------------------

    def reproduce(self, identity: int, *, repository: str | Path | None = None) -> Reproduction:
        """The record's letter made again from its recorded inputs (a ``Reproduction``)."""
        record = self.record(identity)
        with Reproducer(self, repository=repository) as reproducer:
            return reproducer.reproduce(record)

    def verify(
        self, query: Query | None = None, *, repository: str | Path | None = None
    ) -> Iterator[Reproduction]:
        """Each matching record's letter made again, and its issued file read where the record
        says it was written: each compared with the recorded hash."""
        with Reproducer(self, repository=repository) as reproducer:
            for identity in self.ids(query):
                yield reproducer.verify(identity)

    # -- the chain of seals ------------------------------------------------------------------

    def checkpoint(self) -> Checkpoint:
        """The number of records and the last one's seal, signed with the configured key (if
        any): what a records manager keeps elsewhere to ``audit`` the register against later."""
        count, head = self.head()
        if count and head is None:
            raise RegisterError(
                f"the last record of the register {self.shown} is not sealed (put in outside "
                "letters?): letters register verify says more"
            )
        signer = signer_of()
        sealed = head or GENESIS
        signature = signer.sign(checkpoint_message(count, sealed)) if signer else None
        return Checkpoint(count, sealed, signature)

    def audit(
        self, checkpoint: Checkpoint | None = None, *, verifier: Verifier | None = None
    ) -> list[Break]:
        """Every record put in, changed, removed or moved outside letters (the chain of seals
        read whole), and whether the register still holds the ``checkpoint``; with a
        ``verifier``, every record and the checkpoint not signed with its key."""
        return check(self.chain(), checkpoint=checkpoint, verifier=verifier)
