"""an interest request can become a pipeline match (interest_requests.match_id): the requester
ties it to one of their own listings, and the thread's meeting, agreement and contract steps
move that match

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 04:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('interest_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('match_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_interest_requests_match_id'), ['match_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_interest_requests_match_id_matches'), 'matches', ['match_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('interest_requests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_interest_requests_match_id_matches'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_interest_requests_match_id'))
        batch_op.drop_column('match_id')
