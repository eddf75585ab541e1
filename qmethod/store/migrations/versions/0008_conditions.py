"""conditions of instruction: participant.condition and participant.person_id

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('condition', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('person_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_column('person_id')
        batch_op.drop_column('condition')
