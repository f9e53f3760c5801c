"""Reversals: the mirror image of a transfer, at most once; and the coordinator's fix for a mistaken award."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from pointsbank.errors import Conflict, Invalid, NotFound, Refused
from pointsbank.extensions import db
from pointsbank.ledger.accounts import _not_own
from pointsbank.ledger.models import Account, Entry, Transfer
from pointsbank.ledger.posting import _by_key, _check_key, _post, _reversal_of


def reverse(transfer: Transfer, *, key: str, actor_id: int | None, reason: str) -> Transfer:
    """Post the mirror image of a transfer; a transfer is reversed at most once."""
    _check_key(key)
    if not reason or not str(reason).strip():
        raise Invalid("reason_required", _l("A reason is required."))
    if transfer.kind == "reversal":
        raise Refused("cannot_reverse_reversal", _l("A reversal cannot itself be reversed."))
    rows = db.session.execute(sa.select(Entry.account_id, Entry.amount).where(Entry.transfer_id == transfer.id)).all()
    if not rows:
        raise NotFound("transfer_not_found")
    legs = [(account_id, -amount) for account_id, amount in rows]
    memo = f"撤销：{transfer.memo}（{str(reason).strip()}）"[:200]
    subject = (transfer.subject_type, transfer.subject_id) if transfer.subject_type else None
    if _by_key(key) is None and _reversal_of(transfer.id) is not None:
        raise Conflict("already_reversed", _l("This transfer has already been reversed."))
    return _post("reversal", legs, key=key, actor_id=actor_id, memo=memo, subject=subject, reverses_id=transfer.id)


REVERSIBLE_BY_COORDINATOR = ("award", "fund_award", "adjustment")


def coordinator_reverse(user: Any, transfer_id: int, *, key: str, reason: str) -> Transfer:
    """A coordinator fixes a mistaken award, fund award or adjustment in their communities by reversing it."""
    transfer = db.session.get(Transfer, transfer_id)
    if transfer is None:
        raise NotFound()
    owners = db.session.execute(
        sa.select(Account.community_id, Account.owner_user_id)
        .join(Entry, Entry.account_id == Account.id)
        .where(Entry.transfer_id == transfer_id)
    ).all()
    community_ids = {community_id for community_id, _ in owners}
    if not user.is_admin and not community_ids <= user.coordinated_community_ids():
        raise NotFound()
    for _, owner_user_id in owners:
        _not_own(user, owner_user_id)
    if transfer.kind not in REVERSIBLE_BY_COORDINATOR:
        raise Refused("not_reversible_here", _l("Only awards and adjustments can be reversed here."))
    return reverse(transfer, key=key, actor_id=user.id, reason=reason)
