"""What the register records of one letter: the letter and its bytes, the clauses and variants
its wording came from, and the rows a feature adds beside its record.

A letter is made the same way when it is issued and when its record is made again
(``make_letter``), so that the bytes reproduced are the bytes issued. A ``Recorder`` adds rows
of its own for each letter (the remedies it sets out, say), seeing the letter as an
``IssuedLetter``. Each record is numbered and sealed into the register's chain
(``seal_records``, ``letters.register.sealing``) in the transaction that inserts it, and
signed when a key is configured (``signing_key``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa
from attrs import frozen

from letters.composition import Letter, Origin, compose
from letters.configuration import settings
from letters.formats import markdown, plain_text
from letters.limits import budget
from letters.model import Case
from letters.problems import Location, UsageError
from letters.register import tables
from letters.register.charts import pictures_of
from letters.register.sealing import GENESIS, Signer, Verifier, record_message, seal
from letters.register.versions import sha256
from letters.rendering import Renderer


@frozen
class IssuedLetter:
    """A letter as it is being recorded: what a recorder sees to add rows of its own (made
    with the letter, before its record is numbered)."""

    case: Case
    letter: Letter
    source: str


class Recorder(Protocol):
    """Rows a feature adds to the register for each letter issued, in the same transaction as
    the letter's record (a remedy and its due date, say): each row is a table and its values,
    and ``letter_id`` is filled in. A recorder that fails fails its letter's case alone.
    ``rows`` is called where the letter is made, in a worker process for a batch: it should
    only return rows (anything else it does stays in that process)."""

    def rows(self, issued: IssuedLetter) -> Iterable[tuple[sa.Table, dict[str, Any]]]: ...


def make_letter(
    renderer: Renderer, case: Case, output_format: str, source: str
) -> tuple[Letter, bytes]:
    """The letter for a case and its bytes in the format, within the letter's limits; a
    Word letter with the pictures the register draws for it (a compliance report's chart)."""
    with budget(renderer.limits):
        letter = compose(case, renderer.library, source=source)
        if output_format == "txt":
            return letter, plain_text(letter).encode("utf-8")
        if output_format == "md":
            return letter, markdown(letter).encode("utf-8")
        return letter, renderer.template.render(letter, pictures=pictures_of(letter))


def clause_uses(
    letter: Letter, library: Any, known: dict[tuple[str, str], str] | None = None
) -> tuple[tuple[str, str, str], ...]:
    """Every clause and variant the letter took wording from, with its wording's SHA-256, in
    order; ``known`` keeps the hashes of wordings met before (the library does not change)."""
    known = {} if known is None else known
    seen: dict[tuple[str, str], str] = {}

    def note(origin: Origin | None) -> None:
        if origin is None or origin.clause is None:
            return
        key = (origin.clause, origin.variant or "default")
        if key in seen:
            return
        digest = known.get(key)
        if digest is None:
            clause = library[origin.clause]
            text = next((v.text for v in clause.variants if v.name == key[1]), "")
            digest = known[key] = sha256(text.encode("utf-8"))
        seen[key] = digest

    note(letter.title_origin)
    paragraphs = [letter.sign_off, *([letter.summary] if letter.summary else [])]
    for section in letter.sections:
        note(section.heading_origin)
        paragraphs.extend(section.paragraphs)
    for paragraph in paragraphs:
        for run in paragraph.runs:
            note(run.origin)
            for included in run.includes:
                note(included)
    return tuple((clause, variant, digest) for (clause, variant), digest in sorted(seen.items()))


def clause_set_hash(uses: Sequence[tuple[str, str, str]]) -> str:
    """The hash a set of clause uses is kept under: of each clause, variant and wording hash."""
    return sha256("".join(f"{c}\0{v}\0{d}\n" for c, v, d in uses).encode("utf-8"))


_SEAL_LOCK = 7_340_022  # the PostgreSQL advisory lock that makes one process at a time seal


def seal_records(
    connection: sa.Connection, rows: Sequence[dict[str, Any]], signer: Signer | None
) -> None:
    """Number a chunk's records and seal each to the one before it (``id``, ``previous``,
    ``seal`` and, with a key, ``signature`` are set in each row), in the transaction that
    inserts them: the chain's head is read under a lock that the transaction holds until it
    commits (PostgreSQL: an advisory lock; SQLite: its write transaction, begun IMMEDIATE), so
    that two processes issuing at once cannot fork the chain."""
    letters = tables.letters
    is_postgresql = connection.dialect.name == "postgresql"
    if is_postgresql:
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_SEAL_LOCK)))
    top = connection.execute(sa.select(sa.func.max(letters.c.id))).scalar() or 0
    previous = (
        connection.execute(
            sa.select(letters.c.seal)
            .where(letters.c.seal.is_not(None))
            .order_by(letters.c.id.desc())
            .limit(1)
        ).scalar()
        or GENESIS
    )
    for number, row in enumerate(rows, start=top + 1):
        row["id"] = number
        row["previous"] = previous
        row["seal"] = previous = seal(previous, row)
        row["signature"] = signer.sign(record_message(previous)) if signer else None
    if is_postgresql:  # an id the database would give next follows these
        connection.execute(
            sa.select(
                sa.func.setval(sa.func.pg_get_serial_sequence("letters", "id"), top + len(rows))
            )
        )


def signer_of(path: str | Path | None = None) -> Signer | None:
    """The key that signs the records issued: the file given, else the configured one
    (``signing_key`` in letters.toml, ``LETTERS_SIGNING_KEY``); None when there is none."""
    key = Path(path) if path is not None else settings()["signing_key"].value
    if key is None:
        return None
    try:
        return Signer(_read_key(key), name=f"the signing key {key}")
    except ValueError as error:
        raise UsageError(str(error), Location(file=str(key))) from None


def verifier_of(path: str | Path | None = None) -> Verifier | None:
    """The public key that checks the register's signatures: the file given (a public key,
    or the private key itself), else the configured signing key's; None when there is none."""
    key = Path(path) if path is not None else settings()["signing_key"].value
    if key is None:
        return None
    try:
        return Verifier(_read_key(key), name=f"the key {key}")
    except ValueError as error:
        raise UsageError(str(error), Location(file=str(key))) from None


def _read_key(path: Path) -> bytes:
    try:
        with path.open("rb") as file:
            return file.read(64 * 1024)  # a PEM key is a few hundred bytes
    except OSError as error:
        raise UsageError(
            f"cannot read the key ({error.strerror})", Location(file=str(path))
        ) from None
