"""The register: every issued letter recorded, found, and made again from its recorded inputs.

A public body must be able to say what it sent, to whom, when, and why it said what it said.
``letters issue`` renders each case's letter and records it here: the case file as given, the
outline and the clauses and variants used (with their wording's hash), the library's version,
the template, the output's format and SHA-256, the provenance record, who issued it and when.
Records are only ever added; a correction is a new record naming the one it replaces.

The register is one SQLite file by default, or a PostgreSQL database shared by a service and
several caseworkers (SQLAlchemy Core for both; Alembic migrations, ``letters register
upgrade``). SQLAlchemy is imported only when a name of this package is first used, by the
commands that use the register.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_API = {
    "RegisterError": "letters.problems",
    "IssuedLetter": "letters.register.issuing",
    "IssueOutcome": "letters.register.issuing",
    "Issuer": "letters.register.issuing",
    "Recorder": "letters.register.issuing",
    "Query": "letters.register.records",
    "Record": "letters.register.records",
    "Register": "letters.register.records",
    "Summary": "letters.register.records",
    "IssuedImpact": "letters.register.reproducing",
    "Reproduction": "letters.register.reproducing",
    "impact_since": "letters.register.reproducing",
    "metadata": "letters.register.tables",
    "DueRemedy": "letters.register.remedies",
    "RemedyRecorder": "letters.register.remedies",
}

__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'letters.register' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from letters.problems import RegisterError as RegisterError
    from letters.register.issuing import IssuedLetter as IssuedLetter
    from letters.register.issuing import IssueOutcome as IssueOutcome
    from letters.register.issuing import Issuer as Issuer
    from letters.register.issuing import Recorder as Recorder
    from letters.register.records import Query as Query
    from letters.register.records import Record as Record
    from letters.register.records import Register as Register
    from letters.register.records import Summary as Summary
    from letters.register.remedies import DueRemedy as DueRemedy
    from letters.register.remedies import RemedyRecorder as RemedyRecorder
    from letters.register.reproducing import IssuedImpact as IssuedImpact
    from letters.register.reproducing import Reproduction as Reproduction
    from letters.register.reproducing import impact_since as impact_since
    from letters.register.tables import metadata as metadata
