"""An award's 公示 state, derived from the data: in 公示 until a date, objected, final or reversed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from pointsbank.db import utcnow
from pointsbank.errors import NotFound
from pointsbank.extensions import db
from pointsbank.ledger.models import Account, Entry, Transfer
from pointsbank.objections.models import Objection
from pointsbank.people.models import Community, RoleGrant
from pointsbank.rules.publicity import publicity_end

# The transfers the public board lists as awards (the same kinds as insights' AWARD_KINDS).
AWARD_KINDS = ("award", "fund_award")
STATES = ("in_publicity", "objected", "final", "reversed")
# The approver's role on the board (never their name).
ROLES = ("coordinator", "admin", "staff", "system")


def state_of(until: datetime | None, reversed_: bool, open_objections: int, now: datetime | None = None) -> str:
    """reversed, then objected (an open objection), then in 公示 until `until`, else final."""
    if reversed_:
        return "reversed"
    if open_objections:
        return "objected"
    if until is not None and (now or utcnow()) < until:
        return "in_publicity"
    return "final"


@dataclass
class Award:
    """One award (a transfer paying a resident) with what 公示 needs to know about it."""

    transfer_id: int
    kind: str
    community_id: int
    resident_id: int
    points: int
    memo: str
    approved_at: datetime
    approver_id: int | None
    until: datetime | None
    reversed: bool
    open_objections: int

    @property
    def state(self) -> str:
        return state_of(self.until, self.reversed, self.open_objections)

    @property
    def objectable(self) -> bool:
        """Objections are taken while the award is in 公示 (an open objection does not end the window)."""
        return not self.reversed and self.until is not None and utcnow() < self.until


def get_award(transfer_id: int) -> Award:
    """The award of a transfer (404 award_not_found unless it is an award paid to a resident)."""
    reversal = aliased(Transfer)
    query = (
        sa.select(
            Transfer.id,
            Transfer.kind,
            Transfer.memo,
            Transfer.created_at,
            Transfer.actor_id,
            Entry.amount,
            Entry.community_id,
            Account.owner_user_id,
            Community.publicity_days,
            reversal.id.label("reversal_id"),
        )
        .join(Entry, Entry.transfer_id == Transfer.id)
        .join(Account, Account.id == Entry.account_id)
        .join(Community, Community.id == Entry.community_id)
        .outerjoin(reversal, reversal.reverses_id == Transfer.id)
        .where(
            Transfer.id == transfer_id,
            Transfer.kind.in_(AWARD_KINDS),
            Account.kind == "resident",
            Entry.amount > 0,
        )
    )
    row = db.session.execute(query).first()
    if row is None:
        raise NotFound("award_not_found")
    return Award(
        transfer_id=row.id,
        kind=row.kind,
        community_id=row.community_id,
        resident_id=row.owner_user_id,
        points=int(row.amount),
        memo=row.memo,
        approved_at=row.created_at,
        approver_id=row.actor_id,
        until=publicity_end(row.created_at, row.publicity_days),
        reversed=row.reversal_id is not None,
        open_objections=open_counts([row.id]).get(row.id, 0),
    )


def open_counts(transfer_ids: Iterable[int]) -> dict[int, int]:
    """Open objections per award (one query)."""
    ids = sorted(set(transfer_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Objection.transfer_id, sa.func.count(Objection.id))
        .where(Objection.transfer_id.in_(ids), Objection.status == "open")
        .group_by(Objection.transfer_id)
    ).all()
    return {transfer_id: int(n) for transfer_id, n in rows}


def approver_roles(user_ids: Iterable[int | None], community_id: int) -> dict[int | None, str]:
    """The role each approver held for the community (one query); no role at all (or no approver) is "system"."""
    ids = sorted({i for i in user_ids if i is not None})
    roles: dict[int | None, str] = {None: "system"}
    if not ids:
        return roles
    grants = db.session.execute(
        sa.select(RoleGrant.user_id, RoleGrant.role, RoleGrant.community_id).where(RoleGrant.user_id.in_(ids))
    ).all()
    held: dict[int, set[str]] = {}
    for user_id, role, grant_community in grants:
        if role != "coordinator" or grant_community == community_id:
            held.setdefault(user_id, set()).add(role)
    for user_id in ids:
        mine = held.get(user_id, set())
        if "coordinator" in mine or "admin" in mine:
            roles[user_id] = "coordinator" if "coordinator" in mine else "admin"
        else:
            roles[user_id] = "staff" if mine else "system"
    return roles


def publicity_days(community_id: int) -> int:
    """The community's 公示 period in days (0: none)."""
    community = db.session.get(Community, community_id)
    return community.publicity_days if community is not None else 0
