"""roadshow web: organisation typed by public registrants

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 19:30:00.000000
"""

from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('roadshow_registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_name', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('roadshow_registrations', schema=None) as batch_op:
        batch_op.drop_column('organisation_name')
