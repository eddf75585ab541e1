"""researcher accounts, login sessions, study drafts, analysis workspaces

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'researcher',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('username', sa.String(length=64), nullable=False),
        sa.Column('password_hash', sa.String(length=256), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('failed_logins', sa.Integer(), nullable=False),
        sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_researcher')),
        sa.UniqueConstraint('username', name=op.f('uq_researcher_username')),
    )
    op.create_table(
        'researcher_session',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('researcher_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['researcher_id'], ['researcher.id'],
                                name=op.f('fk_researcher_session_researcher_id_researcher'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_researcher_session')),
    )
    with op.batch_alter_table('researcher_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_researcher_session_researcher_id'), ['researcher_id'], unique=False)
    op.create_table(
        'study_draft',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('slug', sa.String(length=64), nullable=False),
        sa.Column('definition', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by', sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_study_draft')),
        sa.UniqueConstraint('slug', name=op.f('uq_study_draft_slug')),
    )
    op.create_table(
        'analysis_workspace',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('researcher_id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=200), nullable=False),
        sa.Column('name', sa.String(length=300), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=True),
        sa.Column('plan', sa.JSON(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['researcher_id'], ['researcher.id'],
                                name=op.f('fk_analysis_workspace_researcher_id_researcher'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_analysis_workspace')),
        sa.UniqueConstraint('researcher_id', 'source', name='uq_analysis_workspace_researcher_source'),
    )
    with op.batch_alter_table('analysis_workspace', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_analysis_workspace_researcher_id'), ['researcher_id'], unique=False)


def downgrade() -> None:
    op.drop_table('analysis_workspace')
    op.drop_table('study_draft')
    op.drop_table('researcher_session')
    op.drop_table('researcher')
