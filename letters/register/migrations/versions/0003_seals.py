"""Each issued letter's record sealed into a hash chain (letters.register.sealing); the records
already there are sealed, in id order.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from letters.register.sealing import GENESIS, seal

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# the sealed columns as they were at this revision, typed (SQLite keeps times as text)
_LETTERS = sa.table(
    "letters",
    sa.column("id", sa.Integer),
    sa.column("issued_at", sa.DateTime),
    sa.column("issued_by", sa.String),
    sa.column("replaces", sa.Integer),
    sa.column("note", sa.Text),
    sa.column("case_source", sa.Text),
    sa.column("case_data", sa.LargeBinary),
    sa.column("case_sha256", sa.String),
    sa.column("reference", sa.String),
    sa.column("complainant", sa.String),
    sa.column("complainant_key", sa.String),
    sa.column("body", sa.String),
    sa.column("body_key", sa.String),
    sa.column("outline", sa.String),
    sa.column("decision_date", sa.String),
    sa.column("clause_set", sa.String),
    sa.column("library_hash", sa.String),
    sa.column("template", sa.Text),
    sa.column("template_sha256", sa.String),
    sa.column("engine", sa.String),
    sa.column("output_format", sa.String),
    sa.column("output_sha256", sa.String),
    sa.column("output_size", sa.Integer),
    sa.column("output_path", sa.Text),
    sa.column("provenance", sa.LargeBinary),
    sa.column("previous", sa.String),
    sa.column("seal", sa.String),
)


def upgrade() -> None:
    op.add_column("letters", sa.Column("previous", sa.String(64)))
    op.add_column("letters", sa.Column("seal", sa.String(64)))
    op.add_column("letters", sa.Column("signature", sa.String(128)))
    connection = op.get_bind()
    if connection.execute(sa.select(sa.func.count()).select_from(_LETTERS)).scalar():
        _seal_existing(connection)


def _seal_existing(connection: sa.Connection) -> None:
    """Seal the records issued before seals, in id order (the append-only trigger on updates
    is lifted for this and put back)."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER letters_no_update")
    elif dialect == "postgresql":
        op.execute("ALTER TABLE letters DISABLE TRIGGER letters_append_only")
    sealed = [c for c in _LETTERS.c if c.name not in ("previous", "seal")]
    previous = GENESIS
    identities = connection.execute(sa.select(_LETTERS.c.id).order_by(_LETTERS.c.id)).scalars()
    for identity in list(identities):
        row = connection.execute(sa.select(*sealed).where(_LETTERS.c.id == identity)).one()
        values = dict(row._mapping)
        made = seal(previous, values)
        connection.execute(
            sa.update(_LETTERS)
            .where(_LETTERS.c.id == identity)
            .values(previous=previous, seal=made)
        )
        previous = made
    if dialect == "sqlite":
        op.execute(
            "CREATE TRIGGER letters_no_update BEFORE UPDATE ON letters "
            "BEGIN SELECT RAISE(ABORT, 'the register is append-only: "
            "letters rows are never changed or removed'); END"
        )
    elif dialect == "postgresql":
        op.execute("ALTER TABLE letters ENABLE TRIGGER letters_append_only")
