"""Alembic's entry point for the register: migrations run on the connection letters gives it."""

from __future__ import annotations

from alembic import context

from letters.register.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
