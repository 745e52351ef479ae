"""listing lifecycle

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 15:20:14.020402
"""

from alembic import op
import sqlalchemy as sa
import matchmaker.db
from sqlalchemy.dialects import postgresql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('duplicate_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('first_id', sa.Integer(), nullable=False),
    sa.Column('second_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('lexical', sa.Float(), nullable=False),
    sa.Column('dense', sa.Float(), nullable=True),
    sa.Column('status', sa.Enum('open', 'merged', 'not_duplicate', name='duplicatestatus', native_enum=False, length=32), nullable=False),
    sa.Column('kept_id', sa.Integer(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', matchmaker.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', matchmaker.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('first_id < second_id', name=op.f('ck_duplicate_flags_ordered_pair')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_duplicate_flags_resolved_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duplicate_flags')),
    sa.UniqueConstraint('kind', 'first_id', 'second_id', name=op.f('uq_duplicate_flags_kind_first_id_second_id'))
    )
    with op.batch_alter_table('duplicate_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duplicate_flags_status'), ['status'], unique=False)

    op.create_table('saved_searches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('query', sa.Text(), nullable=False),
    sa.Column('facets', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('frequency', sa.Enum('daily', 'weekly', name='digestfrequency', native_enum=False, length=32), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('last_run_at', matchmaker.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_digest', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', matchmaker.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_saved_searches_need_id_needs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_saved_searches_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_searches')),
    sa.UniqueConstraint('need_id', name=op.f('uq_saved_searches_need_id'))
    )
    with op.batch_alter_table('saved_searches', schema=None) as batch_op:
        batch_op.create_index('ix_saved_searches_active_frequency', ['active', 'frequency'], unique=False)
        batch_op.create_index(batch_op.f('ix_saved_searches_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('achievements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('validity_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('renewal_nudged_days', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_achievements_expires_at'), ['expires_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_achievements_merged_into_id_achievements'), 'achievements', ['merged_into_id'], ['id'])

    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('validity_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('renewal_nudged_days', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_needs_expires_at'), ['expires_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_needs_merged_into_id_needs'), 'needs', ['merged_into_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_needs_merged_into_id_needs'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_needs_expires_at'))
        batch_op.drop_column('renewal_nudged_days')
        batch_op.drop_column('validity_days')
        batch_op.drop_column('merged_into_id')

    with op.batch_alter_table('achievements', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_achievements_merged_into_id_achievements'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_achievements_expires_at'))
        batch_op.drop_column('renewal_nudged_days')
        batch_op.drop_column('validity_days')
        batch_op.drop_column('merged_into_id')

    with op.batch_alter_table('saved_searches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_searches_user_id'))
        batch_op.drop_index('ix_saved_searches_active_frequency')

    op.drop_table('saved_searches')
    with op.batch_alter_table('duplicate_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duplicate_flags_status'))

    op.drop_table('duplicate_flags')
