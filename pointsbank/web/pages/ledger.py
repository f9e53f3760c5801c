"""Pages: my points (balance, on hold, expiring, statement), donations, and coordinator views."""

from __future__ import annotations

import functools
import uuid
from datetime import date, datetime

from babel.dates import format_skeleton
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from pointsbank.db import unit_of_work
from pointsbank.errors import NotFound
from pointsbank.ledger import expiry, lookup
from pointsbank.ledger import service as ledger
from pointsbank.ledger import statement as ledger_statement
from pointsbank.ledger.forms import (
    AdjustmentForm,
    DecisionForm,
    DonateForm,
    FundAwardForm,
)
from pointsbank.rules import publicity
from pointsbank.web.hooks import SHANGHAI
from pointsbank.web.nav import Link

bp = Blueprint("ledger", __name__, url_prefix="/ledger")
PER_PAGE = 20


def home_links(user) -> list[Link]:
    """My points for residents; accounts, adjustments and the fund for coordinators."""
    links = []
    if user.has_role("resident"):
        links.append(Link(_l("My points"), url_for("ledger.index"), _l("Balance and statement")))
    if user.coordinated_community_ids() or user.is_admin:
        links.append(Link(_l("Points accounts"), url_for("ledger.accounts"), _l("Find a resident's points")))
        links.append(Link(_l("Adjustments"), url_for("ledger.adjustments"), _l("Corrections and approvals")))
        links.append(Link(_l("Charity fund"), url_for("ledger.fund"), _l("Donations and fund awards")))
    return links


@bp.app_template_filter("statement_time")
def statement_time(value: datetime) -> str:
    """A statement line's stored UTC time in Asia/Shanghai as local_time shows it, without Babel's per-call lookups."""
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


@bp.app_template_filter("statement_month")
def statement_month(value: datetime) -> str:
    """The local calendar month of a statement line, in the reader's language (2026年12月, December 2026)."""
    local = value.astimezone(SHANGHAI)
    return _month_label(local.year, local.month, str(get_locale() or "zh_Hans"))


@bp.app_template_filter("groupby_month")
def groupby_month(lines) -> list[tuple[str, list]]:
    """Consecutive statement lines grouped under their local month's label."""
    groups: list[tuple[str, list]] = []
    for line in lines:
        label = statement_month(line.created_at)
        if not groups or groups[-1][0] != label:
            groups.append((label, []))
        groups[-1][1].append(line)
    return groups


@functools.lru_cache(maxsize=256)
def _month_label(year: int, month: int, locale: str) -> str:
    return format_skeleton("yMMMM", date(year, month, 1), locale=locale)


def _page() -> int:
    return max(1, min(request.args.get("page", 1, type=int) or 1, 100000))


def _cursor(name: str) -> int | None:
    """A keyset cursor from ?before= / ?after=; anything else (or out of range) is ignored."""
    value = request.args.get(name, type=int)
    return value if value is not None and 0 <= value < 2**31 else None


def _statement_args() -> dict:
    """The statement's keyset cursor and filters from the query string (bad values fall back to none)."""
    flow = request.args.get("flow")
    after = _cursor("after")
    return {
        "before": None if after is not None else _cursor("before"),
        "after": after,
        "flow": flow if flow in ledger.FLOWS else None,
        "q": (request.args.get("q") or "").strip()[: ledger_statement.SEARCH_MAX] or None,
    }


def _statement(account) -> dict:
    """Template values of one statement page: the lines, cursors and the filters in use."""
    args = _statement_args()
    return {"page": ledger.statement_page(account, per_page=PER_PAGE, **args), "filters": args}


def _require_coordinator() -> set[int]:
    return lookup.managed_community_ids(current_user)


@bp.get("/")
@login_required
def index():
    """My points: the big number, points on hold, points expiring soon, and the statement."""
    if not current_user.has_role("resident"):
        raise NotFound("not_a_resident", _l("You have no points account."))
    account, policy = ledger.find_resident_account_with_policy(current_user)
    balance = ledger.balance_of(account)
    return render_template(
        "ledger/index.html",
        balance=balance,
        in_publicity=publicity.points_in_publicity(account.id) if balance.on_hold else 0,
        soon=expiry.expiring_soon(account, policy=policy),
        st=_statement(account),
    )


@bp.route("/donate", methods=["GET", "POST"])
@login_required
def donate():
    """Give points to the community charity fund (爱心基金)."""
    if not current_user.has_role("resident"):
        raise NotFound("not_a_resident", _l("You have no points account."))
    form = DonateForm()
    if request.method == "GET":
        form.request_key.data = uuid.uuid4().hex
    if form.validate_on_submit():
        _donate(form.points.data, form.request_key.data)
        flash(_("Thank you! %(points)s points went to the charity fund.", points=form.points.data), "success")
        return redirect(url_for("ledger.index"))
    balance = ledger.balance(ledger.find_resident_account(current_user))
    return render_template("ledger/donate.html", form=form, balance=balance), 400 if request.method == "POST" else 200


@unit_of_work
def _donate(points: int, request_key: str) -> None:
    ledger.donate(current_user, points, key=f"page:donation:{current_user.id}:{request_key}")


@bp.get("/accounts")
@login_required
def accounts():
    """Coordinators: find residents of their communities by name or mobile number, with balances."""
    community_ids = _require_coordinator()
    q = (request.args.get("q") or "").strip()[:40]
    page = _page()
    rows, total = lookup.residents_with_accounts(community_ids, q, page=page, per_page=PER_PAGE)
    return render_template("ledger/accounts.html", rows=rows, q=q, total=total, page=page, per_page=PER_PAGE)


@bp.get("/accounts/<int:account_id>")
@login_required
def account(account_id: int):
    """One account (own, or any in the coordinator's communities) with its statement."""
    acc = ledger.account_in_scope(current_user, account_id)
    owner = lookup.owner_of(acc)
    manages = current_user.is_admin or acc.community_id in current_user.coordinated_community_ids()
    forms, allowance = {}, None
    if manages and acc.kind == "resident":
        allowance = ledger.allowance(current_user, acc)
        forms = {
            "adjust": AdjustmentForm(request_key=uuid.uuid4().hex),
            "award": FundAwardForm(request_key=uuid.uuid4().hex),
        }
    return render_template(
        "ledger/account.html",
        account=acc,
        owner=owner,
        balance=ledger.balance_of(acc),
        soon=expiry.expiring_soon(acc),
        st=_statement(acc),
        forms=forms,
        allowance=allowance,
    )


@bp.post("/accounts/<int:account_id>/adjust")
@login_required
def adjust(account_id: int):
    """Coordinators: request a manual adjustment (a reason is required)."""
    form = AdjustmentForm()
    if not form.validate_on_submit() or not (form.reason.data or "").strip() or form.amount.data == 0:
        flash(_("Enter non-zero points and a reason."), "error")
        return redirect(url_for("ledger.account", account_id=account_id))
    adjustment = _adjust(account_id, form.amount.data, form.reason.data, form.request_key.data)
    if adjustment.status == "posted":
        flash(_("The adjustment is posted."), "success")
    else:
        flash(_("Beyond your daily allowance: the adjustment waits for a second coordinator's approval."), "info")
    return redirect(url_for("ledger.account", account_id=account_id))


@unit_of_work
def _adjust(account_id: int, amount: int, reason: str, request_key: str):
    acc = ledger.account_in_scope(current_user, account_id)
    return ledger.request_adjustment(
        acc, amount, reason=reason, requested_by=current_user, key=f"page:adjustment:{current_user.id}:{request_key}"
    )


@bp.post("/accounts/<int:account_id>/fund-award")
@login_required
def fund_award(account_id: int):
    """Coordinators: award points from the charity fund to this resident."""
    form = FundAwardForm()
    if not form.validate_on_submit():
        flash(_("Enter points and a reason."), "error")
        return redirect(url_for("ledger.account", account_id=account_id))
    _fund_award(account_id, form.points.data, form.memo.data.strip(), form.request_key.data)
    flash(_("%(points)s points awarded from the charity fund.", points=form.points.data), "success")
    return redirect(url_for("ledger.account", account_id=account_id))


@unit_of_work
def _fund_award(account_id: int, points: int, memo: str, request_key: str) -> None:
    acc = ledger.account_in_scope(current_user, account_id)
    if acc.kind != "resident":
        raise NotFound()
    ledger.fund_award(
        acc,
        points,
        key=f"page:fund-award:{current_user.id}:{request_key}",
        actor=current_user,
        memo=f"爱心基金：{memo}",
    )


@bp.get("/adjustments")
@login_required
def adjustments():
    """Coordinators: the approval queue and recent adjustments."""
    _require_coordinator()
    pending, pending_total = ledger.adjustments_for(current_user, status="pending", page=1, per_page=100)
    page = _page()
    recent, total = ledger.adjustments_for(current_user, page=page, per_page=PER_PAGE)
    return render_template(
        "ledger/adjustments.html",
        pending=pending,
        pending_total=pending_total,
        recent=recent,
        total=total,
        page=page,
        per_page=PER_PAGE,
        form=DecisionForm(),
    )


@bp.post("/adjustments/<int:adjustment_id>/<decision>")
@login_required
def decide(adjustment_id: int, decision: str):
    """Approve (a second coordinator) or reject a pending adjustment."""
    if decision not in ("approve", "reject") or not DecisionForm().validate_on_submit():
        abort(400)
    _decide(adjustment_id, decision)
    flash(_("Approved and posted.") if decision == "approve" else _("Rejected; no points moved."), "success")
    return redirect(url_for("ledger.adjustments"))


@unit_of_work
def _decide(adjustment_id: int, decision: str) -> None:
    adjustment = ledger.adjustment_in_scope(current_user, adjustment_id)
    if decision == "approve":
        ledger.approve_adjustment(adjustment, current_user)
    else:
        ledger.reject_adjustment(adjustment, current_user)


@bp.get("/fund")
@login_required
def fund():
    """Coordinators: each community's charity fund, with its statement."""
    community_ids = sorted(_require_coordinator())
    community_id = request.args.get("community", community_ids[0], type=int)
    community, communities, acc = lookup.fund_of(set(community_ids), community_id)
    return render_template(
        "ledger/fund.html",
        community=community,
        communities=communities,
        balance=ledger.balance(acc),
        st=_statement(acc),
    )
