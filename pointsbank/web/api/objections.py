"""API: the public 公示 list of a community's week, objections (异议) and their queue and decision."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_login import current_user

from pointsbank.db import unit_of_work
from pointsbank.insights import service as insights
from pointsbank.objections import schemas as s
from pointsbank.objections import service as objections
from pointsbank.web.api.base import SECURITY, ApiBlueprint, api_auth, errors

blp = ApiBlueprint(
    "api_objections",
    __name__,
    url_prefix="/api/v1",
    description="公示 and objections: the public list of a week's awards, objecting, the queue and the decision",
)


@blp.get("/communities/<int:community_id>/publicity")
@blp.arguments(s.PublicityArgsSchema, location="query")
@blp.response(200, s.PublicitySchema)
@errors(400, 404)
@blp.doc(security=[])
def publicity(args: dict, community_id: int):
    """The week's awards with their 公示 state, public and masked (no login): name masked, approver's role only."""
    community = insights.public_community(community_id)
    week = insights.pick_week(args.get("week"), args.get("day"))
    lines = insights.board(community.id, week, page=args["page"], per_page=args["per_page"])
    items = [
        {
            "transfer_id": line.transfer_id,
            "created_at": line.created_at,
            "name": line.masked_name,
            "rule": line.rule,
            "memo": line.memo,
            "points": line.points,
            "approver_role": line.approver_role,
            "state": line.state,
            "publicity_until": line.until,
        }
        for line in lines
    ]
    return {
        "community_id": community.id,
        "week": week.label,
        "publicity_days": community.publicity_days,
        "items": items,
        "total": insights.board_totals(community.id, week).awards,
        "page": args["page"],
        "per_page": args["per_page"],
    }


@blp.post("/awards/<int:transfer_id>/objections")
@blp.arguments(s.ObjectionFormSchema, location="form")
@blp.arguments(s.ObjectionFilesSchema, location="files")
@blp.response(201, s.ObjectionSchema)
@errors(400, 401, 404, 409, 413, 422)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def file_objection(form: dict, files: dict, transfer_id: int):
    """Object to an award while it is in 公示 (multipart: reason, optional photo); a resident of its community, once.

    404 outside your community; 422 `publicity_over` after the period or once reversed, `own_award` for your own;
    409 `already_objected`.
    """
    photo = request.files.get("photo")
    if photo is not None and photo.filename:
        photo.stream.seek(0)
        stream = photo.stream
    else:
        stream = None
    return objections.file_objection(current_user, transfer_id, form["reason"], stream)


def _queue_item(item: objections.QueueItem) -> dict[str, Any]:
    o, award = item.objection, item.award
    return {
        "id": o.id,
        "community_id": o.community_id,
        "transfer_id": o.transfer_id,
        "reason": o.reason,
        "photo": o.photo,
        "status": o.status,
        "created_at": o.created_at,
        "decision_reason": o.decision_reason,
        "decided_at": o.decided_at,
        "reversal_id": o.reversal_id,
        "objector_id": o.objector_id,
        "award": {
            "transfer_id": award.transfer_id,
            "resident_id": award.resident_id,
            "points": award.points,
            "memo": award.memo,
            "approved_at": award.approved_at,
            "approver_id": award.approver_id,
            "until": award.until,
            "state": award.state,
        },
    }


@blp.get("/objections")
@blp.arguments(s.QueueArgsSchema, location="query")
@blp.response(200, s.QueuePageSchema)
@errors(400, 401)
@blp.doc(security=SECURITY)
@api_auth
def queue(args: dict):
    """The objections of my communities I may decide (never those to an award I approved), oldest first."""
    items, total = objections.queue(current_user, status=args["status"], page=args["page"], per_page=args["per_page"])
    return {
        "items": [_queue_item(i) for i in items],
        "total": total,
        "page": args["page"],
        "per_page": args["per_page"],
    }


@blp.post("/objections/<int:objection_id>/decision")
@blp.arguments(s.DecisionSchema)
@blp.response(200, s.ObjectionSchema)
@errors(400, 401, 403, 404, 409, 422)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def decide(data: dict, objection_id: int):
    """Uphold (the award is reversed once) or dismiss, with a reason; final: a second decision is 409.

    403 `approver_cannot_decide` for the coordinator who approved the award; 404 outside my communities;
    422 `award_points_spent` when the points are already spent.
    """
    objection = objections.objection_to_decide(objection_id, current_user)
    return objections.decide(objection, current_user, data["outcome"], data["reason"])
