"""The version of a clause library: the hash of its files, and its git commit where it has one.

A library's hash is the SHA-256 of the list of its files (path and SHA-256 of each, in path
order), so two copies of the same files have the same hash wherever they are. Hidden files and
folders (``.git``) are not part of it. When the library is in a git repository, the commit it
was at, its folder inside the repository and whether its files differ from the commit's are
kept too: ``reproduce`` reads the library at that commit with git when it can.
"""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
import tarfile
from collections.abc import Mapping
from pathlib import Path

from attrs import frozen

from letters.problems import ClauseError, Location

_COMMIT = re.compile(r"[0-9a-f]{40}")


def sha256(data: bytes) -> str:
    """The SHA-256 of some bytes, as 64 hexadecimal digits."""
    return hashlib.sha256(data).hexdigest()


@frozen
class LibraryVersion:
    """A clause library's files as they were read, and where git says they came from."""

    hash: str
    files: Mapping[str, bytes]  # by path relative to the library's folder (posix)
    git_commit: str | None = None
    git_path: str | None = None
    is_dirty: bool = False

    @property
    def file_hashes(self) -> dict[str, str]:
        return {path: sha256(content) for path, content in self.files.items()}


def library_files(root: str | Path) -> dict[str, bytes]:
    """Every file of a library folder by its relative path, hidden ones left out."""
    folder = Path(root)
    found: dict[str, bytes] = {}
    try:
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if any(part.startswith(".") for part in relative.parts) or not path.is_file():
                continue
            found[relative.as_posix()] = path.read_bytes()
    except OSError as error:
        raise ClauseError(
            f"cannot read the library's files ({error.strerror})", Location(file=str(root))
        ) from None
    return found


def files_hash(files: Mapping[str, bytes]) -> str:
    """The hash of a set of files: of each path and the SHA-256 of its content, in order."""
    listing = "".join(f"{path}\0{sha256(files[path])}\n" for path in sorted(files))
    return sha256(listing.encode("utf-8"))


def library_version(root: str | Path) -> LibraryVersion:
    """The version of the library in a folder, read now."""
    files = library_files(root)
    commit, inside, dirty = _git_state(Path(root))
    return LibraryVersion(files_hash(files), files, commit, inside, dirty)


def _git_state(folder: Path) -> tuple[str | None, str | None, bool]:
    try:
        top = Path(_git(folder, "rev-parse", "--show-toplevel").decode().strip())
        commit = _git(folder, "rev-parse", "HEAD").decode().strip()
        changes = _git(folder, "status", "--porcelain", "--untracked-files=all", "--", ".")
    except (OSError, subprocess.CalledProcessError):
        return None, None, False
    inside = folder.resolve().relative_to(top.resolve()).as_posix()
    return commit, inside, bool(changes.strip())


def is_commit(text: str) -> bool:
    """Whether a text is a git commit's name as recorded: 40 lower-case hexadecimal digits."""
    return _COMMIT.fullmatch(text) is not None


def files_at_commit(repository: Path, commit: str, inside: str) -> dict[str, bytes] | None:
    """The library's files at a commit (``git archive``), by relative path; None when the
    repository does not have that commit. The commit and the folder come from a record, so
    git takes them as names only (after ``--end-of-options``): a commit that is not 40
    hexadecimal digits is a ValueError."""
    if not is_commit(commit):
        raise ValueError(f"not a git commit (40 hexadecimal digits): {commit[:80]!r}")
    try:
        top = Path(_git(repository, "rev-parse", "--show-toplevel").decode().strip())
        archive = _git(top, "archive", "--format=tar", "--end-of-options", commit, inside or ".")
    except (OSError, subprocess.CalledProcessError):
        return None
    prefix = "" if inside in ("", ".") else inside.rstrip("/") + "/"
    files: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for member in tar.getmembers():
            if not member.isfile() or not member.name.startswith(prefix):
                continue
            relative = member.name[len(prefix) :]
            if any(part.startswith(".") for part in relative.split("/")):
                continue
            extracted = tar.extractfile(member)
            if extracted is not None:
                files[relative] = extracted.read()
    return files


def _git(folder: Path, *arguments: str) -> bytes:
    done = subprocess.run(
        ["git", "-C", str(folder), *arguments], capture_output=True, check=True, timeout=60
    )
    return done.stdout
