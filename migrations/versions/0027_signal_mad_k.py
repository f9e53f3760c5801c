"""communities: k of the fraud signals' median + k·MAD threshold as a setting

Revision ID: 0027
Revises: 0025
Create Date: 2026-12-04 13:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0027'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('community', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signal_mad_k', sa.Integer(), server_default='5', nullable=False))


def downgrade():
    with op.batch_alter_table('community', schema=None) as batch_op:
        batch_op.drop_column('signal_mad_k')
