"""items: a reference value in fen (1/100 yuan), for the liability view

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-08 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reference_value_fen', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            'ck_item_reference_value_nonnegative', 'reference_value_fen is null or reference_value_fen >= 0'
        )


def downgrade():
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_constraint('ck_item_reference_value_nonnegative', type_='check')
        batch_op.drop_column('reference_value_fen')
