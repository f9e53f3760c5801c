"""entry community and time; adjustment reversals

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 12:03:53.840362

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

BACKFILL = """
UPDATE entry SET
    community_id = (SELECT account.community_id FROM account WHERE account.id = entry.account_id),
    created_at = (SELECT transfer.created_at FROM transfer WHERE transfer.id = entry.transfer_id)
"""


def upgrade():
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('community_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('created_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key('fk_entry_community_id_community', 'community', ['community_id'], ['id'])
    # Entries are append-only on PostgreSQL; the copies of existing rows are filled once, here.
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE entry DISABLE TRIGGER entry_append_only')
        op.execute(BACKFILL)
        op.execute('ALTER TABLE entry ENABLE TRIGGER entry_append_only')
    else:
        op.execute(BACKFILL)
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.create_index('ix_entry_community_created', ['community_id', 'created_at'], unique=False)
    with op.batch_alter_table('adjustment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reverses_transfer_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_adjustment_reverses_transfer_id_transfer', 'transfer', ['reverses_transfer_id'], ['id'])


def downgrade():
    with op.batch_alter_table('adjustment', schema=None) as batch_op:
        batch_op.drop_constraint('fk_adjustment_reverses_transfer_id_transfer', type_='foreignkey')
        batch_op.drop_column('reverses_transfer_id')
    with op.batch_alter_table('entry', schema=None) as batch_op:
        batch_op.drop_index('ix_entry_community_created')
        batch_op.drop_constraint('fk_entry_community_id_community', type_='foreignkey')
        batch_op.drop_column('created_at')
        batch_op.drop_column('community_id')
