"""resident cards: the replaced card's secret, so a lost card answers `revoked`

Revision ID: 0020
Revises: 0014
Create Date: 2026-12-03 16:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('resident_card', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_secret', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_resident_card_previous_secret'), ['previous_secret'], unique=False)


def downgrade():
    with op.batch_alter_table('resident_card', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resident_card_previous_secret'))
        batch_op.drop_column('previous_secret')
