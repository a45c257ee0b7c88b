"""Where the clause library, the templates and the limits come from: one place decides.

Each setting is taken from, in this order (the first that gives it wins):

1. a command-line flag (``--clauses``, ``--template``, ``--time-limit``);
2. an environment variable (``LETTERS_CLAUSES``, ``LETTERS_TEMPLATES``, ``LETTERS_TEMPLATE``,
   ``LETTERS_REGISTER``, ``LETTERS_REGISTER_TIMEOUT``, ``LETTERS_SIGNING_KEY``,
   ``LETTERS_ALLOWED_HOSTS``,
   ``LETTERS_TIME_LIMIT``, ``LETTERS_LETTER_SIZE_LIMIT``, ``LETTERS_FILE_SIZE_LIMIT``);
3. ``letters.toml``, the first found in the current folder or its parents (paths in it are
   relative to the file)::

       clauses = "clauses"
       templates = "templates"
       template = "decision"
       register = "register.sqlite"   # or "postgresql://user@host/dbname"
       signing_key = "keys/register.pem"   # Ed25519: every record issued is signed with it
       register_timeout = 10          # seconds to wait for another process's hold on it
       allowed_hosts = ["letters.example.org"]   # Host names serve and preview answer to

       [limits]
       time = 10              # seconds per letter
       letter_size = 5000000  # characters per letter
       file_size = 20000000   # bytes per case file, clause file or template part

4. the defaults: the clause library and templates that come with letters; the register
   ``register.sqlite`` beside ``letters.toml`` (or in the current folder when there is none).

``letters config`` prints each effective value and where it came from.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from attrs import frozen

from letters.problems import Location, UsageError

FILE_NAME = "letters.toml"
PACKAGE = Path(__file__).resolve().parent

PATHS = {"clauses": "LETTERS_CLAUSES", "templates": "LETTERS_TEMPLATES"}
NAMES = {"template": "LETTERS_TEMPLATE"}
REGISTER = {"register": "LETTERS_REGISTER"}  # a path (SQLite) or a URL (postgresql://...)
KEYS = {"signing_key": "LETTERS_SIGNING_KEY"}  # a PEM file: an Ed25519 private key
WAITS = {"register_timeout": "LETTERS_REGISTER_TIMEOUT"}  # seconds
HOSTS = {"allowed_hosts": "LETTERS_ALLOWED_HOSTS"}  # names apart by spaces in the environment
LIMITS = {
    "time": "LETTERS_TIME_LIMIT",
    "letter_size": "LETTERS_LETTER_SIZE_LIMIT",
    "file_size": "LETTERS_FILE_SIZE_LIMIT",
}


def bundled(name: str) -> Path:
    """A folder that comes with letters: the repository's own when letters runs from its
    clone (so that edits to it take effect), else the copy inside the installed package."""
    repository = PACKAGE.parent / name
    if repository.is_dir() and (PACKAGE.parent / "pyproject.toml").is_file():
        return repository
    return PACKAGE / "data" / name


@frozen
class Setting:
    """One effective setting: its value, and where it came from."""

    name: str
    value: Any
    source: str  # "default", "environment LETTERS_X", "/path/letters.toml", "flag --x"


def find_file(start: Path | None = None) -> Path | None:
    """The ``letters.toml`` of the current folder or the nearest parent that has one."""
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        path = candidate / FILE_NAME
        if path.is_file():
            return path
    return None


def _read_file(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"not valid TOML: {error}", Location(file=str(path))) from None
    except (RecursionError, MemoryError):  # tomllib reads nested arrays and tables by recursion
        raise UsageError(
            "the TOML is nested too deeply to be a configuration (its settings are text, "
            "numbers and the [limits] table)",
            Location(file=str(path)),
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(
            f"cannot read the configuration ({error})", Location(file=str(path))
        ) from None
    known = {*PATHS, *NAMES, *REGISTER, *KEYS, *WAITS, *HOSTS, "limits"}
    for key in data:
        if key not in known:
            raise UsageError(
                f"unknown setting {key!r} (settings: {', '.join(sorted(known))})",
                Location(file=str(path)),
            )
    limits = data.get("limits", {})
    if not isinstance(limits, dict) or any(key not in LIMITS for key in limits):
        raise UsageError(f"[limits] takes {', '.join(LIMITS)}", Location(file=str(path)))
    return data


def settings(
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    start: Path | None = None,
) -> dict[str, Setting]:
    """Every setting with its effective value and source, by name."""
    flags = {name: value for name, value in (flags or {}).items() if value is not None}
    environ = os.environ if environ is None else environ
    path = find_file(start)
    data = _read_file(path) if path is not None else {}
    defaults: dict[str, Any] = {
        "clauses": bundled("clauses"),
        "templates": bundled("templates"),
        "template": "decision",
        "register": (path.parent if path is not None else Path.cwd()) / "register.sqlite",
        "signing_key": None,  # records are sealed, not signed
        "register_timeout": 10.0,
        "allowed_hosts": (),
        "time": 10.0,
        "letter_size": 5_000_000,
        "file_size": 20_000_000,
    }
    found: dict[str, Setting] = {}
    for name, default in defaults.items():
        variable = {**PATHS, **NAMES, **REGISTER, **KEYS, **WAITS, **HOSTS, **LIMITS}[name]
        in_file = data.get("limits", {}) if name in LIMITS else data
        if name in flags:
            found[name] = Setting(name, flags[name], f"flag --{name.replace('_', '-')}")
        elif environ.get(variable, "").strip():
            found[name] = Setting(
                name, _typed(name, environ[variable], variable), f"environment {variable}"
            )
        elif path is not None and name in in_file:
            value = in_file[name]
            if name in PATHS or name in KEYS or (name in REGISTER and "://" not in str(value)):
                value = (path.parent / str(value)).resolve()
            found[name] = Setting(name, _typed(name, value, str(path)), str(path))
        else:
            found[name] = Setting(name, default, "default")
    return found


def _typed(name: str, value: Any, source: str) -> Any:
    if name in PATHS or name in KEYS:
        return Path(value)
    if name in REGISTER:
        return str(value) if "://" in str(value) else Path(value)
    if name in NAMES:
        return str(value)
    if name in HOSTS:
        names = value.split() if isinstance(value, str) else value
        if not isinstance(names, list | tuple) or not all(isinstance(n, str) for n in names):
            raise UsageError(f"{source}: {name} = {value!r}: expected a list of host names")
        return tuple(names)
    try:
        number = float(value) if name in ("time", *WAITS) else int(value)
    except (TypeError, ValueError):
        raise UsageError(f"{source}: {name} = {value!r}: expected a number") from None
    if not number > 0 or number == float("inf"):  # nan and inf too
        raise UsageError(f"{source}: {name} = {value!r}: expected a number above 0")
    return number


def value(name: str) -> Any:
    """The effective value of one setting, without flags."""
    return settings()[name].value
