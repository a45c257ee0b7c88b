"""Where the register is and how to reach it: one SQLite file, or a PostgreSQL server.

The register is named by a path (an SQLite file, made on first use) or a URL
(``postgresql://user@host/dbname``, reached with psycopg 3), from ``--register``,
``LETTERS_REGISTER`` or ``letters.toml``; by default ``register.sqlite`` beside ``letters.toml``
(or in the current folder). SQLite runs in WAL mode, so that readers never wait for a writer,
and every transaction that writes takes the write lock at its start (``BEGIN IMMEDIATE``), so
that two processes issuing at once queue rather than fail on a lock they cannot upgrade.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from letters.configuration import settings
from letters.problems import Location, RegisterError
from letters.register import tables

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_LOCK = 7_340_021  # the PostgreSQL advisory lock that makes one process at a time migrate
_BUSY_SECONDS = 120  # how long an SQLite writer waits for another to finish


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


def connect(register: str | Path) -> Engine:
    """An engine for the register, set up for safe concurrent writing."""
    url = url_of(register)
    if url.get_backend_name() == "sqlite":
        if url.database and not Path(url.database).parent.is_dir():
            raise RegisterError(
                "the register's folder does not exist", Location(file=str(url.database))
            )
        engine = sa.create_engine(url, connect_args={"timeout": _BUSY_SECONDS})

        @event.listens_for(engine, "connect")
        def set_up(connection: Any, _: Any) -> None:
            connection.isolation_level = None  # transactions are begun below, not by the driver
            cursor = connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout = {_BUSY_SECONDS * 1000}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")  # a committed record survives a power cut
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def begin(connection: Connection) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    try:  # deferred: start-up speed (psycopg, for a PostgreSQL register only)
        import psycopg  # noqa: PLC0415, F401 - only to give a clear message when it is missing
    except ImportError:
        raise RegisterError(
            "a PostgreSQL register needs psycopg: pip install 'letters[postgresql]'"
        ) from None
    return sa.create_engine(url, pool_pre_ping=True)


def revision(connection: Connection) -> str | None:
    """The migration the register is at; None for an empty database."""
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    found = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    return str(found) if found is not None else None


def prepare(engine: Engine, *, create: bool = True, upgrade: bool = False) -> str:
    """Make sure the register's schema is the one this code expects: made when the database
    is empty (``create``), migrated when ``upgrade``; else an error that says to upgrade.
    The revision the register is at is returned."""
    try:
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
        current = revision(connection)
        if current == tables.HEAD and not upgrade:
            return current
        if current is None and not create and not upgrade:
            raise RegisterError(f"no register at {engine.url.render_as_string()}")
        if current is not None and not upgrade:
            raise RegisterError(
                f"the register is at revision {current}, this letters expects {tables.HEAD}: "
                "run `letters register upgrade`"
            )
        _migrate(connection)
        return revision(connection) or ""


def _migrate(connection: Connection) -> None:
    # deferred: start-up speed (Alembic, for a register to make or upgrade only)
    from alembic import command  # noqa: PLC0415
    from alembic.config import Config  # noqa: PLC0415

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
