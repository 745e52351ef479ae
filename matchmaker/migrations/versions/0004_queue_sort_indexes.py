"""queue sort indexes

The review queue sorts a tab by newest/oldest (created_at) or by time waiting
(state_changed_at); without these indexes each page sorted every match of the tab
(50 ms at 50k matches on SQLite).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 19:20:00
"""

from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.create_index('ix_matches_state_created_id', ['state', 'created_at', 'id'])
        batch_op.create_index(
            'ix_matches_state_changed_id', ['state', 'state_changed_at', 'id']
        )


def downgrade() -> None:
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.drop_index('ix_matches_state_changed_id')
        batch_op.drop_index('ix_matches_state_created_id')
