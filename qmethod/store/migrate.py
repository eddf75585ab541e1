"""Run the Alembic migrations shipped with the package, programmatically."""
from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

__all__ = ["alembic_config", "upgrade", "current_revision", "head_revision"]

SCRIPT_LOCATION = "qmethod.store:migrations"


def alembic_config() -> Config:
    """An Alembic configuration pointing at :mod:`qmethod.store.migrations` (no ini file needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema of ``engine``'s database to ``revision`` in one transaction."""
    cfg = alembic_config()
    # on SQLite the write engine starts with BEGIN IMMEDIATE, so two processes starting at once queue up
    with engine.execution_options(qmethod_write=True).begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
