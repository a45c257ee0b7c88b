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
    register.remedies(RemedyQuery(overdue=True), on=datetime.date(2025, 6, 1))
    register.change_remedy("1.2", "done", by="A. Caseworker", evidence=["receipt.pdf"])
    register.reminder("Westshire Council", by="B. Officer", output="out/reminder.docx")
    register.report("Westshire Council", start=datetime.date(2025, 4, 1),
                    end=datetime.date(2026, 3, 31), by="B. Officer", output="out/report.docx")

What a service's routes call for a remedy's life: ``remedies`` (a query and a day),
``remedy`` (one, with its history), ``change_remedy`` (evidence as files, or as
``EvidenceFile.of_bytes(name, data)`` for a file sent in a request) and ``evidence`` (the
content kept, by SHA-256).

It is the read side (``Records``) with the acts on it; the modules that do them are given the
read side, and none of them needs this class.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from pathlib import Path

import attrs

from letters.library import default_library
from letters.limits import Limits
from letters.problems import Location, RegisterError
from letters.register.compliance import check_period, compliance, reminder_case, report_case
from letters.register.database import connect, locate, prepare
from letters.register.derived import watch_derived
from letters.register.following import (
    EvidenceFile,
    change_chain,
    change_head,
    evidence_content,
    record_change,
    remedies,
    remedy,
)
from letters.register.issuing import IssueOutcome, Issuer, now
from letters.register.life import Evidence, Remedy, RemedyId, RemedyQuery
from letters.register.recording import Recorder, signer_of
from letters.register.records import Query, Records
from letters.register.remedies import due_before
from letters.register.reports import body_named, decisions_of, issued_beside
from letters.register.reproducing import Reproducer, Reproduction
from letters.register.sealing import (
    EVENTS,
    GENESIS,
    Break,
    Checkpoint,
    Verifier,
    check,
)
from letters.register.versions import files_hash, library_files, library_version
from letters.rendering import Renderer


def _remedy_id(identity: str | RemedyId) -> RemedyId:
    return identity if isinstance(identity, RemedyId) else RemedyId.parse(identity)


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

    def due(self, before: datetime.date) -> list[Remedy]:
        """The remedies of the letters in force that are due before the day and not yet done
        (nor refused), earliest first."""
        return due_before(self, before)

    # -- a remedy's life -----------------------------------------------------------------------

    def remedies(
        self, query: RemedyQuery | None = None, *, on: datetime.date | None = None
    ) -> list[Remedy]:
        """The remedies the query asks for (by default: those of the final decisions in
        force), each with its history, as they stood on the day ``on`` (default: today), by
        the day they are due then."""
        return remedies(self, query or RemedyQuery(), on or datetime.date.today())

    def remedy(self, identity: str | RemedyId, *, on: datetime.date | None = None) -> Remedy:
        """One remedy (``"12.2"``: record 12's second) with its whole history, as it stood on
        the day ``on`` (default: today)."""
        return remedy(self, _remedy_id(identity), on or datetime.date.today())

    def change_remedy(
        self,
        identity: str | RemedyId,
        status: str,
        *,
        by: str,
        on: datetime.date | None = None,
        to: datetime.date | None = None,
        note: str | None = None,
        evidence: Sequence[str | Path | EvidenceFile] = (),
        keep: bool = True,
    ) -> Remedy:
        """Record a change of a remedy's status (``accepted``, ``refused``, ``extended`` to
        the day ``to``, ``done``) by ``by``, taking effect on the day ``on`` (default: today),
        with why (``note``) and its evidence: files, kept in the register (``keep``) or
        recorded by reference, or ``EvidenceFile``s. The remedy as it stands after it."""
        limit = Limits.from_environment().file_size
        files = [
            each
            if isinstance(each, EvidenceFile)
            else EvidenceFile.read(each, keep=keep, limit=limit)
            for each in evidence
        ]
        today = datetime.date.today()
        return record_change(
            self,
            _remedy_id(identity),
            status,
            by=by,
            day=on or today,
            today=today,
            recorded_at=now(),
            due=to,
            note=note,
            evidence=files,
            signer=signer_of(),
        )

    def evidence(self, sha256: str) -> tuple[Evidence, bytes]:
        """Evidence the register keeps, by its SHA-256: the file as recorded and its content."""
        return evidence_content(self, sha256)

    # -- letters to a body about its remedies ------------------------------------------------

    def reminder(
        self,
        body: str,
        *,
        by: str,
        output: str | Path,
        on: datetime.date | None = None,
        clauses: str | Path | None = None,
        template: str | Path | None = None,
        output_format: str = "docx",
        replaces: int | None = None,
        note: str | None = None,
    ) -> IssueOutcome:
        """Issue a reminder to a body (its name, case and spacing aside) of its remedies
        overdue on the day ``on`` (default: today), dated that day: its case (``overdue``,
        the remedies as the register holds them) is written beside the letter as a case file
        (``out/reminder.json`` for ``out/reminder.docx``), then issued and recorded as any
        letter is, with the register's letters' library (``clauses``) and the template
        ``reminder``. A RegisterError when none is overdue."""
        day = on or datetime.date.today()
        name, called = body_named(self, body)
        overdue = remedies(self, RemedyQuery(body=body, overdue=True), day)
        case = reminder_case(name, called, overdue, day)
        return issued_beside(
            self.issue,
            case,
            output,
            by=by,
            clauses=clauses,
            template=template or "reminder",
            output_format=output_format,
            replaces=replaces,
            note=note,
        )

    def report(
        self,
        body: str,
        *,
        start: datetime.date,
        end: datetime.date,
        by: str,
        output: str | Path,
        on: datetime.date | None = None,
        clauses: str | Path | None = None,
        template: str | Path | None = None,
        output_format: str = "docx",
        replaces: int | None = None,
        note: str | None = None,
    ) -> IssueOutcome:
        """Issue a body's compliance report for the period from ``start`` to ``end`` (both
        included), as the register stood on the day ``on`` (default: today), dated that day:
        the final decisions dated in the period and how many were upheld, the remedies due in
        it and what became of them (a table and a chart in the Word letter), and the remedies
        overdue. Its case is written beside the letter, then issued as ``reminder`` says."""
        day = on or datetime.date.today()
        check_period(start, end, day)
        name, called = body_named(self, body)
        held = remedies(self, RemedyQuery(body=body), day)
        figures = compliance(
            decisions_of(self, body, start, end), held, start=start, end=end, on=day
        )
        case = report_case(name, called, figures, held)
        return issued_beside(
            self.issue,
            case,
            output,
            by=by,
            clauses=clauses,
            template=template or "report",
            output_format=output_format,
            replaces=replaces,
            note=note,
        )

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
        """The number of records and the last one's seal, and as much of the chain of the
        remedies' changes, signed with the configured key (if any): what a records manager
        keeps elsewhere to ``audit`` the register against later."""
        (count, head), (changes, last_change) = self.head(), change_head(self)
        for counted, last, what in (
            (count, head, "record"),
            (changes, last_change, "remedy change"),
        ):
            if counted and last is None:
                raise RegisterError(
                    f"the last {what} of the register {self.shown} is not sealed (put in "
                    "outside letters?): letters register verify says more"
                )
        taken = Checkpoint(
            count, head or GENESIS, changes=changes, changes_seal=last_change or GENESIS
        )
        signer = signer_of()
        return attrs.evolve(taken, signature=signer.sign(taken.message)) if signer else taken

    def audit(
        self, checkpoint: Checkpoint | None = None, *, verifier: Verifier | None = None
    ) -> list[Break]:
        """Every record put in, changed, removed or moved outside letters (the chain of seals
        read whole), and whether the register still holds the ``checkpoint``; with a
        ``verifier``, every record and the checkpoint not signed with its key. Then the same
        of the chain of the remedies' changes, against the checkpoint's part for them."""
        derived: list[Break] = []
        found = check(
            watch_derived(self.chain(), derived), checkpoint=checkpoint, verifier=verifier
        )
        seen = {(each.record, each.kind) for each in found}
        found.extend(each for each in derived if (each.record, each.kind) not in seen)
        found.sort(key=lambda each: (each.record is None, each.record or 0))
        changes = checkpoint.of_changes if checkpoint is not None else None
        return found + check(
            change_chain(self), checkpoint=changes, verifier=verifier, chain=EVENTS
        )
