"""Alembic environment: uses the connection handed over by :func:`qmethod.store.migrate.upgrade`."""
from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, text

from qmethod.store.db import database_url
from qmethod.store.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                      compare_type=True)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # two servers starting at once: the second waits, then finds the schema up to date
            connection.execute(text("SELECT pg_advisory_xact_lock(7346211)"))
        context.run_migrations()


connection = config.attributes.get("connection")
if context.is_offline_mode():
    context.configure(url=database_url(config.get_main_option("sqlalchemy.url")),
                      target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
elif connection is not None:
    _run(connection)
else:
    engine = create_engine(database_url(config.get_main_option("sqlalchemy.url")))
    with engine.begin() as conn:
        _run(conn)
