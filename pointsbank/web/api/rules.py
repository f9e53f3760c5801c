"""API: point rules (draft, publish, change, retire) and the approval queue (pending awards)."""

from __future__ import annotations

import uuid

from flask_login import current_user

from pointsbank.db import unit_of_work
from pointsbank.errors import NotFound
from pointsbank.rules import schemas as s
from pointsbank.rules import service as rules
from pointsbank.rules.models import PendingAward
from pointsbank.web.api.base import IDEMPOTENCY_HEADER, SECURITY, ApiBlueprint, api_auth, errors, idempotency_header
from pointsbank.web.api.pagination import page_of
from pointsbank.web.devices import note_device

blp = ApiBlueprint(
    "api_rules",
    __name__,
    url_prefix="/api/v1",
    description="Point rules and the approval queue",
)


@blp.get("/rules")
@blp.arguments(s.RuleQuerySchema, location="query")
@blp.response(200, s.RulePageSchema)
@errors(400, 401)
@blp.doc(security=SECURITY)
@api_auth
def list_rules(args):
    """Rules: every status for the communities I coordinate; the rules in force in my community otherwise."""
    if current_user.has_role("coordinator") or current_user.is_admin:
        items, total = rules.list_rules(
            current_user,
            community_id=args.get("community_id"),
            status=args.get("status"),
            category=args.get("category"),
            page=args["page"],
            per_page=args["per_page"],
        )
        return page_of(items, args, total)
    if not current_user.community_id or args.get("status") not in (None, "published"):
        return {"items": [], "total": 0}
    if args.get("community_id") not in (None, current_user.community_id):
        return {"items": [], "total": 0}
    versions = rules.rules_in_force(current_user.community_id, category=args.get("category"))
    return page_of([v.rule for v in versions], args)


@blp.post("/rules")
@blp.arguments(s.RuleCreateSchema)
@blp.response(201, s.RuleSchema)
@errors(400, 401, 404, 409, 422)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def create_rule(data):
    """Draft a rule (coordinator of the community)."""
    community_id = data.pop("community_id")
    return rules.create_rule(current_user, community_id, **data)


@blp.get("/rules/<int:rule_id>")
@blp.response(200, s.RuleSchema)
@errors(401, 404)
@blp.doc(security=SECURITY)
@api_auth
def get_rule(rule_id: int):
    """One rule with its version in force and its latest version."""
    return rules.get_rule(rule_id, current_user)


@blp.get("/rules/<int:rule_id>/versions")
@blp.response(200, s.RuleVersionSchema(many=True))
@errors(401, 404)
@blp.doc(security=SECURITY)
@api_auth
def rule_versions(rule_id: int):
    """Every version of a rule, oldest first (coordinators)."""
    rule = rules.get_rule(rule_id, current_user, manage=True)
    return [v for v in rule.versions if v.published_at is not None or rule.status == "draft"]


@blp.patch("/rules/<int:rule_id>")
@blp.arguments(s.RuleUpdateSchema)
@blp.response(200, s.RuleSchema)
@errors(400, 401, 404, 409, 422)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def update_rule(data, rule_id: int):
    """Change a rule: a draft changes in place; a published rule gets a new version (past awards keep theirs)."""
    rule = rules.get_rule(rule_id, current_user, manage=True)
    rules.update_rule(current_user, rule, **data)
    return rule


@blp.post("/rules/<int:rule_id>/publish")
@blp.response(200, s.RuleSchema)
@errors(401, 404, 409, 422)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def publish_rule(rule_id: int):
    """Publish a draft rule."""
    return rules.publish_rule(current_user, rules.get_rule(rule_id, current_user, manage=True))


@blp.post("/rules/<int:rule_id>/retire")
@blp.response(200, s.RuleSchema)
@errors(401, 404)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def retire_rule(rule_id: int):
    """Retire a rule."""
    return rules.retire_rule(current_user, rules.get_rule(rule_id, current_user, manage=True))


@blp.post("/rules/<int:rule_id>/awards")
@blp.arguments(s.AwardRequestSchema)
@blp.response(201, s.AwardOutcomeSchema)
@errors(400, 401, 404, 409, 422)
@blp.doc(security=SECURITY, parameters=[IDEMPOTENCY_HEADER])
@api_auth
@unit_of_work
def award(data, rule_id: int):
    """Award a resident under the rule in force (caps apply; approval rules queue).

    The rule's evidence is enforced: check-in and report rules pay only from activities and reports
    (422 `rule_pays_from_activity`, `rule_pays_from_report`); a witness rule needs `witness_id` and the award
    waits for approval (422 `witness_required`, `invalid_witness`); a photo rule needs the award page's photo
    upload (422 `photo_required`).
    """
    rule = rules.get_rule(rule_id, current_user, manage=True)
    key = idempotency_header() or uuid.uuid4().hex  # the service scopes it by rule and coordinator
    outcome = rules.award_by_coordinator(
        current_user,
        rule,
        data["resident_id"],
        quantity=data["quantity"],
        note=data["note"],
        key=key,
        witness_id=data.get("witness_id"),
    )
    if not outcome.replayed:
        note_device("award", current_user, rule.community_id)
    return outcome


# ---------------------------------------------------------------- approval queue


@blp.get("/pending-awards")
@blp.arguments(s.PendingQuerySchema, location="query")
@blp.response(200, s.PendingAwardPageSchema)
@errors(400, 401)
@blp.doc(security=SECURITY)
@api_auth
def list_pending(args):
    """The approval queue of my communities (oldest first), or with mine=true my own awards (newest first)."""
    if args["mine"] or not (current_user.has_role("coordinator") or current_user.is_admin):
        items, total = rules.my_pending(
            current_user, status=args.get("status"), page=args["page"], per_page=args["per_page"]
        )
        return page_of(items, args, total)
    items, total = rules.queue(
        current_user, status=args.get("status") or "pending", page=args["page"], per_page=args["per_page"]
    )
    return page_of(items, args, total)


def _pending_to_decide(pending_id: int) -> PendingAward:
    return rules.pending_to_decide(pending_id, current_user)


@blp.get("/pending-awards/<int:pending_id>")
@blp.response(200, s.PendingAwardSchema)
@errors(401, 404)
@blp.doc(security=SECURITY)
@api_auth
def get_pending(pending_id: int):
    """One pending award (mine, or in a community I coordinate)."""
    return rules.get_pending(pending_id, current_user)


@blp.post("/pending-awards/<int:pending_id>/approve")
@blp.response(200, s.PendingAwardSchema)
@errors(401, 404, 409, 422)
@blp.doc(security=SECURITY, parameters=[IDEMPOTENCY_HEADER])
@api_auth
@unit_of_work
def approve(pending_id: int):
    """Approve: posts the award once, with caps applied now (approving again changes nothing)."""
    return rules.approve(_pending_to_decide(pending_id), current_user)


@blp.post("/pending-awards/<int:pending_id>/reject")
@blp.arguments(s.RejectSchema)
@blp.response(200, s.PendingAwardSchema)
@errors(400, 401, 404, 409, 422)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def reject(data, pending_id: int):
    """Reject with a reason the resident sees."""
    return rules.reject(_pending_to_decide(pending_id), current_user, data["reason"])


@blp.post("/pending-awards/bulk-approve")
@blp.arguments(s.BulkApproveSchema)
@blp.response(200, s.BulkResultSchema)
@errors(400, 401, 404)
@blp.doc(security=SECURITY, parameters=[IDEMPOTENCY_HEADER])
@api_auth
@unit_of_work
def bulk_approve(data):
    """Approve several; awards already decided, my own, or outside my communities are skipped."""
    if not (current_user.has_role("coordinator") or current_user.is_admin):
        raise NotFound()
    return rules.approve_many(data["ids"], current_user)
