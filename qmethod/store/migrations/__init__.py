"""Alembic migrations of the qmethod schema (run by :func:`qmethod.store.migrate.upgrade`)."""
