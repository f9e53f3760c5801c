"""pay codes: the last refused scan's reason, so the resident's phone can say why

Revision ID: 0024
Revises: 0020
Create Date: 2026-12-04 06:20:00

"""

from alembic import op
import sqlalchemy as sa


revision = "0024"
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("pay_code", schema=None) as batch_op:
        batch_op.add_column(sa.Column("refused_reason", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("refused_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("pay_code", schema=None) as batch_op:
        batch_op.drop_column("refused_at")
        batch_op.drop_column("refused_reason")
