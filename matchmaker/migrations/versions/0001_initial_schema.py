"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-24 12:30:44.131426
"""

from alembic import op
import sqlalchemy as sa
import matchmaker.db
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('organisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=True),
    sa.Column('kind', sa.Enum('university', 'institute', 'enterprise', 'association', 'other', name='organisationkind', native_enum=False, length=32), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.Column('region', sa.String(length=40), nullable=True),
    sa.Column('city', sa.String(length=40), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('created_at', matchmaker.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisations')),
    sa.UniqueConstraint('credit_code', name=op.f('uq_organisations_credit_code'))
    )
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisations_name'), ['name'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('sent_at', matchmaker.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', matchmaker.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_recipient'), ['recipient'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('role', sa.Enum('researcher', 'enterprise', 'staff', 'admin', name='role', native_enum=False, length=32), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('locale', sa.String(length=10), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', matchmaker.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', matchmaker.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_users_email_lowercase')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_users_organisation_id_organisations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_users_role'), ['role'], unique=False)

    op.create_table('achievements',
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('trl', sa.Integer(), nullable=True),
    sa.Column('ip_type', sa.Enum('invention_patent', 'utility_model', 'software_copyright', 'know_how', 'plant_variety', 'other', name='iptype', native_enum=False, length=32), nullable=True),
    sa.Column('patent_numbers', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('price_min', sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=True),
    sa.Column('price_max', sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=True),
    sa.Column('keywords', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('cooperation_modes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('region', sa.String(length=40), nullable=True),
    sa.Column('visibility', sa.Enum('public', 'members', 'confidential', name='visibility', native_enum=False, length=32), nullable=False),
    sa.Column('state', sa.Enum('draft', 'submitted', 'returned', 'published', 'expired', 'archived', name='listingstate', native_enum=False, length=32), nullable=False),
    sa.Column('review_comment', sa.Text(), nullable=True),
    sa.Column('confidential_notes', sa.Text(), nullable=True),
    sa.Column('created_at', matchmaker.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', matchmaker.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_at', matchmaker.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', matchmaker.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('price_min IS NULL OR price_max IS NULL OR price_min <= price_max', name=op.f('ck_achievements_price_order')),
    sa.CheckConstraint('price_min IS NULL OR price_min >= 0', name=op.f('ck_achievements_price_non_negative')),
    sa.CheckConstraint('trl IS NULL OR (trl BETWEEN 1 AND 9)', name=op.f('ck_achievements_trl_range')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_achievements_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_achievements_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_achievements'))
    )
    with op.batch_alter_table('achievements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_achievements_field'), ['field'], unique=False)
        batch_op.create_index(batch_op.f('ix_achievements_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_achievements_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_achievements_region'), ['region'], unique=False)
        batch_op.create_index(batch_op.f('ix_achievements_state'), ['state'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('entity_type', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', matchmaker.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_log_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_audit_log_entity', ['entity_type', 'entity_id'], unique=False)

    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('state', sa.Enum('queued', 'running', 'succeeded', 'failed', name='jobstate', native_enum=False, length=32), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('params', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('result', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', matchmaker.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', matchmaker.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_jobs_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    op.create_table('needs',
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('current_approach', sa.Text(), nullable=False),
    sa.Column('desired_outcome', sa.Text(), nullable=False),
    sa.Column('trl_min', sa.Integer(), nullable=True),
    sa.Column('budget_min', sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=True),
    sa.Column('budget_max', sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=True),
    sa.Column('keywords', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('cooperation_modes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('region', sa.String(length=40), nullable=True),
    sa.Column('visibility', sa.Enum('public', 'members', 'confidential', name='visibility', native_enum=False, length=32), nullable=False),
    sa.Column('state', sa.Enum('draft', 'submitted', 'returned', 'published', 'expired', 'archived', name='listingstate', native_enum=False, length=32), nullable=False),
    sa.Column('review_comment', sa.Text(), nullable=True),
    sa.Column('confidential_notes', sa.Text(), nullable=True),
    sa.Column('created_at', matchmaker.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', matchmaker.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_at', matchmaker.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', matchmaker.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('budget_min IS NULL OR budget_max IS NULL OR budget_min <= budget_max', name=op.f('ck_needs_budget_order')),
    sa.CheckConstraint('budget_min IS NULL OR budget_min >= 0', name=op.f('ck_needs_budget_non_negative')),
    sa.CheckConstraint('trl_min IS NULL OR (trl_min BETWEEN 1 AND 9)', name=op.f('ck_needs_trl_range')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_needs_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_needs_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_needs'))
    )
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_needs_field'), ['field'], unique=False)
        batch_op.create_index(batch_op.f('ix_needs_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_needs_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_needs_region'), ['region'], unique=False)
        batch_op.create_index(batch_op.f('ix_needs_state'), ['state'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('message_key', sa.String(length=60), nullable=False),
    sa.Column('params', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=True),
    sa.Column('read_at', matchmaker.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', matchmaker.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_unread', ['user_id', 'read_at'], unique=False)

    op.create_table('roadshows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('theme_fields', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('region', sa.String(length=40), nullable=True),
    sa.Column('starts_at', matchmaker.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', matchmaker.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('timezone', sa.String(length=50), nullable=False),
    sa.Column('venue', sa.String(length=300), nullable=True),
    sa.Column('online_url', sa.String(length=500), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('presentation_slots', sa.Integer(), nullable=False),
    sa.Column('registration_deadline', matchmaker.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('state', sa.Enum('planning', 'open', 'running', 'closed', 'done', name='roadshowstate', native_enum=False, length=32), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', matchmaker.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('capacity > 0', name=op.f('ck_roadshows_capacity_positive')),
    sa.CheckConstraint('ends_at >= starts_at', name=op.f('ck_roadshows_ends_after_start')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_roadshows_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roadshows'))
    )
    op.create_table('attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('achievement_id', sa.Integer(), nullable=True),
    sa.Column('need_id', sa.Integer(), nullable=True),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('storage_key', sa.String(length=100), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('extracted_text', sa.Text(), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', matchmaker.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(achievement_id IS NULL) <> (need_id IS NULL)', name=op.f('ck_attachments_exactly_one_owner')),
    sa.ForeignKeyConstraint(['achievement_id'], ['achievements.id'], name=op.f('fk_attachments_achievement_id_achievements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_attachments_need_id_needs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_attachments_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_attachments_storage_key'))
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachments_achievement_id'), ['achievement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachments_need_id'), ['need_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachments_sha256'), ['sha256'], unique=False)

    op.create_table('matches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('achievement_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('components', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('explanation', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('state', sa.Enum('proposed', 'approved', 'rejected', 'introduced', 'meeting', 'negotiating', 'signed', 'dropped', name='matchstate', native_enum=False, length=32), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('reject_reason', sa.String(length=40), nullable=True),
    sa.Column('contract_value', sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=True),
    sa.Column('signed_on', sa.Date(), nullable=True),
    sa.Column('created_at', matchmaker.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', matchmaker.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state_changed_at', matchmaker.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['achievement_id'], ['achievements.id'], name=op.f('fk_matches_achievement_id_achievements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_matches_assignee_id_users')),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_matches_need_id_needs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matches')),
    sa.UniqueConstraint('need_id', 'achievement_id', name=op.f('uq_matches_need_id_achievement_id'))
    )
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matches_achievement_id'), ['achievement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_matches_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_matches_score'), ['score'], unique=False)
        batch_op.create_index(batch_op.f('ix_matches_state'), ['state'], unique=False)

    op.create_table('roadshow_lineup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('roadshow_id', sa.Integer(), nullable=False),
    sa.Column('achievement_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('is_pinned', sa.Boolean(), nullable=False),
    sa.Column('covered_need_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['achievement_id'], ['achievements.id'], name=op.f('fk_roadshow_lineup_achievement_id_achievements')),
    sa.ForeignKeyConstraint(['roadshow_id'], ['roadshows.id'], name=op.f('fk_roadshow_lineup_roadshow_id_roadshows'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roadshow_lineup')),
    sa.UniqueConstraint('roadshow_id', 'achievement_id', name=op.f('uq_roadshow_lineup_roadshow_id_achievement_id'))
    )
    op.create_table('roadshow_registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('roadshow_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('status', sa.Enum('registered', 'waitlisted', 'cancelled', name='registrationstatus', native_enum=False, length=32), nullable=False),
    sa.Column('check_in_code', sa.String(length=12), nullable=False),
    sa.Column('checked_in_at', matchmaker.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', matchmaker.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_roadshow_registrations_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['roadshow_id'], ['roadshows.id'], name=op.f('fk_roadshow_registrations_roadshow_id_roadshows'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_roadshow_registrations_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roadshow_registrations')),
    sa.UniqueConstraint('check_in_code', name=op.f('uq_roadshow_registrations_check_in_code')),
    sa.UniqueConstraint('roadshow_id', 'email', name=op.f('uq_roadshow_registrations_roadshow_id_email'))
    )
    with op.batch_alter_table('roadshow_registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roadshow_registrations_user_id'), ['user_id'], unique=False)

    op.create_table('match_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('match_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('from_state', sa.Enum('proposed', 'approved', 'rejected', 'introduced', 'meeting', 'negotiating', 'signed', 'dropped', name='matchstate', native_enum=False, length=32), nullable=True),
    sa.Column('to_state', sa.Enum('proposed', 'approved', 'rejected', 'introduced', 'meeting', 'negotiating', 'signed', 'dropped', name='matchstate', native_enum=False, length=32), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', matchmaker.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_match_events_actor_id_users')),
    sa.ForeignKeyConstraint(['match_id'], ['matches.id'], name=op.f('fk_match_events_match_id_matches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_events'))
    )
    with op.batch_alter_table('match_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_match_events_match_id'), ['match_id'], unique=False)

    op.create_table('roadshow_meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('roadshow_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('lineup_item_id', sa.Integer(), nullable=False),
    sa.Column('match_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.Enum('requested', 'accepted', 'declined', 'scheduled', 'held', 'cancelled', name='meetingstate', native_enum=False, length=32), nullable=False),
    sa.Column('slot_index', sa.Integer(), nullable=True),
    sa.Column('table_number', sa.Integer(), nullable=True),
    sa.Column('created_at', matchmaker.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lineup_item_id'], ['roadshow_lineup.id'], name=op.f('fk_roadshow_meetings_lineup_item_id_roadshow_lineup')),
    sa.ForeignKeyConstraint(['match_id'], ['matches.id'], name=op.f('fk_roadshow_meetings_match_id_matches')),
    sa.ForeignKeyConstraint(['registration_id'], ['roadshow_registrations.id'], name=op.f('fk_roadshow_meetings_registration_id_roadshow_registrations')),
    sa.ForeignKeyConstraint(['roadshow_id'], ['roadshows.id'], name=op.f('fk_roadshow_meetings_roadshow_id_roadshows'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roadshow_meetings')),
    sa.UniqueConstraint('registration_id', 'lineup_item_id', name=op.f('uq_roadshow_meetings_registration_id_lineup_item_id'))
    )
    with op.batch_alter_table('roadshow_meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roadshow_meetings_roadshow_id'), ['roadshow_id'], unique=False)

    op.create_table('roadshow_followups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('roadshow_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('intent', sa.Enum('none', 'further_talks', 'trial', 'contract', name='followupintent', native_enum=False, length=32), nullable=False),
    sa.Column('contract_value', sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', matchmaker.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['roadshow_meetings.id'], name=op.f('fk_roadshow_followups_meeting_id_roadshow_meetings')),
    sa.ForeignKeyConstraint(['roadshow_id'], ['roadshows.id'], name=op.f('fk_roadshow_followups_roadshow_id_roadshows'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_roadshow_followups_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roadshow_followups'))
    )


def downgrade() -> None:
    op.drop_table('roadshow_followups')
    with op.batch_alter_table('roadshow_meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roadshow_meetings_roadshow_id'))

    op.drop_table('roadshow_meetings')
    with op.batch_alter_table('match_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_match_events_match_id'))

    op.drop_table('match_events')
    with op.batch_alter_table('roadshow_registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roadshow_registrations_user_id'))

    op.drop_table('roadshow_registrations')
    op.drop_table('roadshow_lineup')
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matches_state'))
        batch_op.drop_index(batch_op.f('ix_matches_score'))
        batch_op.drop_index(batch_op.f('ix_matches_assignee_id'))
        batch_op.drop_index(batch_op.f('ix_matches_achievement_id'))

    op.drop_table('matches')
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_sha256'))
        batch_op.drop_index(batch_op.f('ix_attachments_need_id'))
        batch_op.drop_index(batch_op.f('ix_attachments_achievement_id'))

    op.drop_table('attachments')
    op.drop_table('roadshows')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_unread')

    op.drop_table('notifications')
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_needs_state'))
        batch_op.drop_index(batch_op.f('ix_needs_region'))
        batch_op.drop_index(batch_op.f('ix_needs_owner_id'))
        batch_op.drop_index(batch_op.f('ix_needs_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_needs_field'))

    op.drop_table('needs')
    op.drop_table('jobs')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_entity')
        batch_op.drop_index(batch_op.f('ix_audit_log_created_at'))
        batch_op.drop_index(batch_op.f('ix_audit_log_actor_id'))
        batch_op.drop_index(batch_op.f('ix_audit_log_action'))

    op.drop_table('audit_log')
    with op.batch_alter_table('achievements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_achievements_state'))
        batch_op.drop_index(batch_op.f('ix_achievements_region'))
        batch_op.drop_index(batch_op.f('ix_achievements_owner_id'))
        batch_op.drop_index(batch_op.f('ix_achievements_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_achievements_field'))

    op.drop_table('achievements')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_role'))
        batch_op.drop_index(batch_op.f('ix_users_organisation_id'))

    op.drop_table('users')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_recipient'))

    op.drop_table('outbox')
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisations_name'))

    op.drop_table('organisations')
