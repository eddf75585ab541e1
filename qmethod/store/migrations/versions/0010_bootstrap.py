"""the last bootstrap of an analysis kept with it (analysis_workspace.bootstrap: method, resamples,
seed, figures per factor and the plan it was run on), so its report can state it

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('analysis_workspace', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bootstrap', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('analysis_workspace', schema=None) as batch_op:
        batch_op.drop_column('bootstrap')
