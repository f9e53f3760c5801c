"""insights: daily rollups for the dashboards (community days, resident day bits, the mark up to which they hold)

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-09 12:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'rollup_mark',
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.Column('rolled_until', sa.Date(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['community_id'], ['community.id']),
        sa.PrimaryKeyConstraint('community_id'),
    )
    op.create_table(
        'community_day',
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('issued', sa.BigInteger(), nullable=False),
        sa.Column('spent', sa.BigInteger(), nullable=False),
        sa.Column('donated', sa.BigInteger(), nullable=False),
        sa.Column('expired', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['community_id'], ['community.id']),
        sa.PrimaryKeyConstraint('community_id', 'day'),
    )
    op.create_table(
        'resident_days',
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('days', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['account.id']),
        sa.ForeignKeyConstraint(['community_id'], ['community.id']),
        sa.PrimaryKeyConstraint('community_id', 'account_id'),
    )


def downgrade():
    op.drop_table('resident_days')
    op.drop_table('community_day')
    op.drop_table('rollup_mark')
