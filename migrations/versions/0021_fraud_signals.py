"""fraud signals for coordinators and the device records they use

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 06:15:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'fraud_signal',
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('subject_key', sa.String(length=120), nullable=False),
        sa.Column('score', sa.Float(), nullable=False),
        sa.Column('evidence', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('review_note', sa.String(length=500), nullable=True),
        sa.Column('reviewed_by', sa.Integer(), nullable=True),
        sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('first_seen', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen', sa.DateTime(timezone=True), nullable=False),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.CheckConstraint("status in ('open','dismissed','confirmed')", name='ck_fraud_signal_status'),
        sa.ForeignKeyConstraint(['community_id'], ['community.id']),
        sa.ForeignKeyConstraint(['reviewed_by'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('community_id', 'kind', 'subject_key', name='uq_fraud_signal_subject'),
    )
    op.create_index('ix_fraud_signal_queue', 'fraud_signal', ['community_id', 'status'], unique=False)
    op.create_table(
        'device_record',
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('device_hash', sa.String(length=64), nullable=True),
        sa.Column('address_hash', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['community_id'], ['community.id']),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_device_record_probe', 'device_record', ['community_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_device_record_created_at'), 'device_record', ['created_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_device_record_created_at'), table_name='device_record')
    op.drop_index('ix_device_record_probe', table_name='device_record')
    op.drop_table('device_record')
    op.drop_index('ix_fraud_signal_queue', table_name='fraud_signal')
    op.drop_table('fraud_signal')
