"""The remedies each issued letter sets out, with their due dates.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "remedies",
        sa.Column("letter_id", sa.Integer, sa.ForeignKey("letters.id"), primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("field", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(100), nullable=False),
        sa.Column("wording", sa.Text, nullable=False),
        sa.Column("recipient", sa.String(500), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2)),
        sa.Column("per", sa.String(10)),
        sa.Column("deadline", sa.String(200), nullable=False),
        sa.Column("due", sa.Date),
        sa.Column("stage", sa.String(10), nullable=False),
    )
    op.create_index("remedies_due", "remedies", ["due"])
    _refuse_changes()


def _refuse_changes() -> None:
    """Triggers that refuse to change or remove a remedy's row, as 0001's do for its tables
    (its PostgreSQL function letters_append_only is reused)."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER remedies_no_{event.lower()} BEFORE {event} ON remedies "
                "BEGIN SELECT RAISE(ABORT, 'the register is append-only: "
                "remedies rows are never changed or removed'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE TRIGGER remedies_append_only BEFORE UPDATE OR DELETE ON remedies "
            "FOR EACH ROW EXECUTE FUNCTION letters_append_only()"
        )
        op.execute(
            "CREATE TRIGGER remedies_no_truncate BEFORE TRUNCATE ON remedies "
            "FOR EACH STATEMENT EXECUTE FUNCTION letters_append_only()"
        )
