"""API: a community's fraud signals and a coordinator's review of one."""

from __future__ import annotations

from flask_login import current_user

from pointsbank.db import unit_of_work
from pointsbank.paging import page_of_query
from pointsbank.signals import review as signals
from pointsbank.signals import schemas as s
from pointsbank.web.api.base import SECURITY, ApiBlueprint, api_auth, errors

blp = ApiBlueprint(
    "api_signals",
    __name__,
    url_prefix="/api/v1",
    description="Fraud signals: unusual patterns for coordinators to review, never an automatic penalty",
)


@blp.get("/communities/<int:community_id>/signals")
@blp.arguments(s.SignalArgsSchema, location="query")
@blp.response(200, s.SignalPageSchema)
@errors(400, 401, 404)
@blp.doc(security=SECURITY)
@api_auth
def community_signals(args: dict, community_id: int):
    """The community's signals from the nightly run, open first; a coordinator of the community or an admin (404)."""
    return page_of_query(signals.signals_query(current_user, community_id, args["status"]), args)


@blp.post("/signals/<int:signal_id>/review")
@blp.arguments(s.ReviewSchema)
@blp.response(200, s.SignalSchema)
@errors(400, 401, 404, 409)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def review_signal(data: dict, signal_id: int):
    """Mark a signal dismissed or confirmed with a note (audited `signal.reviewed`); 404 outside my communities."""
    return signals.review(current_user, signal_id, data["status"], data["note"])
