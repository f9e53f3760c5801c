"""marshmallow schemas for rules and the approval queue at the API boundary."""

from __future__ import annotations

from datetime import UTC, datetime

import marshmallow as ma

from pointsbank.rules.models import RULE_CATEGORIES, RULE_EVIDENCE, RULE_UNITS
from pointsbank.schemas import PageArgsSchema
from pointsbank.schemas import UTCTime as Time

ID = {"validate": ma.validate.Range(min=1, max=2**31 - 1)}
CAP = {"allow_none": True, "strict": True, "validate": ma.validate.Range(min=1, max=1_000_000)}
SANE_YEARS = (2000, 2099)  # the OpenAPI document states this as the pattern ^20[0-9]{2}-


def SANE_TIME(value: datetime) -> None:  # noqa: N802  (a validator)
    """The year as written (in the value's own offset) is 2000–2099."""
    if not SANE_YEARS[0] <= value.year <= SANE_YEARS[1]:
        raise ma.ValidationError(f"Must be in the years {SANE_YEARS[0]} to {SANE_YEARS[1]}.")


SANE_TIME_FIELD = {"metadata": {"pattern": "^20[0-9]{2}-"}}


class InputTime(ma.fields.AwareDateTime):
    """An input time; without an offset it is taken as UTC. Its year is 2000–2099."""

    def __init__(self, **kwargs):
        metadata = {**SANE_TIME_FIELD["metadata"], **kwargs.pop("metadata", {})}
        super().__init__(default_timezone=UTC, validate=SANE_TIME, metadata=metadata, **kwargs)


class RuleVersionSchema(ma.Schema):
    id = ma.fields.Integer()
    version = ma.fields.Integer()
    points = ma.fields.Integer()
    unit = ma.fields.String(metadata={"enum": list(RULE_UNITS)})
    grade = ma.fields.String()
    cap_day = ma.fields.Integer(allow_none=True)
    cap_week = ma.fields.Integer(allow_none=True)
    cap_month = ma.fields.Integer(allow_none=True)
    evidence = ma.fields.String(metadata={"enum": list(RULE_EVIDENCE)})
    needs_approval = ma.fields.Boolean()
    valid_from = Time()
    valid_until = Time(allow_none=True)
    published_at = Time(allow_none=True)
    superseded_at = Time(allow_none=True)
    plain_words = ma.fields.Method("_plain")

    def _plain(self, version) -> str:
        from pointsbank.rules.versions import describe

        return describe(version)


class RuleSchema(ma.Schema):
    id = ma.fields.Integer()
    community_id = ma.fields.Integer()
    category = ma.fields.String()
    title = ma.fields.String()
    description = ma.fields.String()
    status = ma.fields.String(metadata={"enum": ["draft", "published", "retired"]})
    current_version = ma.fields.Method("_current", allow_none=True)
    latest_version = ma.fields.Nested(RuleVersionSchema, attribute="latest")

    def _current(self, rule):
        from pointsbank.rules.versions import current_version

        version = current_version(rule)
        return RuleVersionSchema().dump(version) if version else None


class RulePageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(RuleSchema))
    total = ma.fields.Integer()


class RuleQuerySchema(PageArgsSchema):
    community_id = ma.fields.Integer(**ID)
    status = ma.fields.String(validate=ma.validate.OneOf(["draft", "published", "retired"]))
    category = ma.fields.String(validate=ma.validate.OneOf(RULE_CATEGORIES))


class RuleUpdateSchema(ma.Schema):
    category = ma.fields.String(validate=ma.validate.OneOf(RULE_CATEGORIES))
    title = ma.fields.String(validate=ma.validate.Length(min=1, max=80))
    description = ma.fields.String(validate=ma.validate.Length(max=2000))
    grade = ma.fields.String(validate=ma.validate.Length(max=40))
    points = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=100000))
    unit = ma.fields.String(validate=ma.validate.OneOf(RULE_UNITS))
    cap_day = ma.fields.Integer(**CAP)
    cap_week = ma.fields.Integer(**CAP)
    cap_month = ma.fields.Integer(**CAP)
    evidence = ma.fields.String(validate=ma.validate.OneOf(RULE_EVIDENCE))
    needs_approval = ma.fields.Boolean()
    valid_from = InputTime()
    valid_until = InputTime(allow_none=True)


class RuleCreateSchema(RuleUpdateSchema):
    community_id = ma.fields.Integer(required=True, **ID)
    category = ma.fields.String(required=True, validate=ma.validate.OneOf(RULE_CATEGORIES))
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=80))
    points = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=100000))


class PendingAwardSchema(ma.Schema):
    id = ma.fields.Integer()
    community_id = ma.fields.Integer()
    resident_id = ma.fields.Integer()
    resident_name = ma.fields.Function(lambda p: p.resident.name)
    rule_id = ma.fields.Function(lambda p: p.rule_version.rule_id)
    rule_title = ma.fields.Function(lambda p: p.rule_version.rule.title)
    rule_version_id = ma.fields.Integer()
    quantity = ma.fields.Float()
    requested_points = ma.fields.Integer()
    awarded_points = ma.fields.Integer(allow_none=True)
    cap_note = ma.fields.String(allow_none=True, metadata={"description": "Why a cap cut the award, in words"})
    subject_type = ma.fields.String(allow_none=True)
    subject_id = ma.fields.Integer(allow_none=True)
    memo = ma.fields.String()
    status = ma.fields.String(metadata={"enum": ["pending", "approved", "rejected"]})
    reason = ma.fields.String(allow_none=True)
    decided_at = Time(allow_none=True)
    created_at = Time()
    transfer_id = ma.fields.Integer(allow_none=True)
    evidence = ma.fields.Function(
        lambda p: p.rule_version.evidence,
        metadata={"enum": list(RULE_EVIDENCE), "description": "What the rule asks for"},
    )
    has_photo = ma.fields.Function(lambda p: bool(p.evidence_photo), metadata={"description": "A photo is attached"})
    witness_id = ma.fields.Integer(allow_none=True)


class PendingAwardPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(PendingAwardSchema))
    total = ma.fields.Integer()


class PendingQuerySchema(PageArgsSchema):
    status = ma.fields.String(
        validate=ma.validate.OneOf(["pending", "approved", "rejected"]),
        metadata={"description": "Default: pending for the queue, every status for my own awards"},
    )
    mine = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "My own awards instead of the queue"},
    )


class RejectSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=2, max=200))


class BulkApproveSchema(ma.Schema):
    ids = ma.fields.List(
        ma.fields.Integer(**ID),
        required=True,
        validate=ma.validate.Length(min=1, max=200),
    )


class BulkResultSchema(ma.Schema):
    approved = ma.fields.Integer()
    skipped = ma.fields.Integer()


class AwardRequestSchema(ma.Schema):
    resident_id = ma.fields.Integer(required=True, **ID)
    quantity = ma.fields.Float(
        load_default=1,
        validate=ma.validate.Range(min=0.25, max=1000),
        metadata={"description": "Occurrences (whole) or hours, by the rule's unit"},
    )
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=80))
    witness_id = ma.fields.Integer(
        **ID, metadata={"description": "Under a witness rule: another person of the community who saw it"}
    )


class AwardOutcomeSchema(ma.Schema):
    status = ma.fields.String(metadata={"enum": ["posted", "pending", "capped_out"]})
    requested = ma.fields.Integer()
    awarded = ma.fields.Integer()
    cap_note = ma.fields.String(allow_none=True, metadata={"description": "Why a cap cut the award, in words"})
    transfer_id = ma.fields.Function(lambda o: o.transfer.id if o.transfer is not None else None, allow_none=True)
    pending_award_id = ma.fields.Function(
        lambda o: o.pending_award.id if o.pending_award is not None else None, allow_none=True
    )
