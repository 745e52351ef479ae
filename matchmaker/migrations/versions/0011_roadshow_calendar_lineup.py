"""roadshows: when the 1:1 meetings start, the achievements taken out of the lineup, and the
lineup as it was when staff began editing it after publishing

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 10:00:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
import matchmaker.db


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    with op.batch_alter_table('roadshows', schema=None) as batch_op:
        batch_op.add_column(sa.Column('meetings_start_at', matchmaker.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('lineup_removed', JSON, server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('lineup_snapshot', JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('roadshows', schema=None) as batch_op:
        batch_op.drop_column('lineup_snapshot')
        batch_op.drop_column('lineup_removed')
        batch_op.drop_column('meetings_start_at')
