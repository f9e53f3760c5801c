"""The entry's copies of its account's community and its transfer's time, checked by `flask ledger verify`."""

from __future__ import annotations

import sqlalchemy as sa

from pointsbank.extensions import db
from pointsbank.ledger.models import Account, Entry, Transfer

MAX_LISTED = 20
NARROW = 1000  # at most this many suspect transfers plus accounts are looked up by id; more: the whole table


def copy_problems(limit: int = MAX_LISTED, suspects: tuple[set[int], set[int]] | None = None) -> list[str]:
    """Entries whose community or time differs from their account's and transfer's (one query).

    suspects: (transfers, accounts) that verify's grouped passes found with such an entry; only their entries
    are then read (the answer is the same: no other entry can differ).
    """
    e, a, t = Entry.__table__, Account.__table__, Transfer.__table__
    wrong_community = e.c.community_id.is_distinct_from(a.c.community_id)
    wrong_time = sa.or_(e.c.created_at.is_(None), e.c.created_at != t.c.created_at)
    query = (
        sa.select(e.c.id, wrong_community.label("community"), wrong_time.label("time"))
        .select_from(e.join(a, a.c.id == e.c.account_id).join(t, t.c.id == e.c.transfer_id))
        .where(sa.or_(wrong_community, wrong_time))
        .order_by(e.c.id)
        .limit(limit)
    )
    if suspects is not None:
        transfers, accounts = suspects
        if not transfers and not accounts:
            return []
        if len(transfers) + len(accounts) <= NARROW:
            query = query.where(sa.or_(e.c.transfer_id.in_(sorted(transfers)), e.c.account_id.in_(sorted(accounts))))
    rows = db.session.execute(query).all()
    problems = []
    for row in rows:
        what = " and ".join(w for w, bad in (("community", row.community), ("time", row.time)) if bad)
        problems.append(f"entry {row.id}: its copy of the {what} differs from its account and transfer")
    return problems
