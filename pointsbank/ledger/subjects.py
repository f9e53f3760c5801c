"""Read-only: the transfers a subject (a report, a rule...) caused, and what they credited to residents."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from pointsbank.extensions import db
from pointsbank.ledger.models import Account, Entry, Transfer


def resident_totals(subject_type: str, subject_ids: Iterable[int]) -> dict[int, int]:
    """Net points the subjects' transfers credited to resident accounts (reversals subtract), one statement."""
    ids = sorted(set(subject_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Transfer.subject_id, sa.func.coalesce(sa.func.sum(Entry.amount), 0))
        .join(Entry, Entry.transfer_id == Transfer.id)
        .join(Account, Account.id == Entry.account_id)
        .where(Transfer.subject_type == subject_type, Transfer.subject_id.in_(ids), Account.kind == "resident")
        .group_by(Transfer.subject_id)
    ).all()
    totals = dict.fromkeys(ids, 0)
    totals.update({int(subject_id): int(total) for subject_id, total in rows})
    return totals


def unreversed_transfers(subject_type: str, subject_id: int, kinds: Iterable[str] = ("award",)) -> list[Transfer]:
    """The subject's transfers of these kinds that no reversal has mirrored yet, oldest first."""
    reversal = aliased(Transfer)
    return list(
        db.session.scalars(
            sa.select(Transfer)
            .outerjoin(reversal, reversal.reverses_id == Transfer.id)
            .where(
                Transfer.subject_type == subject_type,
                Transfer.subject_id == subject_id,
                Transfer.kind.in_(list(kinds)),
                reversal.id.is_(None),
            )
            .order_by(Transfer.id)
        )
    )
