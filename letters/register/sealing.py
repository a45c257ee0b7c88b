"""Seals: each record of the register chained to the one before it, so that tampering shows.

A record's seal is the SHA-256 of the seal of the record before it (the chain's order is the
record's id) and of the record's canonical bytes: every column that says what was issued (who,
when, to whom, from which case, library, template and clauses, the letter's hash and where it
was written). A record put in with SQL, changed or removed afterwards, or moved, no longer
chains: ``check`` finds it, record by record. A records manager keeps a ``Checkpoint`` (the
number of records and the last seal, and the same of the remedies' changes) elsewhere; a
register sealed again from the start, or cut short, no longer holds it. With a signing key (Ed25519), each seal and checkpoint is signed
too, so that only the key's holder can have sealed them.

A remedy's history (``remedy_events``: each change of its status, who made it, when and why,
and its evidence) is sealed the same way, in a chain of its own (``EVENT_SEALED``, the version
line ``letters remedy event 1``): a change of status is a new row of that chain, never an edit
of a sealed record.

Pure: no database, no files (the key is read by the caller). The canonical bytes, for anyone
checking a register with tools of their own: ``letters seal 1`` and a newline, the previous
seal and a newline, then for each column of ``SEALED`` in order its name, ``=``, a kind (``n``
none, ``i`` integer, ``s`` text, ``t`` a time, ISO 8601 to the microsecond, ``d`` a day,
ISO 8601, ``h`` the SHA-256 of bytes), the length of what follows in bytes, ``:``, the value in UTF-8, and a newline.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from attrs import evolve, frozen

GENESIS = "0" * 64
"""The seal the first record chains from."""

SEALED = (
    "id",
    "issued_at",
    "issued_by",
    "replaces",
    "note",
    "case_source",
    "case_data",
    "case_sha256",
    "reference",
    "complainant",
    "complainant_key",
    "body",
    "body_key",
    "outline",
    "decision_date",
    "clause_set",
    "library_hash",
    "template",
    "template_sha256",
    "engine",
    "output_format",
    "output_sha256",
    "output_size",
    "output_path",
    "provenance",
)
"""The columns of a record its seal covers, in the order they are encoded."""

EVENT_SEALED = (
    "id",
    "letter_id",
    "number",
    "status",
    "day",
    "due",
    "recorded_at",
    "recorded_by",
    "note",
    "evidence",
)
"""The columns of a remedy's change its seal covers, in order: ``evidence`` is the text of its
evidence files, one line each (``evidence_text``)."""

_VERSION = b"letters seal 1\n"
EVENT_VERSION = b"letters remedy event 1\n"
_HEX64 = re.compile(r"[0-9a-f]{64}")
_CHECKPOINT = re.compile(r"([0-9]+):([0-9a-f]{64})(?:/([0-9]+):([0-9a-f]{64}))?(?::(.*))?")
"""A checkpoint as written (lower-cased): COUNT:SEAL, /CHANGES:SEAL, then :SIGNATURE."""


def canonical(record: Mapping[str, Any], columns: Sequence[str] = SEALED) -> bytes:
    """A record's content as the bytes its seal covers (see the module's description)."""
    parts = []
    for name in columns:
        kind, data = _encoded(record.get(name))
        parts.append(b"%s=%s%d:%s\n" % (name.encode("ascii"), kind, len(data), data))
    return b"".join(parts)


def _encoded(value: Any) -> tuple[bytes, bytes]:
    if value is None:
        return b"n", b""
    if isinstance(value, bool):
        return b"i", b"1" if value else b"0"
    if isinstance(value, int):
        return b"i", str(value).encode("ascii")
    if isinstance(value, str):
        return b"s", value.encode("utf-8", "surrogatepass")
    if isinstance(value, datetime.datetime):
        return b"t", value.isoformat(timespec="microseconds").encode("ascii")
    if isinstance(value, datetime.date):
        return b"d", value.isoformat().encode("ascii")
    if isinstance(value, bytes | bytearray | memoryview):
        return b"h", hashlib.sha256(value).hexdigest().encode("ascii")
    raise TypeError(f"a record's {type(value).__name__} value cannot be sealed")


def seal(previous: str, record: Mapping[str, Any]) -> str:
    """The seal of a record that follows the record sealed ``previous``."""
    return _seal(previous, record, _LETTERS)


def seal_event(previous: str, event: Mapping[str, Any]) -> str:
    """The seal of a remedy's change that follows the change sealed ``previous``."""
    return _seal(previous, event, EVENTS)


def evidence_text(files: Iterable[Mapping[str, Any]]) -> str:
    """A change's evidence as its seal covers it: a line for each file, in order, of its
    SHA-256, size, whether it is kept (1) or referenced (0), name and location."""
    return "".join(
        f"{each['sha256']} {each['size']} {int(bool(each['kept']))} {each['name']}\0"
        f"{each['location'] or ''}\n"
        for each in files
    )


@frozen
class Chain:
    """A chain of seals: the columns it covers, its version line, what its rows are called
    in a ``Break``, and what a row's signature signs."""

    columns: tuple[str, ...]
    version: bytes
    what: str
    prefix: bytes


_LETTERS = Chain(SEALED, _VERSION, "record", b"letters record ")
EVENTS = Chain(EVENT_SEALED, EVENT_VERSION, "remedy change", b"letters remedy event ")
"""The chain of the remedies' changes."""


def _seal(previous: str, record: Mapping[str, Any], chain: Chain) -> str:
    digest = hashlib.sha256(chain.version)
    digest.update(previous.encode("ascii", "replace") + b"\n")
    digest.update(canonical(record, chain.columns))
    return digest.hexdigest()


def is_seal(text: str) -> bool:
    """Whether a text is a seal's form: 64 lower-case hexadecimal digits."""
    return _HEX64.fullmatch(text) is not None


# -- signing ------------------------------------------------------------------------------------


def record_message(seal_: str) -> bytes:
    """What a record's signature signs: its seal (which covers every record before it)."""
    return _LETTERS.prefix + seal_.encode("ascii", "replace")


def event_message(seal_: str) -> bytes:
    """What a remedy change's signature signs: its seal."""
    return EVENTS.prefix + seal_.encode("ascii", "replace")


def checkpoint_message(held: str) -> bytes:
    """What a checkpoint's signature signs: what it holds (``Checkpoint.held``)."""
    return f"letters checkpoint {held}".encode("ascii", "replace")


class Signer:
    """An Ed25519 private key that signs seals and checkpoints (from a PEM file's bytes)."""

    def __init__(self, pem: bytes, *, name: str = "the signing key"):
        # deferred: start-up speed (cryptography, for a register with a signing key only)
        from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # noqa: PLC0415
            Ed25519PrivateKey,
        )
        from cryptography.hazmat.primitives.serialization import (  # noqa: PLC0415
            load_pem_private_key,
        )

        try:
            key = load_pem_private_key(pem, password=None)
        except (ValueError, TypeError) as error:
            raise ValueError(f"{name} is not an unencrypted PEM private key ({error})") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{name} is not an Ed25519 key (openssl genpkey -algorithm ed25519)")
        self._key = key
        self.public = Verifier.of(key.public_key())

    def sign(self, message: bytes) -> str:
        return self._key.sign(message).hex()


class Verifier:
    """An Ed25519 public key that checks signatures (from a PEM file's bytes)."""

    def __init__(self, pem: bytes, *, name: str = "the public key"):
        # deferred: start-up speed (cryptography, for a register with a signing key only)
        from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # noqa: PLC0415
            Ed25519PrivateKey,
            Ed25519PublicKey,
        )
        from cryptography.hazmat.primitives.serialization import (  # noqa: PLC0415
            load_pem_private_key,
            load_pem_public_key,
        )

        key: Any
        try:
            if b"PRIVATE KEY" in pem:  # the private key holds the public one
                key = load_pem_private_key(pem, password=None)
                key = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
            else:
                key = load_pem_public_key(pem)
        except (ValueError, TypeError) as error:
            raise ValueError(f"{name} is not a PEM key ({error})") from None
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError(f"{name} is not an Ed25519 key")
        self._key = key

    @classmethod
    def of(cls, key: Any) -> Verifier:
        made = cls.__new__(cls)
        made._key = key
        return made

    def is_signed(self, message: bytes, signature: str | None) -> bool:
        # deferred: start-up speed (cryptography, for a register with a signing key only)
        from cryptography.exceptions import InvalidSignature  # noqa: PLC0415

        if not signature:
            return False
        try:
            self._key.verify(bytes.fromhex(signature), message)
        except (InvalidSignature, ValueError):
            return False
        return True


# -- checking -----------------------------------------------------------------------------------


@frozen
class Checkpoint:
    """The register at one moment: how many records it held and the last one's seal, and as
    much of the chain of the remedies' changes (``changes``, ``changes_seal``), signed when a
    key is configured. Written ``COUNT:SEAL/CHANGES:SEAL``, then ``:SIGNATURE`` when signed;
    ``COUNT:SEAL`` alone (a checkpoint of the records only, as taken before remedies' changes
    were sealed) is still read, and holds the remedies' changes to nothing."""

    count: int
    seal: str
    signature: str | None = None
    changes: int | None = None
    changes_seal: str | None = None

    @property
    def held(self) -> str:
        """What it holds, as written and signed: ``COUNT:SEAL/CHANGES:SEAL``."""
        records = f"{self.count}:{self.seal}"
        return records if self.changes is None else f"{records}/{self.changes}:{self.changes_seal}"

    @property
    def message(self) -> bytes:
        """What its signature signs."""
        return checkpoint_message(self.held)

    @property
    def of_changes(self) -> Checkpoint | None:
        """The part that holds the chain of the remedies' changes, if it has one."""
        if self.changes is None or self.changes_seal is None:
            return None
        return Checkpoint(self.changes, self.changes_seal)

    def __str__(self) -> str:
        return self.held + (f":{self.signature}" if self.signature else "")

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """A checkpoint from its text; ValueError saying what was expected."""
        found = _CHECKPOINT.fullmatch(text.strip().lower())
        if found is None:
            raise ValueError(
                "a checkpoint is COUNT:SEAL/CHANGES:SEAL (as letters register checkpoint prints "
                "it: the records' count and last seal, a slash, the remedies' changes' count "
                "and last seal, each seal 64 hexadecimal digits; and :SIGNATURE when signed)"
            )
        count, seal_, changes, changes_seal, signature = found.groups()
        if signature is not None and re.fullmatch(r"[0-9a-f]{128}", signature) is None:
            raise ValueError("a checkpoint's signature is 128 hexadecimal digits")
        return cls(
            int(count), seal_, signature, None if changes is None else int(changes), changes_seal
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "seal": self.seal,
            "changes": self.changes,
            "changes_seal": self.changes_seal,
            "signature": self.signature,
            "checkpoint": str(self),
        }


@frozen
class Break:
    """A place where the register is not what was sealed: a record (None: the register as a
    whole) and the kind of tampering: ``forged`` (put in outside letters), ``changed``,
    ``deleted`` (the record sealed before it is gone), ``reordered``, ``unsigned``,
    ``signature`` (one that does not verify), ``checkpoint`` (the register no longer holds it)."""

    record: int | None
    kind: str
    detail: str
    what: str = "record"  # or "remedy change": a row of the remedies' chain

    def __str__(self) -> str:
        where = f"{self.what} {self.record}" if self.record is not None else "the register"
        return f"{where}: {self.kind}: {self.detail}"

    def as_json(self) -> dict[str, Any]:
        return {"record": self.record, "kind": self.kind, "detail": self.detail, "what": self.what}


def check(
    records: Iterable[Mapping[str, Any]],
    *,
    checkpoint: Checkpoint | None = None,
    verifier: Verifier | None = None,
    chain: Chain = _LETTERS,
) -> list[Break]:
    """Every break in a chain of records (each a mapping with the ``SEALED`` columns and
    ``previous``, ``seal`` and ``signature``), given in id order: by record, then the
    register's. With a ``checkpoint``, whether the register still holds it; with a
    ``verifier``, whether every record is attested by a signature (its own, or a later
    record's, whose seal covers it). ``chain``: which chain the records are (the letters',
    by default, or ``EVENTS``)."""
    what = chain.what
    found: list[Break] = []
    seen: dict[str, tuple[int, int]] = {}  # seal: the record's id, its place (from 1)
    last = GENESIS
    unplaced: list[tuple[int, str]] = []  # records whose previous seal was not seen before them
    unattested: list[int] = []  # records no valid signature covers yet
    place = 0
    for record in records:
        place += 1
        identity, sealed, previous = record["id"], record.get("seal"), record.get("previous")
        if not sealed:
            found.append(
                Break(identity, "forged", "not sealed: put in the register outside letters", what)
            )
            continue
        if sealed in seen:
            found.append(
                Break(
                    identity,
                    "forged",
                    f"a copy of {what} {seen[sealed][0]}'s seal: put in the register outside letters",
                    what,
                )
            )
            continue
        if previous is None or _seal(previous, record, chain) != sealed:
            found.append(
                Break(
                    identity,
                    "changed",
                    "its content is not what was sealed (a field was changed after it was issued)",
                    what,
                )
            )
        elif previous != last:
            unplaced.append((identity, previous))
        seen[sealed] = (identity, place)
        last = sealed
        if verifier is not None:
            unattested.append(identity)
            signature = record.get("signature")
            if signature:
                if verifier.is_signed(chain.prefix + sealed.encode("ascii", "replace"), signature):
                    unattested = []
                else:
                    found.append(
                        Break(
                            identity,
                            "signature",
                            "its signature does not verify with the key",
                            what,
                        )
                    )
    for identity, previous in unplaced:
        if previous in seen:
            found.append(
                Break(
                    identity,
                    "reordered",
                    f"it was sealed after {what} {seen[previous][0]}, not after the {what} "
                    "now before it",
                    what,
                )
            )
        else:
            found.append(
                Break(
                    identity,
                    "deleted",
                    f"the {what} sealed before it (seal {previous[:16]}...) is not in the register",
                    what,
                )
            )
    found.extend(
        Break(identity, "unsigned", f"no signature attests it (nor a later {what}'s)", what)
        for identity in unattested
    )
    found.sort(key=lambda each: each.record or 0)
    if checkpoint is not None:
        found.extend(_checkpoint_breaks(checkpoint, seen, place, verifier, chain))
    return found


def _checkpoint_breaks(
    checkpoint: Checkpoint,
    seen: Mapping[str, tuple[int, int]],
    count: int,
    verifier: Verifier | None,
    chain: Chain,
) -> list[Break]:
    """Whether a chain still holds a checkpoint: its signature (which covers both chains) is
    checked with the records'; the remedies' changes are held to the checkpoint's part for
    them (``Checkpoint.of_changes``)."""
    what, whats = chain.what, f"{chain.what}s"
    if chain is _LETTERS:
        shown = f"checkpoint {checkpoint.count}:{checkpoint.seal[:16]}..."
    else:
        shown = f"checkpoint of the {whats} {checkpoint.count}:{checkpoint.seal[:16]}..."
    found = []
    if (
        chain is _LETTERS
        and verifier is not None
        and not verifier.is_signed(checkpoint.message, checkpoint.signature)
    ):
        found.append(Break(None, "checkpoint", f"{shown} is not signed by the key"))
    head = seen.get(checkpoint.seal)
    if checkpoint.count == 0:  # taken of an empty register: every record is later
        pass
    elif head is None:
        found.append(
            Break(
                None,
                "checkpoint",
                f"{shown}: no {what} has that seal now ({whats} were removed, or the register "
                "was sealed again)",
            )
        )
    elif head[1] != checkpoint.count:
        how = "put in" if head[1] > checkpoint.count else "removed"
        found.append(
            Break(
                None,
                "checkpoint",
                f"{shown}: its last {what}, {what} {head[0]}, now comes after {head[1] - 1} "
                f"{whats}, not {checkpoint.count - 1}: {whats} were {how} before it",
            )
        )
    if count < checkpoint.count:
        found.append(
            Break(
                None,
                "checkpoint",
                f"{shown}: the register holds {count} {what if count == 1 else whats}, fewer "
                "than the checkpoint's",
            )
        )
    return [evolve(each, what=what) for each in found]


__all__ = [
    "EVENTS",
    "EVENT_SEALED",
    "GENESIS",
    "SEALED",
    "Break",
    "Chain",
    "Checkpoint",
    "Signer",
    "Verifier",
    "canonical",
    "check",
    "checkpoint_message",
    "event_message",
    "evidence_text",
    "is_seal",
    "record_message",
    "seal",
    "seal_event",
]
