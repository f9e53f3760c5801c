"""Read-only look-ups for the ledger's pages and API: coordinated communities, residents with balances, funds."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from pointsbank.errors import NotFound
from pointsbank.extensions import db
from pointsbank.ledger.models import Account
from pointsbank.people.models import Community, User


def managed_community_ids(user: Any) -> set[int]:
    """The communities whose accounts the user manages (admins: all); NotFound when none."""
    ids = set(user.coordinated_community_ids())
    if user.is_admin:
        ids = set(db.session.scalars(sa.select(Community.id)))
    if not ids:
        raise NotFound()
    return ids


def residents_with_accounts(
    community_ids: set[int], q: str = "", *, page: int = 1, per_page: int = 20
) -> tuple[list[tuple[User, Account | None]], int]:
    """Residents of these communities matching a name or mobile fragment, with their accounts; and the total."""
    query = (
        sa.select(User, Account)
        .outerjoin(Account, sa.and_(Account.owner_user_id == User.id, Account.kind == "resident"))
        .where(User.community_id.in_(community_ids))
    )
    if q:
        like = f"%{q.replace('%', '').replace('_', '')}%"
        query = query.where(sa.or_(User.name.like(like), User.phone.like(like)))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = db.session.execute(query.order_by(User.id).limit(per_page).offset((page - 1) * per_page)).all()
    return [(user, account) for user, account in rows], int(total or 0)


def owner_of(account: Account | None) -> User | None:
    """The person who owns a resident account (from the session when already loaded)."""
    if account is None or account.owner_user_id is None:
        return None
    return db.session.get(User, account.owner_user_id)


def fund_of(community_ids: set[int], community_id: int) -> tuple[Community, list[Community], Account | None]:
    """One managed community, all managed communities, and its charity fund account (None before its first use)."""
    if community_id not in community_ids:
        raise NotFound()
    communities = db.session.scalars(sa.select(Community).where(Community.id.in_(community_ids))).all()
    community = next((c for c in communities if c.id == community_id), None)
    if community is None:
        raise NotFound()
    account = db.session.scalar(sa.select(Account).where(Account.owner_key == f"fund:{community_id}"))
    return community, list(communities), account
