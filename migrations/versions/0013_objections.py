"""objections: residents' objections (异议) to awards during 公示

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 15:10:00.000000

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('objection',
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('transfer_id', sa.Integer(), nullable=False),
    sa.Column('objector_id', sa.Integer(), nullable=False),
    sa.Column('awarded_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('photo', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decision_reason', sa.String(length=500), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reversal_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status in ('open','upheld','dismissed')", name='ck_objection_status'),
    sa.ForeignKeyConstraint(['awarded_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['community_id'], ['community.id'], ),
    sa.ForeignKeyConstraint(['decided_by'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['objector_id'], ['user_account.id'], ),
    sa.ForeignKeyConstraint(['reversal_id'], ['transfer.id'], ),
    sa.ForeignKeyConstraint(['transfer_id'], ['transfer.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('transfer_id', 'objector_id', name='uq_objection_transfer_objector')
    )
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.create_index('ix_objection_queue', ['community_id', 'status', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_objection_objector_id'), ['objector_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_objection_transfer_id'), ['transfer_id'], unique=False)


def downgrade():
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objection_transfer_id'))
        batch_op.drop_index(batch_op.f('ix_objection_objector_id'))
        batch_op.drop_index('ix_objection_queue')
    op.drop_table('objection')
