"""expertise profiles (专家档案): invited by staff or filed by researchers; a match pairs a need
with an achievement or with an expert (exactly one); expert service teams, their members and visits

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 00:45:15.236822
"""

from alembic import op
import sqlalchemy as sa
import matchmaker.db
from sqlalchemy.dialects import postgresql


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('expert_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=True),
    sa.Column('organisation_name', sa.String(length=200), nullable=False),
    sa.Column('region', sa.String(length=40), nullable=True),
    sa.Column('fields', JSON, nullable=False),
    sa.Column('directions', sa.Text(), nullable=False),
    sa.Column('achievement_ids', JSON, nullable=False),
    sa.Column('publications', sa.Text(), nullable=False),
    sa.Column('offers', JSON, nullable=False),
    sa.Column('availability', sa.String(length=20), nullable=True),
    sa.Column('visibility', sa.Enum('public', 'members', 'confidential', name='visibility', native_enum=False, length=32), nullable=False),
    sa.Column('state', sa.Enum('invited', 'published', 'archived', name='expertstate', native_enum=False, length=32), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', matchmaker.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', matchmaker.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('invited_at', matchmaker.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', matchmaker.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('published_at', matchmaker.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_expert_profiles_created_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_expert_profiles_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_profiles')),
    sa.UniqueConstraint('user_id', name=op.f('uq_expert_profiles_user_id'))
    )
    with op.batch_alter_table('expert_profiles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_profiles_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_expert_profiles_region'), ['region'], unique=False)
        batch_op.create_index(batch_op.f('ix_expert_profiles_state'), ['state'], unique=False)

    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expert_id', sa.Integer(), nullable=True))
        batch_op.alter_column('achievement_id', existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(batch_op.f('ix_matches_expert_id'), ['expert_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_matches_need_id_expert_id'), ['need_id', 'expert_id'])
        batch_op.create_foreign_key(batch_op.f('fk_matches_expert_id_expert_profiles'), 'expert_profiles', ['expert_id'], ['id'], ondelete='CASCADE')
        batch_op.create_check_constraint(batch_op.f('ck_matches_achievement_or_expert'), '(achievement_id IS NULL) <> (expert_id IS NULL)')

    op.create_table('expert_teams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('region', sa.String(length=40), nullable=True),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('theme_fields', JSON, nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', matchmaker.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_expert_teams_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_teams'))
    )
    with op.batch_alter_table('expert_teams', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_teams_region'), ['region'], unique=False)

    op.create_table('expert_team_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('is_pinned', sa.Boolean(), nullable=False),
    sa.Column('covered_need_ids', JSON, nullable=False),
    sa.ForeignKeyConstraint(['expert_id'], ['expert_profiles.id'], name=op.f('fk_expert_team_members_expert_id_expert_profiles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['expert_teams.id'], name=op.f('fk_expert_team_members_team_id_expert_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_team_members')),
    sa.UniqueConstraint('team_id', 'expert_id', name=op.f('uq_expert_team_members_team_id_expert_id'))
    )
    with op.batch_alter_table('expert_team_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_team_members_expert_id'), ['expert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_expert_team_members_team_id'), ['team_id'], unique=False)

    op.create_table('expert_team_visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('visit_on', sa.Date(), nullable=False),
    sa.Column('enterprises', JSON, nullable=False),
    sa.Column('problems_solved', sa.Integer(), nullable=False),
    sa.Column('followup_needs', sa.Integer(), nullable=False),
    sa.Column('contracts', sa.Integer(), nullable=False),
    sa.Column('contract_value', sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', matchmaker.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('problems_solved >= 0 AND followup_needs >= 0 AND contracts >= 0', name=op.f('ck_expert_team_visits_counts_non_negative')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_expert_team_visits_created_by_id_users')),
    sa.ForeignKeyConstraint(['team_id'], ['expert_teams.id'], name=op.f('fk_expert_team_visits_team_id_expert_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_team_visits'))
    )
    with op.batch_alter_table('expert_team_visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_team_visits_team_id'), ['team_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('expert_team_visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_team_visits_team_id'))

    op.drop_table('expert_team_visits')
    with op.batch_alter_table('expert_team_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_team_members_team_id'))
        batch_op.drop_index(batch_op.f('ix_expert_team_members_expert_id'))

    op.drop_table('expert_team_members')
    with op.batch_alter_table('expert_teams', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_teams_region'))

    op.drop_table('expert_teams')
    # expert matches cannot exist without the column that names their expert
    op.execute("DELETE FROM matches WHERE expert_id IS NOT NULL")
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_matches_achievement_or_expert'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_matches_expert_id_expert_profiles'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_matches_need_id_expert_id'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_matches_expert_id'))
        batch_op.alter_column('achievement_id', existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column('expert_id')

    with op.batch_alter_table('expert_profiles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_profiles_state'))
        batch_op.drop_index(batch_op.f('ix_expert_profiles_region'))
        batch_op.drop_index(batch_op.f('ix_expert_profiles_email'))

    op.drop_table('expert_profiles')
