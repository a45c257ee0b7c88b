"""The code cache: what a command compiles from the library and a template, kept for the next.

Compiling clause wording, an outline's conditions and a template's parts to Python code, and
docxtpl's preprocessing of a template's parts, cost more than the rest of a short command. The
results are kept in a folder of this user's, ``$XDG_CACHE_HOME/letters/code`` (else
``~/.cache/letters/code``), and the next command reads them back.

As Jinja's bytecode cache is an object given to an ``Environment``, this cache is given to what
uses it: the wording sandbox takes it as its ``bytecode_cache`` (``Sandbox(bytecode_cache=
CODE_CACHE)``), and the Word template path keeps docxtpl's preprocessed parts with
``CODE_CACHE.kept_text``, and an outline's conditions are checked once (``checked``: the
sources a check passed are kept). Only this module reaches the file system for them.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
from jinja2.bccache import Bucket, BytecodeCache, FileSystemBytecodeCache


class CodeCache(BytecodeCache):
    """Jinja's bytecode cache in a folder found on first use, and text kept beside it.

    The folder is this user's alone: none is used (and nothing is kept) where there can be none
    (no home folder, or a folder another user could write to: code is never loaded from there)
    or with ``LETTERS_CODE_CACHE=off``. The environment is read when the folder is first needed,
    not when the cache is made.
    """

    def __init__(self, folder: Path | None = None) -> None:
        """``folder``: where to keep the code; by default this user's code folder."""
        self._given = folder
        self._found: list[Path | None] = []
        self._files: list[FileSystemBytecodeCache | None] = []
        self._passed: dict[str, set[str]] = {}

    @property
    def folder(self) -> Path | None:
        """The folder the code is kept in, or None where there is none."""
        if not self._found:
            self._found.append(self._given if self._given is not None else _user_folder())
        return self._found[0]

    def _bytecode_files(self) -> FileSystemBytecodeCache | None:
        if not self._files:
            folder = self.folder
            self._files.append(
                FileSystemBytecodeCache(str(folder), "%s.code") if folder is not None else None
            )
        return self._files[0]

    def load_bytecode(self, bucket: Bucket) -> None:
        files = self._bytecode_files()
        if files is not None:
            files.load_bytecode(bucket)

    def dump_bytecode(self, bucket: Bucket) -> None:
        files = self._bytecode_files()
        if files is not None:
            files.dump_bytecode(bucket)

    def compiled(
        self,
        environment: jinja2.Environment,
        key: str,
        source: str,
        compile_source: Callable[[], Any],
    ) -> Any:
        """The code of a source: from the cache if it holds it (for this source, this
        environment's settings and this Jinja and Python), else compiled and kept there."""
        if self.folder is None:
            return compile_source()
        name = f"{key}:{hashlib.sha256(source.encode('utf-8', 'surrogatepass')).hexdigest()}"
        bucket = self.get_bucket(environment, name, None, source)
        if bucket.code is None:
            bucket.code = compile_source()
            with contextlib.suppress(OSError):
                self.set_bucket(bucket)
        return bucket.code

    def kept_text(self, name: str, make: Callable[[], str]) -> str:
        """The text kept under ``name`` (a file name that says what made it and from what), else
        made and kept: written whole or not at all, so that another command never reads half."""
        folder = self.folder
        if folder is None:
            return make()
        path = folder / name
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            pass
        made = make()
        with contextlib.suppress(OSError):
            temporary = path.with_name(f"{path.name}.{os.getpid()}.part")
            temporary.write_text(made, encoding="utf-8")
            temporary.replace(path)
        return made

    def checked(self, name: str, source: str, check: Callable[[str], str | None]) -> str | None:
        """``check(source)``: what is wrong with a source, or None; skipped for a source this
        check has passed before. ``name`` names the check and all it depends on (the Jinja
        version, its rules); the passes are kept in the file of that name, one SHA-256 a line.
        Only passes are kept: a problem is found again, and said, every time."""
        folder = self.folder
        if folder is None:
            return check(source)
        passed = self._passed.get(name)
        if passed is None:
            try:
                passed = set((folder / name).read_text(encoding="ascii").split())
            except (OSError, UnicodeDecodeError):
                passed = set()
            self._passed[name] = passed
        key = hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()
        if key in passed:
            return None
        problem = check(source)
        if problem is None:
            passed.add(key)
            with contextlib.suppress(OSError):  # one short line, appended whole (O_APPEND)
                descriptor = os.open(folder / name, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    os.write(descriptor, f"{key}\n".encode("ascii"))
                finally:
                    os.close(descriptor)
        return problem


def _user_folder() -> Path | None:
    """This user's code folder, made if need be; None where there can be none."""
    if os.environ.get("LETTERS_CODE_CACHE", "").lower() in ("off", "0", "no"):
        return None
    try:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        folder = base / "letters" / "code"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        found = folder.lstat()
    except (OSError, RuntimeError):
        return None
    mine = found.st_uid == os.getuid() and stat.S_ISDIR(found.st_mode)
    if not mine or found.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return None
    return folder


CODE_CACHE = CodeCache()
"""This user's code cache, which the engine's sandboxes and the Word template path are given."""
