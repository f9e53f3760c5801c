"""API: accounts, statements, donations, fund awards and manual adjustments."""

from __future__ import annotations

import uuid
from typing import Any

from flask import jsonify
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from pointsbank.db import unit_of_work
from pointsbank.errors import Invalid, NotFound
from pointsbank.ledger import expiry, lookup
from pointsbank.ledger import schemas as s
from pointsbank.ledger import service as ledger
from pointsbank.ledger.models import Account, Adjustment
from pointsbank.notices.memos import render_memo
from pointsbank.web.api.base import IDEMPOTENCY_HEADER, SECURITY, ApiBlueprint, api_auth, errors, idempotency_key
from pointsbank.web.api.pagination import page_of

blp = ApiBlueprint(
    "api_ledger",
    __name__,
    url_prefix="/api/v1",
    description="Ledger: accounts, statements, donations, fund awards, adjustments",
)


def account_summary(account: Account | None, *, policy: str | None = None) -> dict[str, Any]:
    """Balance, points on hold and points expiring soon for one account (policy: the community's, if known)."""
    bal = ledger.balance_of(account)
    soon = expiry.expiring_soon(account, policy=policy)
    owner = lookup.owner_of(account)
    return {
        "id": account.id if account else None,
        "kind": account.kind if account else "resident",
        "owner_user_id": account.owner_user_id if account else current_user.id,
        "owner_name": owner.name if owner else None,
        "community_id": account.community_id if account else current_user.community_id,
        "station_id": account.station_id if account else None,
        "balance": bal.balance,
        "on_hold": bal.on_hold,
        "available": bal.available,
        "expiring_points": soon.points,
        "expiring_soon": soon.is_soon(),
        "expiring_on": soon.date,
    }


def _key(action: str) -> str:
    """The client's Idempotency-Key scoped by action and user, or a fresh one (a write without a key still posts)."""
    return idempotency_key(action) or f"api:{action}:{current_user.id}:{uuid.uuid4().hex}"


@blp.get("/accounts/me")
@blp.response(200, s.AccountSchema)
@errors(404)
@blp.doc(security=SECURITY)
@api_auth
def my_account():
    """My points: balance, on hold, available, and the points that expire next."""
    if not current_user.has_role("resident"):
        raise NotFound("not_a_resident", _l("You have no points account."))
    account, policy = ledger.find_resident_account_with_policy(current_user)
    return account_summary(account, policy=policy)


@blp.get("/accounts/<int:account_id>")
@blp.response(200, s.AccountSchema)
@errors(404)
@blp.doc(security=SECURITY)
@api_auth
def get_account(account_id: int):
    """One account (yours, or any in the communities you coordinate)."""
    return account_summary(ledger.account_in_scope(current_user, account_id))


@blp.get("/accounts/<int:account_id>/entries")
@blp.arguments(s.StatementArgsSchema, location="query")
@blp.response(200, s.StatementSchema)
@errors(400, 404)
@blp.doc(security=SECURITY)
@api_auth
def account_entries(args, account_id: int):
    """The statement, newest first, keyset-paged (before=/after=), filtered by flow (earned/spent) and reason text."""
    account = ledger.account_in_scope(current_user, account_id)
    page = ledger.statement_page(account, **args)
    items = [dict(vars(line), memo_text=render_memo(line.memo, line.kind)) for line in page.lines]
    return {"items": items, "per_page": args["per_page"], "newer": page.newer, "older": page.older}


@blp.post("/donations")
@blp.arguments(s.DonationArgsSchema)
@blp.response(201, s.TransferSchema)
@errors(404, 409, 422)
@blp.doc(security=SECURITY, parameters=[IDEMPOTENCY_HEADER])
@api_auth
@unit_of_work
def donate(args):
    """Give points to the community fund (爱心基金)."""
    if not current_user.has_role("resident"):
        raise NotFound("not_a_resident", _l("You have no points account."))
    return ledger.donate(current_user, args["points"], key=_key("donation"))


@blp.post("/fund-awards")
@blp.arguments(s.FundAwardArgsSchema)
@blp.response(201, s.TransferSchema)
@errors(404, 409, 422)
@blp.doc(security=SECURITY, parameters=[IDEMPOTENCY_HEADER])
@api_auth
@unit_of_work
def fund_award(args):
    """Coordinators: award points from the community fund to a resident's account."""
    account = ledger.account_in_scope(current_user, args["account_id"])
    if account.kind != "resident":
        raise NotFound()
    return ledger.fund_award(account, args["points"], key=_key("fund-award"), actor=current_user, memo=args["memo"])


@blp.get("/adjustments")
@blp.arguments(s.AdjustmentQuerySchema, location="query")
@blp.response(200, s.AdjustmentListSchema)
@blp.doc(security=SECURITY)
@api_auth
def list_adjustments(args):
    """Coordinators: manual adjustments in your communities, newest first (filter by status)."""
    items, total = ledger.adjustments_for(
        current_user, status=args["status"], page=args["page"], per_page=args["per_page"]
    )
    return page_of(items, args, total)


@blp.post("/adjustments")
@blp.arguments(s.AdjustmentArgsSchema)
@blp.response(201, s.AdjustmentSchema)
@errors(400, 404, 409, 422)
@blp.doc(security=SECURITY, parameters=[IDEMPOTENCY_HEADER])
@api_auth
@unit_of_work
def create_adjustment(args):
    """Coordinators correct a resident's points with a reason; above the threshold a second coordinator approves."""
    account = ledger.account_in_scope(current_user, args["account_id"])
    return ledger.request_adjustment(
        account, args["amount"], reason=args["reason"], requested_by=current_user, key=_key("adjustment")
    )


@blp.post("/adjustments/<int:adjustment_id>/approve")
@blp.response(200, s.AdjustmentSchema)
@errors(403, 404, 409, 422)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def approve_adjustment(adjustment_id: int):
    """A second coordinator approves a pending adjustment; it posts at once."""
    return ledger.approve_adjustment(ledger.adjustment_in_scope(current_user, adjustment_id), current_user)


@blp.post("/adjustments/<int:adjustment_id>/reject")
@blp.response(200, s.AdjustmentSchema)
@errors(404, 409)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def reject_adjustment(adjustment_id: int):
    """A coordinator rejects a pending adjustment; nothing moves."""
    return ledger.reject_adjustment(ledger.adjustment_in_scope(current_user, adjustment_id), current_user)


@blp.post("/transfers/<int:transfer_id>/reversal")
@blp.arguments(s.ReversalArgsSchema)
@blp.response(201, s.TransferSchema)
@blp.alt_response(
    202,
    schema=s.AdjustmentSchema,
    description="Reversing this adjustment goes beyond your allowance: it waits for a second coordinator",
)
@errors(404, 409, 422)
@blp.doc(security=SECURITY, parameters=[IDEMPOTENCY_HEADER])
@api_auth
@unit_of_work
def reverse_transfer(args, transfer_id: int):
    """Coordinators: fix a mistaken award or adjustment with a reversing transfer (once per transfer).

    Reversing an adjustment counts against your daily allowance; beyond it the answer is 202 with the pending
    adjustment, which a second coordinator approves.
    """
    reason = args["reason"].strip()
    if not reason:
        raise Invalid("reason_required", _l("A reason is required."))
    result = ledger.coordinator_reverse(current_user, transfer_id, key=_key(f"reversal:{transfer_id}"), reason=reason)
    if isinstance(result, Adjustment):
        return jsonify(s.AdjustmentSchema().dump(result)), 202
    return result
