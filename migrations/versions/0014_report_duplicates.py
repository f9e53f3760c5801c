"""reports: an index for duplicate suggestions; a report's points are read from the ledger, not stored

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 15:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.create_index('ix_report_duplicate_probe', ['community_id', 'category_id', 'created_at'], unique=False)
        batch_op.drop_column('points_awarded')


def downgrade():
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('points_awarded', sa.Integer(), server_default='0', nullable=False))
        batch_op.drop_index('ix_report_duplicate_probe')
