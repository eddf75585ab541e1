"""named analyses of one data source, and a version per analysis (changes from a stale page are refused)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('analysis_workspace', schema=None) as batch_op:
        batch_op.add_column(sa.Column('label', sa.String(length=100), server_default='main', nullable=False))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.drop_constraint('uq_analysis_workspace_researcher_source', type_='unique')
        batch_op.create_unique_constraint('uq_analysis_workspace_researcher_source_label',
                                          ['researcher_id', 'source', 'label'])


def downgrade() -> None:
    op.execute("DELETE FROM analysis_workspace WHERE label <> 'main'")  # one analysis per source again
    with op.batch_alter_table('analysis_workspace', schema=None) as batch_op:
        batch_op.drop_constraint('uq_analysis_workspace_researcher_source_label', type_='unique')
        batch_op.create_unique_constraint('uq_analysis_workspace_researcher_source', ['researcher_id', 'source'])
        batch_op.drop_column('version')
        batch_op.drop_column('label')
