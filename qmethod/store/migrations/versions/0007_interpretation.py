"""co-interpretation: researcher roles, study members, factor texts (with history) and notes

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('researcher', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.String(length=16), server_default='researcher', nullable=False))
    op.create_table(
        'study_member',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('study_id', sa.Integer(), nullable=False),
        sa.Column('researcher_id', sa.Integer(), nullable=False),
        sa.Column('added_by', sa.String(length=64), nullable=False),
        sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('removed_by', sa.String(length=64), nullable=True),
        sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['researcher_id'], ['researcher.id'],
                                name=op.f('fk_study_member_researcher_id_researcher'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_study_member_study_id_study'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_study_member')),
    )
    op.create_index(op.f('ix_study_member_study_id'), 'study_member', ['study_id'], unique=False)
    op.create_index(op.f('ix_study_member_researcher_id'), 'study_member', ['researcher_id'], unique=False)
    op.create_table(
        'factor_text',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('workspace_id', sa.Integer(), nullable=False),
        sa.Column('factor', sa.String(length=16), nullable=False),
        sa.Column('field', sa.String(length=16), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('author', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('plan_digest', sa.String(length=16), nullable=False),
        sa.Column('accepted_by', sa.String(length=64), nullable=True),
        sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['workspace_id'], ['analysis_workspace.id'],
                                name=op.f('fk_factor_text_workspace_id_analysis_workspace'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_factor_text')),
    )
    op.create_index(op.f('ix_factor_text_workspace_id'), 'factor_text', ['workspace_id'], unique=False)
    op.create_table(
        'factor_note',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('workspace_id', sa.Integer(), nullable=False),
        sa.Column('factor', sa.String(length=16), nullable=False),
        sa.Column('author', sa.String(length=64), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['workspace_id'], ['analysis_workspace.id'],
                                name=op.f('fk_factor_note_workspace_id_analysis_workspace'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_factor_note')),
    )
    op.create_index(op.f('ix_factor_note_workspace_id'), 'factor_note', ['workspace_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_factor_note_workspace_id'), table_name='factor_note')
    op.drop_table('factor_note')
    op.drop_index(op.f('ix_factor_text_workspace_id'), table_name='factor_text')
    op.drop_table('factor_text')
    op.drop_index(op.f('ix_study_member_researcher_id'), table_name='study_member')
    op.drop_index(op.f('ix_study_member_study_id'), table_name='study_member')
    op.drop_table('study_member')
    with op.batch_alter_table('researcher', schema=None) as batch_op:
        batch_op.drop_column('role')
