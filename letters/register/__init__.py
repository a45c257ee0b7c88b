"""The register: every issued letter recorded, found, and made again from its recorded inputs.

A public body must be able to say what it sent, to whom, when, and why it said what it said.
``letters issue`` renders each case's letter and records it here: the case file as given, the
outline and the clauses and variants used (with their wording's hash), the library's version,
the template, the output's format and SHA-256, the provenance record, who issued it and when.
Records are only ever added; a correction is a new record naming the one it replaces.

The register is one SQLite file by default, or a PostgreSQL database shared by a service and
several caseworkers (SQLAlchemy Core for both; Alembic migrations, ``letters register
upgrade``). Importing this package imports SQLAlchemy: only the commands that use the register
import it (``import letters`` and ``letters.cli`` do not).

Its rooms, bottom to top: ``tables`` and ``database`` (the schema, reaching it, migrations),
``versions`` (a library's version, hashes), ``records`` (the read side: ``Query``, ``Record``,
finding, which letters are in force), ``recording`` (what is recorded of one letter),
``derived`` (what is worked out from a record's sealed columns), ``life`` (a remedy's statuses,
pure) and ``following`` (its changes and evidence in the register), ``remedies``, ``issuing``,
``reproducing``, ``compliance`` (a body's figures, and the cases of the letters the register
writes to it: a reminder of its remedies overdue, a compliance report; pure), ``charts`` (the
pictures the register draws for those letters), ``reports`` (what they read of the register,
and their case files), and ``front`` (``Register``, over them all). ``sealing`` chains each
record to the one before it, so that a record put in, changed or removed outside letters shows.
"""

from letters.problems import RegisterError as RegisterError
from letters.register.compliance import Compliance as Compliance
from letters.register.compliance import Decision as Decision
from letters.register.database import connect as connect
from letters.register.database import locate as locate
from letters.register.database import prepare as prepare
from letters.register.following import EvidenceFile as EvidenceFile
from letters.register.front import Register as Register
from letters.register.issuing import IssueOutcome as IssueOutcome
from letters.register.issuing import Issuer as Issuer
from letters.register.life import CHANGES as CHANGES
from letters.register.life import SHOWN as SHOWN
from letters.register.life import Change as Change
from letters.register.life import Evidence as Evidence
from letters.register.life import Remedy as Remedy
from letters.register.life import RemedyId as RemedyId
from letters.register.life import RemedyQuery as RemedyQuery
from letters.register.recording import IssuedLetter as IssuedLetter
from letters.register.recording import Recorder as Recorder
from letters.register.recording import verifier_of as verifier_of
from letters.register.records import Query as Query
from letters.register.records import Record as Record
from letters.register.records import Summary as Summary
from letters.register.remedies import RemedyRecorder as RemedyRecorder
from letters.register.reports import REGISTER_LETTERS as REGISTER_LETTERS
from letters.register.reproducing import IssuedImpact as IssuedImpact
from letters.register.reproducing import Reproduction as Reproduction
from letters.register.reproducing import impact_since as impact_since
from letters.register.sealing import Break as Break
from letters.register.sealing import Checkpoint as Checkpoint
from letters.register.tables import metadata as metadata
from letters.register.versions import sha256 as sha256
