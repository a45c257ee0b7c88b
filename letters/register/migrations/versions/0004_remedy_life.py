"""A remedy's life: each change of its status with its evidence (sealed in a chain of their
own), the status a remedy starts with, and what letters in force are worked out from (a
record's reference, case and spacing aside, and its stage); the records already there are
given theirs.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from alembic import op

from letters.register.derived import initial_status, reference_key, remedies_are_of, stage_of

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_LETTERS = sa.table(
    "letters",
    sa.column("id", sa.Integer),
    sa.column("reference", sa.String),
    sa.column("case_data", sa.LargeBinary),
    sa.column("reference_key", sa.String),
    sa.column("stage", sa.String),
)
_REMEDIES = sa.table(
    "remedies",
    sa.column("letter_id", sa.Integer),
    sa.column("stage", sa.String),
    sa.column("status", sa.String),
)
_BATCH = 500


def upgrade() -> None:
    op.add_column("letters", sa.Column("reference_key", sa.String(200)))
    op.add_column("letters", sa.Column("stage", sa.String(10)))
    op.create_index("letters_reference_key", "letters", ["reference_key"])
    op.create_index("letters_case_sha256", "letters", ["case_sha256"])
    op.add_column("remedies", sa.Column("status", sa.String(20)))
    op.create_table(
        "remedy_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("letter_id", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("due", sa.Date),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("previous", sa.String(64), nullable=False),
        sa.Column("seal", sa.String(64), nullable=False),
        sa.Column("signature", sa.String(128)),
        sa.ForeignKeyConstraint(["letter_id", "number"], ["remedies.letter_id", "remedies.number"]),
    )
    op.create_index("remedy_events_remedy", "remedy_events", ["letter_id", "number"])
    op.create_table(
        "remedy_evidence",
        sa.Column("event_id", sa.Integer, sa.ForeignKey("remedy_events.id"), primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("location", sa.Text),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("kept", sa.Boolean, nullable=False),
    )
    op.create_index("remedy_evidence_sha256", "remedy_evidence", ["sha256"])
    for table in ("remedy_events", "remedy_evidence"):
        _refuse_changes(table)
    _derive_existing(op.get_bind())


def _refuse_changes(table: str) -> None:
    """Triggers that refuse to change or remove a row, as 0001's do (its PostgreSQL function
    letters_append_only is reused)."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(_sqlite_trigger(table, event))
    elif dialect == "postgresql":
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION letters_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION letters_append_only()"
        )


def _sqlite_trigger(table: str, event: str) -> str:
    return (
        f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'the register is append-only: "
        f"{table} rows are never changed or removed'); END"
    )


def _derive_existing(connection: sa.Connection) -> None:
    """Give the records already there their reference key and stage, and their remedies the
    status they start with (the append-only triggers on updates are lifted for this and put
    back)."""
    if not connection.execute(sa.select(sa.func.count()).select_from(_LETTERS)).scalar():
        return
    dialect = connection.dialect.name
    for table in ("letters", "remedies"):
        if dialect == "sqlite":
            op.execute(f"DROP TRIGGER {table}_no_update")
        elif dialect == "postgresql":
            op.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
    letters = sa.update(_LETTERS).where(_LETTERS.c.id == sa.bindparam("the_id"))
    letters = letters.values(reference_key=sa.bindparam("key"), stage=sa.bindparam("the_stage"))
    remedies = sa.update(_REMEDIES).where(_REMEDIES.c.letter_id == sa.bindparam("the_id"))
    remedies = remedies.values(status=sa.bindparam("the_status"))
    for batch in _batches(connection):
        connection.execute(
            letters, [{k: v for k, v in row.items() if k != "the_status"} for row in batch]
        )
        connection.execute(
            remedies, [{"the_id": row["the_id"], "the_status": row["the_status"]} for row in batch]
        )
    for table in ("letters", "remedies"):
        if dialect == "sqlite":
            op.execute(_sqlite_trigger(table, "UPDATE"))
        elif dialect == "postgresql":
            op.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")


def _batches(connection: sa.Connection) -> Iterator[list[dict[str, Any]]]:
    """The derived values of every record, in batches, read a batch at a time."""
    last = 0
    while True:
        rows = connection.execute(
            sa.select(_LETTERS.c.id, _LETTERS.c.reference, _LETTERS.c.case_data)
            .where(_LETTERS.c.id > last)
            .order_by(_LETTERS.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        batch = []
        for identity, reference, case_data in rows:
            stage = stage_of(bytes(case_data))
            batch.append(
                {
                    "the_id": identity,
                    "key": reference_key(reference),
                    "the_stage": stage,
                    "the_status": initial_status(stage, remedies_are_of(bytes(case_data))),
                }
            )
        yield batch
        last = rows[-1][0]
