"""Where the register is and how to reach it: one SQLite file, or a PostgreSQL server.

The register is named by a path (an SQLite file, made on first use) or a URL
(``postgresql://user@host/dbname``, reached with psycopg 3), from ``--register``,
``LETTERS_REGISTER`` or ``letters.toml``; by default ``register.sqlite`` beside ``letters.toml``
(or in the current folder).

SQLite runs in WAL mode, so that readers never wait for a writer: a read (``reading``) is a
deferred transaction, which reads the last committed state without a lock, and every
transaction that writes takes the write lock at its start (``BEGIN IMMEDIATE``), so that two
processes issuing at once queue rather than fail on a lock they cannot upgrade. A register
file (or its folder) the user cannot write is opened read-only: it can be read, and a command
that would write says it is read-only. On PostgreSQL readers never wait for writers anyway.

A process that holds the register (an SQLite write lock, a PostgreSQL lock) longer than
``register_timeout`` seconds (letters.toml, ``LETTERS_REGISTER_TIMEOUT``; 10 by default) is
answered with one clear error, "the register ... is busy", rather than a long wait.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, ExceptionContext

from letters.configuration import settings
from letters.problems import Location, RegisterError
from letters.register import tables

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_LOCK = 7_340_021  # the PostgreSQL advisory lock that makes one process at a time migrate
_READING = "letters_reading"  # the execution option of a connection that only reads


def locate(register: str | Path | None = None) -> str | Path:
    """The register to use: the one given, else the configured one (LETTERS_REGISTER,
    letters.toml), else register.sqlite beside letters.toml or in the current folder."""
    if register is not None and str(register).strip():
        text = str(register)
        return text if "://" in text else Path(text)
    value: str | Path = settings()["register"].value
    return value


def url_of(register: str | Path) -> sa.URL:
    """The SQLAlchemy URL of a register: psycopg 3 for PostgreSQL, SQLite for a path."""
    text = str(register)
    if "://" not in text:
        return sa.URL.create("sqlite", database=str(Path(text).absolute()))
    try:
        url = sa.make_url(text)
    except sa.exc.ArgumentError:
        raise RegisterError(f"not a database URL: {_shown(text)!r}") from None
    if url.drivername in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+psycopg")
    if url.drivername in ("postgresql+psycopg", "sqlite"):
        return url
    raise RegisterError(
        f"{_shown(text)}: a register is an SQLite file or a postgresql:// URL, not {url.drivername}"
    )


def _shown(text: str) -> str:
    """A URL with any password hidden, to show in messages."""
    try:
        return sa.make_url(text).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return text


def connect(register: str | Path, *, timeout: float | None = None) -> Engine:
    """An engine for the register, set up for safe concurrent writing. Another process's hold
    on the register is waited for at most ``timeout`` seconds (default: register_timeout),
    then answered with a RegisterError that says the register is busy."""
    url = url_of(register)
    wait = float(settings()["register_timeout"].value) if timeout is None else timeout
    engine = _sqlite(url, wait) if url.get_backend_name() == "sqlite" else _postgresql(url, wait)
    shown = engine.url.render_as_string(hide_password=True)

    @event.listens_for(engine, "handle_error")
    def busy(context: ExceptionContext) -> None:
        if _is_busy(context.original_exception):
            raise RegisterError(
                f"the register {shown} is busy: another process has held it for more than "
                f"{wait:g} s (register_timeout in letters.toml, or LETTERS_REGISTER_TIMEOUT, "
                "says how long to wait)"
            )
        if _is_damaged(context.original_exception):
            raise RegisterError(
                f"the register is damaged ({context.original_exception}): it is not an SQLite "
                "database, or it was cut short; restore it from a copy",
                Location(file=url.database),
            )

    return engine


def reading(engine: Engine) -> contextlib.AbstractContextManager[Connection]:
    """A connection for reading only. On SQLite its transactions are deferred: they read the
    last committed state and take no lock, so a reader never waits for a writer (WAL)."""
    return engine.connect().execution_options(**{_READING: True})


def is_read_only(engine: Engine) -> bool:
    """Whether the register is an SQLite file (or in a folder) this user cannot write."""
    database = engine.url.database
    return (
        engine.dialect.name == "sqlite" and database is not None and _access(Path(database)) != "rw"
    )


def _sqlite(url: sa.URL, wait: float) -> Engine:
    path = Path(url.database or "")
    if url.database and not path.parent.is_dir():
        raise RegisterError("the register's folder does not exist", Location(file=str(path)))
    access = _access(path)
    if access == "rw":
        engine = sa.create_engine(url, connect_args={"timeout": wait})
    else:
        # SQLite's URI options: mode=ro reads a file it may not write, making the WAL's shared
        # memory file beside it when it must; immutable=1 reads one in a folder it cannot write,
        # where no other process can be writing either (a writer needs the -wal file there).
        uri = f"file:{quote(str(path))}?{'mode=ro' if access == 'ro' else 'immutable=1'}"
        engine = sa.create_engine(
            url,
            creator=lambda: sqlite3.connect(uri, uri=True, timeout=wait, check_same_thread=False),
        )

    @event.listens_for(engine, "connect")
    def set_up(connection: Any, _: Any) -> None:
        connection.isolation_level = None  # transactions are begun below, not by the driver
        cursor = connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {round(wait * 1000)}")
        if access == "rw":
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")  # a committed record survives a power cut
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def begin(connection: Connection) -> None:
        reads = connection.get_execution_options().get(_READING, False)
        connection.exec_driver_sql("BEGIN" if reads else "BEGIN IMMEDIATE")

    return engine


def _access(path: Path) -> str:
    """How an existing SQLite register can be opened: "rw", "ro" (the file is read-only), or
    "immutable" (its folder is, and no writer has left a write-ahead log in it)."""
    if not path.is_file() or (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        return "rw"
    if os.access(path.parent, os.W_OK) or Path(f"{path}-wal").exists():
        return "ro"
    return "immutable"


def _postgresql(url: sa.URL, wait: float) -> Engine:
    try:  # deferred: start-up speed (psycopg, for a PostgreSQL register only)
        import psycopg  # noqa: PLC0415, F401 - only to give a clear message when it is missing
    except ImportError:
        raise RegisterError(
            "a PostgreSQL register needs psycopg: pip install 'letters[postgresql]'"
        ) from None
    # lock_timeout bounds a wait for a lock another session holds; readers take none that a
    # writer holds (MVCC), only a schema change's. A statement_timeout is not set: a long read
    # (verify over many records) holds no one up and should finish. It is a setting of the
    # session given as the connection starts, not a statement run after: a stop signal that
    # lands while a connection is made leaves no session half set up.
    engine = sa.create_engine(
        url,
        pool_pre_ping=True,
        connect_args={"options": f"-c lock_timeout={max(1, round(wait * 1000))}"},
    )
    return engine


def _is_busy(error: BaseException | None) -> bool:
    """Whether a database error is a wait for another process's lock that timed out."""
    if isinstance(error, sqlite3.OperationalError):
        return getattr(error, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_BUSY
    return getattr(error, "sqlstate", None) == "55P03"  # PostgreSQL's lock_not_available


def _is_damaged(error: BaseException | None) -> bool:
    """Whether a database error says the SQLite file is not a database, or is corrupt."""
    code = getattr(error, "sqlite_errorcode", 0) & 0xFF
    return isinstance(error, sqlite3.DatabaseError) and code in (
        sqlite3.SQLITE_NOTADB,
        sqlite3.SQLITE_CORRUPT,
    )


def revision(connection: Connection) -> str | None:
    """The migration the register is at; None for an empty database."""
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    found = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    return str(found) if found is not None else None


def prepare(engine: Engine, *, create: bool = True, upgrade: bool = False) -> str:
    """Make sure the register's schema is the one this code expects: made when the database
    is empty (``create``), migrated when ``upgrade``; else an error that says to upgrade.
    The revision the register is at is returned. A register that is already at this code's
    revision is only read, so that opening it never waits for a writer.

    ``create`` is asked by the commands that write (issue): a read-only register refuses them.
    """
    try:
        if is_read_only(engine) and (create or upgrade):
            raise RegisterError(
                "the register is read-only (this user cannot write the file or its folder): "
                "it can be read (letters register find, show, due, verify), not written",
                Location(file=str(engine.url.database)),
            )
        with reading(engine) as connection, connection.begin():
            current = revision(connection)
        if current == tables.HEAD and not upgrade:
            return current
        if is_read_only(engine):
            return _checked(current, create=False, upgrade=False, shown=engine.url)
        return _prepare(engine, create=create, upgrade=upgrade)
    except sa.exc.OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise RegisterError(
            f"cannot reach the register {engine.url.render_as_string(hide_password=True)}: {reason}"
        ) from None


def _prepare(engine: Engine, *, create: bool, upgrade: bool) -> str:
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_LOCK)))
        current = revision(connection)  # again: another process may have migrated meanwhile
        if current == tables.HEAD and not upgrade:
            return current
        _checked(current, create=create, upgrade=upgrade, shown=engine.url)
        _migrate(connection)
        return revision(connection) or ""


def _checked(current: str | None, *, create: bool, upgrade: bool, shown: sa.URL) -> str:
    """The revision, when the register may be used at it without migrating; else the error."""
    if current is None and not create and not upgrade:
        raise RegisterError(f"no register at {shown.render_as_string()}")
    if current is not None and current != tables.HEAD and not upgrade:
        raise RegisterError(
            f"the register is at revision {current}, this letters expects {tables.HEAD}: "
            "run `letters register upgrade`"
        )
    return current or ""


def _migrate(connection: Connection) -> None:
    # deferred: start-up speed (Alembic, for a register to make or upgrade only)
    from alembic import command  # noqa: PLC0415
    from alembic.config import Config  # noqa: PLC0415

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
