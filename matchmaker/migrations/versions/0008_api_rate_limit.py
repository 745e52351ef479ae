"""api token rate-limit window

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 21:40:00
"""

from alembic import op
import sqlalchemy as sa
import matchmaker.db


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('window_started_at', matchmaker.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('window_requests', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('window_requests')
        batch_op.drop_column('window_started_at')
