"""Rule evidence on pending awards (photo, witness); one published rule per title in a community.

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-03 12:00:14.734263

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None

WHERE = "status = 'published'"


def _rename_duplicate_titles() -> None:
    """Published rules sharing a title in one community: all but the first get their grade (or id) added."""
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(f"SELECT id, community_id, title FROM rule WHERE {WHERE} ORDER BY community_id, title, id")
    ).all()
    taken = {(r.community_id, r.title) for r in rows}
    seen: set[tuple[int, str]] = set()
    for rule_id, community_id, title in rows:
        if (community_id, title) not in seen:
            seen.add((community_id, title))
            continue
        grade = conn.execute(
            sa.text("SELECT grade FROM rule_version WHERE rule_id = :id ORDER BY version DESC LIMIT 1"), {"id": rule_id}
        ).scalar()
        new = f"{title}：{grade}"[:80] if grade else f"{title}（{rule_id}）"[:80]
        if (community_id, new) in taken:
            new = f"{title}（{rule_id}）"[:80]
        taken.add((community_id, new))
        conn.execute(sa.text("UPDATE rule SET title = :t WHERE id = :id"), {"t": new, "id": rule_id})


def upgrade():
    with op.batch_alter_table("pending_award", schema=None) as batch_op:
        batch_op.add_column(sa.Column("evidence_photo", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("witness_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_pending_award_witness_id", "user_account", ["witness_id"], ["id"])

    _rename_duplicate_titles()
    with op.batch_alter_table("rule", schema=None) as batch_op:
        batch_op.create_index(
            "uq_rule_published_title",
            ["community_id", "title"],
            unique=True,
            sqlite_where=sa.text(WHERE),
            postgresql_where=sa.text(WHERE),
        )


def downgrade():
    with op.batch_alter_table("rule", schema=None) as batch_op:
        batch_op.drop_index("uq_rule_published_title")

    with op.batch_alter_table("pending_award", schema=None) as batch_op:
        batch_op.drop_constraint("fk_pending_award_witness_id", type_="foreignkey")
        batch_op.drop_column("witness_id")
        batch_op.drop_column("evidence_photo")
