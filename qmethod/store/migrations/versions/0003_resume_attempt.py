"""wrong resume codes, for the rate limit on resuming by code

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'resume_attempt',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_hash', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_resume_attempt')),
    )
    op.create_index(op.f('ix_resume_attempt_client_hash'), 'resume_attempt', ['client_hash'], unique=False)
    op.create_index(op.f('ix_resume_attempt_at'), 'resume_attempt', ['at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_resume_attempt_at'), table_name='resume_attempt')
    op.drop_index(op.f('ix_resume_attempt_client_hash'), table_name='resume_attempt')
    op.drop_table('resume_attempt')
