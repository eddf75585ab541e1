"""one participant per invitation id (external_id) and study

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29

A unique index, not a table rebuild (SQLite would have to copy the participant table). Invitation
ids used more than once before this revision keep their first participant as it is; the later ones
get the participant code appended (``inv-7 (P012)``), so nothing is lost and the index can be built.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT id, study_id, external_id, code FROM participant WHERE external_id IS NOT NULL "
        "ORDER BY study_id, external_id, id")).all()
    seen: set[tuple[int, str]] = set()
    for pid, study_id, external_id, code in rows:
        if (study_id, external_id) in seen:
            renamed = f"{external_id[:200 - len(code) - 3]} ({code})"
            conn.execute(sa.text("UPDATE participant SET external_id = :e WHERE id = :id"), {"e": renamed, "id": pid})
        seen.add((study_id, external_id))
    op.create_index('uq_participant_study_external_id', 'participant', ['study_id', 'external_id'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_participant_study_external_id', table_name='participant')
