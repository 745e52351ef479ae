"""review pipeline

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 15:16:19.168554
"""

from alembic import op
import sqlalchemy as sa
import matchmaker.db


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reject_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('drop_reason', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('first_decided_at', matchmaker.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_matches_state_score_id', ['state', 'score', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.drop_index('ix_matches_state_score_id')
        batch_op.drop_column('first_decided_at')
        batch_op.drop_column('drop_reason')
        batch_op.drop_column('reject_note')

