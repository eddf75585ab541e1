"""Storage: SQLAlchemy models, the database connection and Alembic migrations."""
from .db import Database, database_url, open_database

__all__ = ["Database", "database_url", "open_database"]
