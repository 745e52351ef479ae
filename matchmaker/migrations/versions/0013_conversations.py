"""conversations: a thread per introduced match (messages, attachments, meeting proposals,
the agreement step) and what each reader has read, been mailed and unsubscribed from

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 00:46:09.854661
"""

from alembic import op
import sqlalchemy as sa
import matchmaker.db


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('conversations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_kind', sa.String(length=20), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('created_at', matchmaker.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_message_at', matchmaker.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('agreement_reported_at', matchmaker.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('agreement_reported_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agreement_reported_by_id'], ['users.id'], name=op.f('fk_conversations_agreement_reported_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversations')),
    sa.UniqueConstraint('subject_kind', 'subject_id', name=op.f('uq_conversations_subject_kind_subject_id'))
    )
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversations_last_message_at'), ['last_message_at'], unique=False)

    op.create_table('conversation_meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', matchmaker.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('is_online', sa.Boolean(), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('state', sa.Enum('proposed', 'accepted', 'declined', name='meetingproposalstate', native_enum=False, length=32), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', matchmaker.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', matchmaker.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_conversation_meetings_answered_by_id_users')),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_conversation_meetings_conversation_id_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'], name=op.f('fk_conversation_meetings_proposed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_meetings'))
    )
    with op.batch_alter_table('conversation_meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversation_meetings_conversation_id'), ['conversation_id'], unique=False)

    op.create_table('conversation_readers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('last_read_message_id', sa.Integer(), nullable=False),
    sa.Column('last_mailed_message_id', sa.Integer(), nullable=False),
    sa.Column('is_muted', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_conversation_readers_conversation_id_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_conversation_readers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_readers')),
    sa.UniqueConstraint('conversation_id', 'user_id', name=op.f('uq_conversation_readers_conversation_id_user_id'))
    )
    with op.batch_alter_table('conversation_readers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversation_readers_user_id'), ['user_id'], unique=False)

    op.create_table('conversation_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('is_from_association', sa.Boolean(), nullable=False),
    sa.Column('kind', sa.Enum('text', 'meeting_proposed', 'meeting_accepted', 'meeting_declined', 'agreement_reported', 'contract_recorded', name='messagekind', native_enum=False, length=32), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('created_at', matchmaker.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_conversation_messages_author_id_users')),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_conversation_messages_conversation_id_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['conversation_meetings.id'], name=op.f('fk_conversation_messages_meeting_id_conversation_meetings'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_messages'))
    )
    with op.batch_alter_table('conversation_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversation_messages_conversation_id'), ['conversation_id'], unique=False)

    op.create_table('conversation_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('storage_key', sa.String(length=100), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', matchmaker.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['conversation_messages.id'], name=op.f('fk_conversation_attachments_message_id_conversation_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_attachments')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_conversation_attachments_storage_key'))
    )
    with op.batch_alter_table('conversation_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversation_attachments_message_id'), ['message_id'], unique=False)

    # matches introduced before conversations existed get their (empty) thread, as new ones do
    op.execute(sa.text(
        "INSERT INTO conversations (subject_kind, subject_id, created_at) "
        "SELECT 'match', m.id, CURRENT_TIMESTAMP FROM matches m "
        "WHERE lower(m.state) IN ('introduced', 'meeting', 'negotiating', 'signed') "
        "OR (lower(m.state) = 'dropped' AND EXISTS (SELECT 1 FROM match_events e "
        "WHERE e.match_id = m.id AND lower(e.to_state) IN "
        "('introduced', 'meeting', 'negotiating', 'signed')))"
    ))


def downgrade() -> None:
    with op.batch_alter_table('conversation_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conversation_attachments_message_id'))

    op.drop_table('conversation_attachments')
    with op.batch_alter_table('conversation_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conversation_messages_conversation_id'))

    op.drop_table('conversation_messages')
    with op.batch_alter_table('conversation_readers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conversation_readers_user_id'))

    op.drop_table('conversation_readers')
    with op.batch_alter_table('conversation_meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conversation_meetings_conversation_id'))

    op.drop_table('conversation_meetings')
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conversations_last_message_at'))

    op.drop_table('conversations')
