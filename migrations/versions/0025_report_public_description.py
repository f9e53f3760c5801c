"""reports: the description Open311 may show, set by a coordinator

Revision ID: 0025
Revises: 0020
Create Date: 2026-12-04 06:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_description', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_column('public_description')
