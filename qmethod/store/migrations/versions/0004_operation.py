"""operation ids posted by the participant pages, for idempotent saves

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'operation',
        sa.Column('participant_id', sa.Integer(), nullable=False),
        sa.Column('op_id', sa.String(length=64), nullable=False),
        sa.Column('result', sa.String(length=16), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('detail', sa.JSON(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['participant_id'], ['participant.id'],
                                name=op.f('fk_operation_participant_id_participant'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('participant_id', 'op_id', name=op.f('pk_operation')),
    )


def downgrade() -> None:
    op.drop_table('operation')
