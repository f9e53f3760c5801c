"""The public board (公示): every award of a week with its 公示 state and totals, and its CSV export."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from pointsbank.db import utcnow
from pointsbank.extensions import db
from pointsbank.insights.champions import AWARD_KINDS
from pointsbank.insights.scope import mask
from pointsbank.insights.weeks import SHANGHAI, Week
from pointsbank.ledger.models import Account, Entry, Transfer
from pointsbank.objections import service as objections
from pointsbank.objections.models import Objection
from pointsbank.people.models import Community, User
from pointsbank.rules.models import Rule, RuleVersion
from pointsbank.rules.publicity import publicity_end

BOARD_MAX_LINES = 2000


CSV_MAX_LINES = 200_000


@dataclass
class BoardLine:
    transfer_id: int
    created_at: datetime
    user_id: int
    name: str
    masked_name: str
    memo: str
    points: int
    kind: str
    reversed: bool
    reversed_at: datetime | None
    rule: str = ""
    approver_id: int | None = None
    approver_role: str = "system"
    until: datetime | None = None
    state: str = "final"

    @property
    def objectable(self) -> bool:
        """Residents may object while the award is in 公示 and not reversed."""
        return not self.reversed and self.until is not None and utcnow() < self.until


@dataclass
class BoardTotals:
    awards: int = 0
    points: int = 0
    reversed_awards: int = 0
    reversed_points: int = 0
    net_points: int = 0
    residents: int = 0


def _board_query(community_id: int, week: Week) -> sa.Select:
    start, end = week.bounds()
    reversal = aliased(Transfer)
    return (
        sa.select(
            Transfer.id,
            Transfer.created_at,
            Transfer.memo,
            Transfer.kind,
            Entry.amount,
            User.id.label("user_id"),
            User.name,
            reversal.created_at.label("reversed_at"),
            Transfer.actor_id,
        )
        .join(Entry, Entry.transfer_id == Transfer.id)
        .join(Account, Account.id == Entry.account_id)
        .join(User, User.id == Account.owner_user_id)
        .outerjoin(reversal, reversal.reverses_id == Transfer.id)
        .where(
            Entry.community_id == community_id,
            Entry.created_at >= start,
            Entry.created_at < end,
            Account.community_id == community_id,  # equal to the entry's (verify checks it); lets the plan use it
            Account.kind == "resident",
            Transfer.kind.in_(AWARD_KINDS),
            Entry.amount > 0,
        )
    )


def board(community_id: int, week: Week, *, page: int = 1, per_page: int = BOARD_MAX_LINES) -> list[BoardLine]:
    """The award lines of the week, oldest first, with rule, approver's role and 公示 state (two queries)."""
    open_objections = (
        sa.select(sa.func.count(Objection.id))
        .where(Objection.transfer_id == Transfer.id, Objection.status == "open")
        .correlate(Transfer)
        .scalar_subquery()
    )
    rows = db.session.execute(
        _board_query(community_id, week)
        .add_columns(Rule.title.label("rule"), open_objections.label("open_objections"))
        .outerjoin(RuleVersion, RuleVersion.id == Transfer.rule_version_id)
        .outerjoin(Rule, Rule.id == RuleVersion.rule_id)
        .order_by(Transfer.created_at.asc(), Transfer.id.asc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    community = db.session.get(Community, community_id)
    days = community.publicity_days if community is not None else 0
    roles = objections.approver_roles((r.actor_id for r in rows), community_id) if rows else {}
    return [
        BoardLine(
            transfer_id=r.id,
            created_at=r.created_at,
            user_id=r.user_id,
            name=r.name,
            masked_name=mask(r.name),
            memo=r.memo,
            points=int(r.amount),
            kind=r.kind,
            reversed=r.reversed_at is not None,
            reversed_at=r.reversed_at,
            rule=r.rule or "",
            approver_id=r.actor_id,
            approver_role=roles.get(r.actor_id, "system"),
            until=publicity_end(r.created_at, days),
            state=objections.state_of(publicity_end(r.created_at, days), r.reversed_at is not None, r.open_objections),
        )
        for r in rows
    ]


def board_totals(community_id: int, week: Week) -> BoardTotals:
    """Counts and points of the week's awards, reversed ones apart (one aggregate query)."""
    q = _board_query(community_id, week).subquery("lines")
    is_reversed = q.c.reversed_at.is_not(None)
    row = db.session.execute(
        sa.select(
            sa.func.count(q.c.id),
            sa.func.coalesce(sa.func.sum(q.c.amount), 0),
            sa.func.coalesce(sa.func.sum(sa.case((is_reversed, 1), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((is_reversed, q.c.amount), else_=0)), 0),
            sa.func.count(sa.distinct(sa.case((~is_reversed, q.c.user_id)))),
        )
    ).one()
    awards, points, reversed_awards, reversed_points, residents = (int(v or 0) for v in row)
    return BoardTotals(awards, points, reversed_awards, reversed_points, points - reversed_points, residents)


def awards_csv(community_id: int, week: Week) -> bytes:
    """The week's awards as CSV for Excel: UTF-8 with a BOM, Chinese headers, full names (coordinators only)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["周次", "时间", "居民", "事由", "积分", "状态", "流水号"])
    for line in board(community_id, week, per_page=CSV_MAX_LINES):
        writer.writerow(
            [
                week.label,
                line.created_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
                _csv_safe(line.name),
                _csv_safe(line.memo),
                line.points,
                "已撤销" if line.reversed else "有效",
                line.transfer_id,
            ]
        )
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def _csv_safe(text: str) -> str:
    """Keep spreadsheet formulas out of exported text (=, +, -, @ at the start)."""
    return "'" + text if text and text[0] in "=+-@\t\r" else text
