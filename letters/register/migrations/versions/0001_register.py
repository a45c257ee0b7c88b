"""The register: issued letters, the clauses they used, and the inputs to make them again.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY = (
    "letters",
    "clause_sets",
    "clause_set_members",
    "libraries",
    "library_files",
    "blobs",
)


def upgrade() -> None:
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "libraries",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("git_commit", sa.String(64)),
        sa.Column("git_path", sa.Text),
        sa.Column("is_dirty", sa.Boolean, nullable=False),
        sa.Column("first_seen", sa.DateTime, nullable=False),
    )
    op.create_table(
        "library_files",
        sa.Column("library_hash", sa.String(64), sa.ForeignKey("libraries.hash"), primary_key=True),
        sa.Column("path", sa.Text, primary_key=True),
        sa.Column("sha256", sa.String(64), sa.ForeignKey("blobs.sha256"), nullable=False),
    )
    op.create_table("clause_sets", sa.Column("hash", sa.String(64), primary_key=True))
    op.create_table(
        "clause_set_members",
        sa.Column("set_hash", sa.String(64), sa.ForeignKey("clause_sets.hash"), primary_key=True),
        sa.Column("clause", sa.String(300), primary_key=True),
        sa.Column("variant", sa.String(200), primary_key=True),
        sa.Column("text_sha256", sa.String(64), nullable=False),
    )
    op.create_index("clause_set_members_clause", "clause_set_members", ["clause"])
    op.create_table(
        "letters",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("issued_at", sa.DateTime, nullable=False),
        sa.Column("issued_by", sa.String(200), nullable=False),
        sa.Column("replaces", sa.Integer, sa.ForeignKey("letters.id"), unique=True),
        sa.Column("note", sa.Text),
        sa.Column("case_source", sa.Text, nullable=False),
        sa.Column("case_data", sa.LargeBinary, nullable=False),
        sa.Column("case_sha256", sa.String(64), nullable=False),
        sa.Column("reference", sa.String(200)),
        sa.Column("complainant", sa.String(500), nullable=False),
        sa.Column("complainant_key", sa.String(500), nullable=False),
        sa.Column("body", sa.String(500)),
        sa.Column("body_key", sa.String(500)),
        sa.Column("outline", sa.String(200)),
        sa.Column("decision_date", sa.String(10)),
        sa.Column("clause_set", sa.String(64), sa.ForeignKey("clause_sets.hash"), nullable=False),
        sa.Column("library_hash", sa.String(64), sa.ForeignKey("libraries.hash"), nullable=False),
        sa.Column("template", sa.Text, nullable=False),
        sa.Column("template_sha256", sa.String(64), sa.ForeignKey("blobs.sha256"), nullable=False),
        sa.Column("engine", sa.String(100), nullable=False),
        sa.Column("output_format", sa.String(10), nullable=False),
        sa.Column("output_sha256", sa.String(64), nullable=False),
        sa.Column("output_size", sa.Integer, nullable=False),
        sa.Column("output_path", sa.Text),
        sa.Column("provenance", sa.LargeBinary, nullable=False),
    )
    op.create_index("letters_issued_at", "letters", ["issued_at"])
    op.create_index("letters_reference", "letters", ["reference"])
    op.create_index("letters_complainant", "letters", ["complainant_key"])
    op.create_index("letters_body", "letters", ["body_key"])
    op.create_index("letters_outline", "letters", ["outline"])
    op.create_index("letters_output_sha256", "letters", ["output_sha256"])
    op.create_index("letters_clause_set", "letters", ["clause_set"])
    _refuse_changes()


def _refuse_changes() -> None:
    """Triggers that refuse to change or remove a row: the register is append-only."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table in APPEND_ONLY:
            for event in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'the register is append-only: "
                    f"{table} rows are never changed or removed'); END"
                )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION letters_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'the register is append-only: % rows are never changed "
            "or removed', TG_TABLE_NAME; END $$"
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION letters_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION letters_append_only()"
            )
