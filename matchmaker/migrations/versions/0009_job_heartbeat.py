"""jobs: the task that runs them, when it was sent, heartbeat and attempts (stalled-job sweep)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 19:30:00
"""

from alembic import op
import sqlalchemy as sa
import matchmaker.db


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('task_name', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('enqueued_at', matchmaker.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('heartbeat_at', matchmaker.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_index('ix_jobs_unfinished', ['finished_at', 'state'])


def downgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_unfinished')
        batch_op.drop_column('attempts')
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('enqueued_at')
        batch_op.drop_column('task_name')
