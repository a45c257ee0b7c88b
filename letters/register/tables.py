"""The register's tables, as SQLAlchemy Core sees them: one description for SQLite and PostgreSQL.

An issued letter is a row of ``letters``. The clauses and variants its text took wording from,
each with the SHA-256 of its wording, are a ``clause_sets`` row that many letters share (the
letters of one outline and pattern of facts use the same clauses), its members in
``clause_set_members``: one row a letter, not one a clause. The inputs a letter can be made again from are kept by
content, once however many letters share them: the case file in the letter's own row, the
template and every file of the clause library as ``blobs`` (by SHA-256), each version of the
library as the list of its files (``library_files``) under the hash of them all (``libraries``).

Each letter's row is sealed into a hash chain, by id (``letters.register.sealing``), so that a
row put in, changed or removed outside letters shows.

Rows are only ever added: a correction is a new letter that names the one it ``replaces``. The
migrations (``letters/register/migrations``) make these tables; a table added later (the remedies
a letter promises, say) comes with a migration of its own and names ``letters.id``.

A remedy's life (migration 0004) is rows added too: each change of its status is a row of
``remedy_events`` (sealed in a chain of its own), its evidence rows of ``remedy_evidence`` (the
files kept are ``blobs``). What a letter's remedies start as is ``remedies.status``; which
letters are in force (a correction, a reissue or a final decision supersedes the records before
it) is worked out from ``letters.reference_key`` and ``letters.stage``, derived from the sealed
columns (``letters.register.derived``) and checked against them by ``verify``.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
)

HEAD = "0004"
"""The migration the code expects the register to be at (a test checks it is Alembic's head)."""

metadata = MetaData()

blobs = Table(
    "blobs",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("content", LargeBinary, nullable=False),
)

libraries = Table(
    "libraries",
    metadata,
    Column("hash", String(64), primary_key=True),
    Column("git_commit", String(64)),
    Column("git_path", Text),  # the library's folder inside its repository
    Column("is_dirty", Boolean, nullable=False),  # files differ from the commit's
    Column("first_seen", DateTime, nullable=False),
)

library_files = Table(
    "library_files",
    metadata,
    Column("library_hash", String(64), ForeignKey("libraries.hash"), primary_key=True),
    Column("path", Text, primary_key=True),
    Column("sha256", String(64), ForeignKey("blobs.sha256"), nullable=False),
)

clause_sets = Table(
    "clause_sets",
    metadata,
    Column("hash", String(64), primary_key=True),  # of its members, in order
)

clause_set_members = Table(
    "clause_set_members",
    metadata,
    Column("set_hash", String(64), ForeignKey("clause_sets.hash"), primary_key=True),
    Column("clause", String(300), primary_key=True),
    Column("variant", String(200), primary_key=True),
    Column("text_sha256", String(64), nullable=False),
    Index("clause_set_members_clause", "clause"),
)

letters = Table(
    "letters",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("issued_at", DateTime, nullable=False),  # UTC
    Column("issued_by", String(200), nullable=False),
    Column("replaces", Integer, ForeignKey("letters.id"), unique=True),
    Column("note", Text),  # why a correction was made
    Column("case_source", Text, nullable=False),  # the case file's name as given
    Column("case_data", LargeBinary, nullable=False),  # its bytes as given
    Column("case_sha256", String(64), nullable=False),
    Column("reference", String(200)),
    Column("complainant", String(500), nullable=False),
    Column("complainant_key", String(500), nullable=False),  # casefolded, for finding
    Column("body", String(500)),
    Column("body_key", String(500)),
    Column("outline", String(200)),
    Column("decision_date", String(10)),
    Column("clause_set", String(64), ForeignKey("clause_sets.hash"), nullable=False),
    Column("library_hash", String(64), ForeignKey("libraries.hash"), nullable=False),
    Column("template", Text, nullable=False),  # the template's file as named
    Column("template_sha256", String(64), ForeignKey("blobs.sha256"), nullable=False),
    Column("engine", String(100), nullable=False),  # the letters version that made it
    Column("output_format", String(10), nullable=False),
    Column("output_sha256", String(64), nullable=False),
    Column("output_size", Integer, nullable=False),
    Column("output_path", Text),  # where the letter was written; none for the service
    Column("provenance", LargeBinary, nullable=False),  # the provenance record, JSON, deflated
    # the hash chain (migration 0003, letters.register.sealing): the seal of the record before
    # it, its own seal (of that and of its content), and that seal signed when a key is set
    Column("previous", String(64)),
    Column("seal", String(64)),
    Column("signature", String(128)),
    # derived from the sealed columns (migration 0004, letters.register.derived), not sealed
    # themselves: verify checks each against what it is derived from
    Column("reference_key", String(200)),  # the reference, case and spacing aside
    Column("stage", String(10)),  # draft or final, as the case file says
    Index("letters_issued_at", "issued_at"),
    Index("letters_reference", "reference"),
    Index("letters_complainant", "complainant_key"),
    Index("letters_body", "body_key"),
    Index("letters_outline", "outline"),
    Index("letters_output_sha256", "output_sha256"),
    Index("letters_clause_set", "clause_set"),
    Index("letters_reference_key", "reference_key"),
    Index("letters_case_sha256", "case_sha256"),
)

APPEND_ONLY = (
    "letters",
    "clause_sets",
    "clause_set_members",
    "libraries",
    "library_files",
    "blobs",
    "remedies",
    "remedy_events",
    "remedy_evidence",
)
"""The tables whose rows are never changed or removed (triggers refuse it)."""

remedies = Table(
    "remedies",
    metadata,
    Column("letter_id", Integer, ForeignKey("letters.id"), primary_key=True),
    Column("number", Integer, primary_key=True),  # its place in the case's list: remedies[0]
    Column("field", String(200), nullable=False),  # the case's field: facts.remedies[0]
    Column("kind", String(100), nullable=False),  # apology, payment, ...
    Column("wording", Text, nullable=False),  # as the letter words it
    Column("recipient", String(500), nullable=False),  # to whom
    Column("amount", Numeric(14, 2)),  # pounds and pence, exactly
    Column("per", String(10)),  # week, month, year: a payment by the period
    Column("deadline", String(200), nullable=False),  # "within one month", "by 30 June 2025"
    Column("due", Date),  # the day it is due; none in a draft, for a period from the final
    Column("stage", String(10), nullable=False),  # draft or final
    # what it starts as (migration 0004): recommended (a draft's, or where the body has not
    # agreed) or agreed
    Column("status", String(20)),
    Index("remedies_due", "due"),
)
"""What each issued letter says the body will do, by when (migration 0002): so that
compliance can be followed up (``letters register due --before DATE``)."""

remedy_events = Table(
    "remedy_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # the chain's order
    Column("letter_id", Integer, nullable=False),
    Column("number", Integer, nullable=False),
    Column("status", String(20), nullable=False),  # accepted, refused, extended, done
    Column("day", Date, nullable=False),  # the day it took effect
    Column("due", Date),  # extended: the new day it is due
    Column("recorded_at", DateTime, nullable=False),  # UTC
    Column("recorded_by", String(200), nullable=False),
    Column("note", Text),  # why
    Column("previous", String(64), nullable=False),
    Column("seal", String(64), nullable=False),
    Column("signature", String(128)),
    ForeignKeyConstraint(["letter_id", "number"], ["remedies.letter_id", "remedies.number"]),
    Index("remedy_events_remedy", "letter_id", "number"),
)
"""Each change of a remedy's status, in order (migration 0004): sealed into a chain of its own
(``letters.register.sealing.EVENTS``), its evidence with it."""

remedy_evidence = Table(
    "remedy_evidence",
    metadata,
    Column("event_id", Integer, ForeignKey("remedy_events.id"), primary_key=True),
    Column("number", Integer, primary_key=True),  # its place among the change's files
    Column("name", String(500), nullable=False),  # the file's name
    Column("location", Text),  # where it was (a reference to it), as given
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("kept", Boolean, nullable=False),  # its content is in blobs
    Index("remedy_evidence_sha256", "sha256"),
)
"""The files given as a change's evidence (migration 0004), recorded by SHA-256: kept (the
content in ``blobs``) or referenced (where it was)."""
