"""street and district officers: role grants for a street or a district

Revision ID: 0022
Revises: 0020
Create Date: 2026-12-04 06:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

OLD = "role in ('clerk','coordinator','admin')"
NEW = "role in ('clerk','coordinator','street_officer','district_officer','admin')"


def upgrade():
    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('street_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('district_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_role_grant_street_id_street', 'street', ['street_id'], ['id'])
        batch_op.create_foreign_key('fk_role_grant_district_id_district', 'district', ['district_id'], ['id'])
        batch_op.drop_constraint('ck_role_grant_role', type_='check')
        batch_op.create_check_constraint('ck_role_grant_role', NEW)


def downgrade():
    op.execute("DELETE FROM role_grant WHERE role IN ('street_officer','district_officer')")
    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.drop_constraint('ck_role_grant_role', type_='check')
        batch_op.create_check_constraint('ck_role_grant_role', OLD)
        batch_op.drop_constraint('fk_role_grant_district_id_district', type_='foreignkey')
        batch_op.drop_constraint('fk_role_grant_street_id_street', type_='foreignkey')
        batch_op.drop_column('district_id')
        batch_op.drop_column('street_id')
