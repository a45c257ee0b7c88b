"""A hostile register: records planted with SQL whose paths, hashes and commits would make
verify, reproduce or impact --issued write outside their own temporary folder; each gives a
clear error naming the record, and nothing is written anywhere else."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from letters.cli import cli
from letters.register import Register, tables
from letters.register.reproducing import Reproducer
from letters.register.versions import files_at_commit, files_hash
from tests.register.registers import write_case


def run(*arguments: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(arguments))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary folder letters makes its own in, deep inside the test's folder."""
    folder = tmp_path / "tmp" / "deeper"
    folder.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def issue_one(register_at: str, clauses: Path, tmp_path: Path) -> None:
    case = write_case(tmp_path / "cases", 1)
    with Register(register_at) as register:
        [outcome] = register.issue([case], by="Ann", clauses=clauses, out_dir=tmp_path / "out")
    assert outcome.is_ok


def plant(
    register_at: str,
    extra: dict[str, bytes],
    *,
    commit: str | None = None,
    template: str | None = None,
) -> int:
    """A record planted with SQL: record 1's, with a library of its files and ``extra`` (its
    hash computed, as anyone can), at ``commit``, and its template's hash ``template``."""
    with Register(register_at) as register, register.engine.begin() as connection:
        row = dict(
            connection.execute(sa.select(tables.letters).where(tables.letters.c.id == 1))
            .one()
            ._mapping
        )
        files = register.library_files(row["library_hash"])
        files.update(extra)
        digest = files_hash(files)
        known = set(connection.execute(sa.select(tables.blobs.c.sha256)).scalars())
        blobs = _blobs(files)
        if template is not None:
            blobs[template] = register.blob(row["template_sha256"])
            row["template_sha256"] = template
        new = [{"sha256": k, "content": v} for k, v in blobs.items() if k not in known]
        if new:
            connection.execute(sa.insert(tables.blobs), new)
        if digest not in set(connection.execute(sa.select(tables.libraries.c.hash)).scalars()):
            connection.execute(
                sa.insert(tables.libraries),
                {
                    "hash": digest,
                    "git_commit": commit,
                    "git_path": "clauses",
                    "is_dirty": False,
                    "first_seen": row["issued_at"],
                },
            )
            connection.execute(
                sa.insert(tables.library_files),
                [
                    {"library_hash": digest, "path": path, "sha256": _sha(content)}
                    for path, content in files.items()
                ],
            )
        del row["id"]
        row["library_hash"] = digest
        return int(
            connection.execute(
                sa.insert(tables.letters).returning(tables.letters.c.id), row
            ).scalar_one()
        )


def _sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _blobs(files: dict[str, bytes]) -> dict[str, bytes]:
    return {_sha(content): content for content in files.values()}


def nothing_written_outside(tmp_path: Path, temporary: Path, *names: str) -> None:
    for name in names:
        assert not list(tmp_path.rglob(name)), f"{name} was written"
        assert not (Path("/") / name).exists()
    assert list(temporary.iterdir()) == []  # the temporary folder was removed


@pytest.mark.parametrize(
    "planted", ["../../../escape.txt", "a/../../../../escape.txt", "/tmp/letters-escape.txt"]
)
def test_a_planted_library_path_outside_the_library_is_refused_by_verify_reproduce_and_impact(
    register_at: str, register_clauses: Path, tmp_path: Path, temporary: Path, planted: str
) -> None:
    issue_one(register_at, register_clauses, tmp_path)
    record = plant(register_at, {planted: b"written by a planted record\n"})
    refused = f"record {record}: its library holds a file outside the library's folder"

    code, _, err = run("register", "verify", "--register", register_at)
    assert code == 1 and refused in err and "Traceback" not in err
    code, _, err = run(
        "register", "reproduce", str(record), "-o", str(tmp_path / "again.docx"),
        "--register", register_at,
    )  # fmt: skip
    assert code == 1 and err.strip() == f"{refused}: {planted!r}"
    code, stdout, _ = run(
        "impact", "--issued", "2000-01-01", "--clauses", str(register_clauses),
        "--register", register_at,
    )  # fmt: skip
    assert refused in stdout
    nothing_written_outside(tmp_path, temporary, "escape.txt", "letters-escape.txt")
    assert not (tmp_path / "again.docx").exists()


def test_a_planted_commit_that_is_an_option_never_reaches_git(
    register_at: str, register_clauses: Path, tmp_path: Path, temporary: Path
) -> None:
    issue_one(register_at, register_clauses, tmp_path)
    victim = register_clauses.parent / "victim"  # git runs in the repository's folder
    victim.write_text("precious\n", encoding="utf-8")
    record = plant(register_at, {"extra.txt": b"x\n"}, commit="--output=victim")
    code, _, err = run(
        "register", "verify", "--repository", str(register_clauses.parent),
        "--register", register_at,
    )  # fmt: skip
    assert code == 1
    assert (
        f"record {record}: not the same letter: record {record}: its library's git commit " in err
    )
    assert "is not a commit (40 hexadecimal digits): '--output=" in err
    assert victim.read_text(encoding="utf-8") == "precious\n"
    nothing_written_outside(tmp_path, temporary)


def test_files_at_commit_takes_only_a_commit() -> None:
    with pytest.raises(ValueError, match="not a git commit"):
        files_at_commit(Path(), "--output=/tmp/x", "clauses")


def test_a_planted_template_hash_that_is_a_path_is_refused(
    register_at: str, register_clauses: Path, tmp_path: Path, temporary: Path
) -> None:
    issue_one(register_at, register_clauses, tmp_path)
    record = plant(register_at, {}, template="../../../escape")
    code, _, err = run("register", "verify", "--register", register_at)
    assert code == 1
    assert f"record {record}: its template's SHA-256 is not a SHA-256" in err
    nothing_written_outside(tmp_path, temporary, "escape.docx")


def test_reproducing_removes_its_temporary_folder(
    register_at: str, register_clauses: Path, tmp_path: Path, temporary: Path
) -> None:
    issue_one(register_at, register_clauses, tmp_path)
    with Register(register_at) as register:
        assert register.reproduce(1).matches
        assert list(temporary.iterdir()) == []
        assert [made.matches for made in register.verify()] == [True]
        assert list(temporary.iterdir()) == []
        with Reproducer(register) as reproducer:
            folder = reproducer.folder
            reproducer.reproduce(register.record(1))
            assert folder.is_dir() and folder.parent == temporary.resolve()
        assert not folder.exists()
