"""The register's chain of seals: each kind of tampering found by record (a forged record, a
changed one, a deleted one, one moved), issued files changed or removed on disk, checkpoints,
signatures, and two processes sealing into one register at once; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from letters.cli import cli
from letters.register import Checkpoint, Register, tables
from letters.register.sealing import GENESIS, SEALED, canonical, check, seal
from tests.conftest import ROOT
from tests.register.registers import write_case


def run(*arguments: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(arguments))
    return result.exit_code, result.stdout, result.stderr


def issued(register_at: str, clauses: Path, tmp_path: Path, count: int = 3) -> list[Path]:
    """``count`` letters issued into the register; their files."""
    cases = [write_case(tmp_path / "cases", n) for n in range(1, count + 1)]
    with Register(register_at) as register:
        outcomes = list(
            register.issue(cases, by="A. Caseworker", clauses=clauses, out_dir=tmp_path / "out")
        )
    assert all(outcome.is_ok for outcome in outcomes), outcomes
    return [Path(str(outcome.output)) for outcome in outcomes]


def without_triggers(register: Register) -> sa.Connection:
    """A transaction in which the append-only triggers no longer stop anything, as an
    administrator of the database could have."""
    connection = register.engine.connect()
    connection.begin()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("DROP TRIGGER letters_no_update")
        connection.exec_driver_sql("DROP TRIGGER letters_no_delete")
    else:
        connection.exec_driver_sql("ALTER TABLE letters DISABLE TRIGGER letters_append_only")
    return connection


def row_of(connection: sa.Connection, identity: int) -> dict[str, Any]:
    found = connection.execute(sa.select(tables.letters).where(tables.letters.c.id == identity))
    return dict(found.one()._mapping)


# -- the seal itself -----------------------------------------------------------------------------


def a_record(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = dict.fromkeys(SEALED, "x")
    record.update(
        id=1,
        issued_at=datetime.datetime(2026, 3, 1, 9, 30),
        replaces=None,
        output_size=1000,
        case_data=b"{}",
        provenance=b"\x78\x9c",
    )
    record.update(changes)
    return record


@pytest.mark.parametrize("column", SEALED)
def test_a_seal_covers_every_column_that_says_what_was_issued(column: str) -> None:
    before = a_record()
    changed = {
        datetime.datetime: datetime.datetime(2020, 1, 1),
        int: 2,
        bytes: b"[]",
        str: "y",
        type(None): 7,
    }[type(before[column])]
    assert seal(GENESIS, a_record(**{column: changed})) != seal(GENESIS, before)


def test_a_seal_covers_the_record_before_it() -> None:
    assert seal(GENESIS, a_record()) != seal("1" * 64, a_record())


def test_canonical_bytes_tell_none_from_an_empty_text_and_a_number_from_its_text() -> None:
    assert canonical(a_record(note=None)) != canonical(a_record(note=""))
    assert canonical(a_record(replaces=3)) != canonical(a_record(replaces="3"))


# -- tampering, found by record ----------------------------------------------------------------


def forge_a_copy(register: Register) -> int:
    """Record 2 copied with SQL, as issued by mallory in 2020, seals and all."""
    with register.engine.begin() as connection:
        row = row_of(connection, 2)
        del row["id"]
        row.update(issued_by="mallory", issued_at=datetime.datetime(2020, 1, 1))
        return int(
            connection.execute(
                sa.insert(tables.letters).returning(tables.letters.c.id), row
            ).scalar_one()
        )


def forge_unsealed(register: Register) -> int:
    with register.engine.begin() as connection:
        row = row_of(connection, 2)
        for name in ("id", "previous", "seal", "signature"):
            del row[name]
        row.update(issued_by="mallory")
        return int(
            connection.execute(
                sa.insert(tables.letters).returning(tables.letters.c.id), row
            ).scalar_one()
        )


def change(**values: Any) -> Callable[[Register], int]:
    def changed(register: Register) -> int:
        with without_triggers(register) as connection:
            connection.execute(
                sa.update(tables.letters).where(tables.letters.c.id == 2).values(**values)
            )
            connection.commit()
        return 2

    return changed


def delete_the_second(register: Register) -> int:
    with without_triggers(register) as connection:
        connection.execute(sa.delete(tables.letters).where(tables.letters.c.id == 2))
        connection.commit()
    return 3  # the record sealed after it finds its predecessor gone


@pytest.mark.parametrize(
    ("tamper", "kind"),
    [
        (forge_a_copy, "forged"),
        (forge_unsealed, "forged"),
        (change(complainant="Someone else"), "changed"),
        (change(issued_at=datetime.datetime(2020, 1, 1)), "changed"),
        (change(issued_by="mallory"), "changed"),
        (change(output_sha256="0" * 64), "changed"),
        (change(case_data=b'{"complainant": "forged"}'), "changed"),
        (delete_the_second, "deleted"),
    ],
    ids=[
        "forged-copy",
        "forged-unsealed",
        "complainant",
        "issued-at",
        "issued-by",
        "output-hash",
        "case",
        "deleted",
    ],
)
def test_each_kind_of_tampering_is_found_by_record(
    register_at: str,
    register_clauses: Path,
    tmp_path: Path,
    tamper: Callable[[Register], int],
    kind: str,
) -> None:
    issued(register_at, register_clauses, tmp_path)
    with Register(register_at) as register:
        assert register.audit() == []
        tampered = tamper(register)
        assert [(found.record, found.kind) for found in register.audit()] == [(tampered, kind)]
    code, _, err = run("register", "verify", "--register", register_at)
    assert code == 1
    assert f"record {tampered}: {kind}: " in err
    assert "1 signs of tampering" in err


def test_a_record_moved_in_the_chain_is_found(
    register_at: str, register_clauses: Path, tmp_path: Path
) -> None:
    issued(register_at, register_clauses, tmp_path)
    with Register(register_at) as register:
        with without_triggers(register) as connection:
            connection.execute(
                sa.update(tables.letters).where(tables.letters.c.id == 1).values(id=100)
            )
            connection.commit()
        found = {(each.record, each.kind) for each in register.audit()}
    assert found == {(2, "reordered"), (100, "changed")}


def test_a_register_sealed_again_after_a_change_no_longer_holds_its_checkpoint(
    register_at: str, register_clauses: Path, tmp_path: Path
) -> None:
    issued(register_at, register_clauses, tmp_path)
    with Register(register_at) as register:
        kept = register.checkpoint()
        with without_triggers(register) as connection:  # one who knows how seals are made
            previous = GENESIS
            for identity in (1, 2, 3):
                row = row_of(connection, identity)
                if identity == 2:
                    row["complainant"] = "Someone else"
                made = seal(previous, row)
                connection.execute(
                    sa.update(tables.letters)
                    .where(tables.letters.c.id == identity)
                    .values(complainant=row["complainant"], previous=previous, seal=made)
                )
                previous = made
            connection.commit()
        assert register.audit() == []  # a chain made again holds by itself ...
        [found] = register.audit(kept)  # ... but not the checkpoint kept elsewhere
    assert found.kind == "checkpoint" and "no record has that seal now" in found.detail


# -- checkpoints ----------------------------------------------------------------------------------


def test_a_checkpoint_printed_is_held_later_and_records_removed_at_the_end_are_found(
    register_at: str, register_clauses: Path, tmp_path: Path
) -> None:
    issued(register_at, register_clauses, tmp_path)
    code, stdout, _ = run("register", "checkpoint", "--register", register_at)
    assert code == 0
    kept = stdout.strip()
    records, changes = kept.split("/")
    count, head = records.split(":")
    assert count == "3" and len(head) == 64 and changes == f"0:{GENESIS}"

    code, stdout, _ = run("register", "checkpoint", "--register", register_at, "--json")
    assert code == 0 and Checkpoint.parse(kept).as_json()["checkpoint"] in stdout

    more = write_case(tmp_path / "cases", 4)
    code, _, err = run(
        "issue", more, "--clauses", str(register_clauses), "--out-dir", str(tmp_path / "out"),
        "--by", "Ann", "--register", register_at,
    )  # fmt: skip
    assert code == 0, err
    code, _, err = run("register", "verify", "--checkpoint", kept, "--register", register_at)
    assert code == 0, err
    assert "4 of 4 letters the same" in err and "the chain of seals holds and the checkpoint" in err

    with Register(register_at) as register, without_triggers(register) as connection:
        connection.execute(sa.delete(tables.letters).where(tables.letters.c.id >= 3))
        connection.commit()
    code, _, err = run("register", "verify", "--checkpoint", kept, "--register", register_at)
    assert code == 1
    assert (
        f"the register: checkpoint: checkpoint {count}:{head[:16]}...: no record has that seal"
        in err
    )
    assert "the register holds 2 records, fewer than the checkpoint's" in err


def test_a_checkpoint_is_read_as_printed_and_one_of_the_records_alone_still_is() -> None:
    seal_, other = "ab" * 32, "cd" * 32
    signature = "ef" * 64
    for text in (f"3:{seal_}/2:{other}", f"3:{seal_}/2:{other}:{signature}"):
        assert str(Checkpoint.parse(text)) == text
    taken = Checkpoint.parse(f"3:{seal_}/2:{other}:{signature}")
    assert (taken.count, taken.seal, taken.changes, taken.changes_seal) == (3, seal_, 2, other)
    assert taken.of_changes == Checkpoint(2, other)
    assert taken.message == f"letters checkpoint 3:{seal_}/2:{other}".encode()
    older = Checkpoint.parse(f"3:{seal_}:{signature}")  # taken before remedies' changes
    assert (older.changes, older.of_changes, older.signature) == (None, None, signature)
    assert older.message == f"letters checkpoint 3:{seal_}".encode()


@pytest.mark.parametrize(
    "given",
    [
        "3",
        "3:abc",
        "x:" + "0" * 64,
        "3:" + "0" * 64 + ":zz",
        "3:" + "0" * 64 + "/2",
        "3:" + "0" * 64 + "/2:abc",
        "3:" + "0" * 64 + "/x:" + "0" * 64,
        "3:" + "0" * 64 + ":" + "e" * 128 + "/2:" + "0" * 64,
    ],
)
def test_a_checkpoint_not_in_its_form_is_refused(given: str, tmp_path: Path) -> None:
    code, _, err = run(
        "register", "verify", "--checkpoint", given, "--register", str(tmp_path / "r.sqlite")
    )
    assert code == 2 and "--checkpoint" in err and "Traceback" not in err


# -- the issued files --------------------------------------------------------------------------


def test_an_issued_letter_changed_or_removed_on_disk_is_found(
    register_at: str, register_clauses: Path, tmp_path: Path
) -> None:
    files = issued(register_at, register_clauses, tmp_path)
    files[0].write_bytes(files[0].read_bytes() + b"\0")
    files[2].unlink()
    code, _, err = run("register", "verify", "--register", register_at)
    assert code == 1
    assert f"record 1: changed on disk: the issued file is not the letter issued: {files[0]}" in err
    assert f"record 3: missing: the issued file is not there: {files[2]}" in err
    assert "3 of 3 letters the same, 0 different; 2 issued files not the letter issued" in err
    with Register(register_at) as register:
        states = [(made.record, made.on_disk, made.is_sound) for made in register.verify()]
    assert states == [(1, "changed", False), (2, "the same", True), (3, "missing", False)]


def test_an_issued_file_that_is_a_device_is_not_read(
    register_at: str, register_clauses: Path, tmp_path: Path
) -> None:
    issued(register_at, register_clauses, tmp_path, count=1)
    with Register(register_at) as register:
        with register.engine.begin() as connection:  # a forged record naming /dev/zero
            row = row_of(connection, 1)
            del row["id"]
            row["output_path"] = "/dev/zero"
            connection.execute(sa.insert(tables.letters), row)
        states = [(made.record, made.on_disk) for made in register.verify()]
    assert states == [(1, "the same"), (2, "not a file")]


# -- signing ------------------------------------------------------------------------------------


def write_key(path: Path) -> Path:
    key = Ed25519PrivateKey.generate()
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.with_suffix(".pub").write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return path


def test_with_a_signing_key_records_and_checkpoints_are_signed_and_checked(
    register_at: str, register_clauses: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = write_key(tmp_path / "register.pem")
    other = write_key(tmp_path / "other.pem")
    monkeypatch.setenv("LETTERS_SIGNING_KEY", str(key))
    issued(register_at, register_clauses, tmp_path)
    code, stdout, _ = run("register", "checkpoint", "--register", register_at)
    kept = stdout.strip()
    assert code == 0 and Checkpoint.parse(kept).signature is not None
    monkeypatch.delenv("LETTERS_SIGNING_KEY")  # the records manager has the public key only
    public = str(key.with_suffix(".pub"))
    verify = ("register", "verify", "--register", register_at, "--public-key")
    code, _, err = run(*verify, public, "--checkpoint", kept)
    assert code == 0, err

    # the signature covers the remedies' changes too: a count of them changed is not signed
    records, changes = kept.split("/")
    altered = f"{records}/9:{changes.split(':', 1)[1]}"
    code, _, err = run(*verify, public, "--checkpoint", altered)
    assert code == 1 and "is not signed by the key" in err

    code, _, err = run(*verify, str(other.with_suffix(".pub")), "--checkpoint", kept)
    assert code == 1
    assert "record 1: signature: its signature does not verify with the key" in err
    assert "is not signed by the key" in err

    with Register(register_at) as register, register.engine.begin() as connection:
        # a record appended by one who knows how seals are made, but has not the key
        row = row_of(connection, 3)
        row.update(id=4, issued_by="mallory", previous=row["seal"], signature=None)
        row["seal"] = seal(row["previous"], row)
        connection.execute(sa.insert(tables.letters), row)
    code, _, err = run(*verify, public)
    assert code == 1 and "record 4: unsigned: no signature attests it" in err
    code, _, err = run("register", "verify", "--register", register_at)
    assert code == 0, err  # without a key, a well-made seal is all that can be checked


def test_a_signing_key_that_is_not_one_is_a_clear_error(
    register_at: str, register_clauses: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "key.pem"
    bad.write_text("not a key\n", encoding="utf-8")
    monkeypatch.setenv("LETTERS_SIGNING_KEY", str(bad))
    case = write_case(tmp_path / "cases", 1)
    code, _, err = run(
        "issue", case, "--clauses", str(register_clauses), "--out-dir", str(tmp_path),
        "--by", "Ann", "--register", register_at,
    )  # fmt: skip
    assert code == 2
    assert err.startswith(f"{bad}: ") and "is not an unencrypted PEM private key" in err
    assert "Traceback" not in err


# -- two processes at once -----------------------------------------------------------------------

_ISSUER = """
import sys, time
from pathlib import Path
from letters.register import Register, issuing
issuing.CHUNK = 1  # a transaction a letter: the two processes' transactions interleave
register, clauses, out, go, *cases = sys.argv[1:]
print("ready", flush=True)
while not Path(go).exists():
    time.sleep(0.01)
with Register(register) as opened:
    for outcome in opened.issue(cases, by="P", clauses=clauses, out_dir=out):
        assert outcome.is_ok, outcome
"""


def test_two_processes_issuing_at_once_do_not_fork_the_chain(
    register_at: str, register_clauses: Path, tmp_path: Path
) -> None:
    with Register(register_at):
        pass  # made before either process starts
    go = tmp_path / "go"
    processes = []
    for which in (0, 1):
        cases = [write_case(tmp_path / f"cases{which}", n) for n in range(1, 16)]
        out = tmp_path / f"out{which}"
        out.mkdir()
        arguments = [register_at, str(register_clauses), str(out), str(go), *cases]
        process = subprocess.Popen(
            [sys.executable, "-c", _ISSUER, *arguments],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert process.stdout is not None and process.stdout.readline() == "ready\n"
        processes.append(process)
    go.touch()
    for process in processes:
        assert process.wait(timeout=300) == 0
    with Register(register_at) as register:
        chain = list(register.chain())
        assert len(chain) == 30
        assert register.audit() == []
    assert check(chain) == []
    assert [row["previous"] for row in chain[1:]] == [row["seal"] for row in chain[:-1]]


# -- the migration ------------------------------------------------------------------------------


def test_upgrading_a_register_seals_the_records_already_there_in_id_order(
    register_at: str, register_clauses: Path, tmp_path: Path
) -> None:
    from alembic import command
    from alembic.config import Config

    from letters.register import connect, prepare
    from letters.register.database import MIGRATIONS

    source = str(tmp_path / "sealed.sqlite")
    issued(source, register_clauses, tmp_path)
    old = connect(register_at)  # a register of revision 0002 holding the same records
    try:
        with old.begin() as connection:
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = connection
            command.upgrade(config, "0002")
        with Register(source) as sealed, sealed.engine.connect() as reading, old.begin() as writing:
            for table in (
                tables.blobs,
                tables.libraries,
                tables.library_files,
                tables.clause_sets,
                tables.clause_set_members,
                tables.letters,
            ):
                later = ("previous", "seal", "signature", "reference_key", "stage")  # 0003, 0004
                columns = [c for c in table.c if c.name not in later]
                rows = [dict(row._mapping) for row in reading.execute(sa.select(*columns))]
                writing.execute(sa.insert(table), rows)
            expected = [row["seal"] for row in sealed.chain()]
        assert prepare(old, upgrade=True) == tables.HEAD
    finally:
        old.dispose()
    with Register(register_at) as register:
        assert [row["seal"] for row in register.chain()] == expected
        assert register.audit() == []


def test_the_signing_key_comes_from_letters_toml_beside_it_or_the_environment(
    tmp_path: Path,
) -> None:
    from letters.configuration import settings

    (tmp_path / "letters.toml").write_text('signing_key = "keys/register.pem"\n')
    assert settings(environ={}, start=tmp_path)["signing_key"].value == (
        tmp_path / "keys" / "register.pem"
    )
    given = settings(environ={"LETTERS_SIGNING_KEY": "/k.pem"}, start=tmp_path)["signing_key"]
    assert given.value == Path("/k.pem") and given.source == "environment LETTERS_SIGNING_KEY"
    assert settings(environ={}, start=tmp_path / "..")["signing_key"].value is None
