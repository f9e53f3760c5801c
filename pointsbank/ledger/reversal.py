"""Reversals: the mirror image of a transfer, at most once."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from pointsbank.errors import Conflict, Invalid, NotFound, Refused
from pointsbank.extensions import db
from pointsbank.ledger.models import Entry, Transfer
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
