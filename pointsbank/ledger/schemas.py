"""marshmallow schemas for the ledger at the API boundary."""

from datetime import UTC

import marshmallow as ma
from marshmallow import validate as V

from pointsbank.schemas import PageArgsSchema


class UTCDateTime(ma.fields.DateTime):
    """ISO 8601 with offset; a naive value read back from SQLite is UTC."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


POINTS = {"required": True, "strict": True, "validate": V.Range(min=1, max=1_000_000)}


class AccountSchema(ma.Schema):
    id = ma.fields.Integer(allow_none=True, metadata={"description": "null until the first points arrive"})
    kind = ma.fields.String(metadata={"description": "resident | issuance | fund | expiry | station"})
    owner_user_id = ma.fields.Integer(allow_none=True)
    owner_name = ma.fields.String(allow_none=True)
    community_id = ma.fields.Integer(allow_none=True)
    station_id = ma.fields.Integer(allow_none=True)
    balance = ma.fields.Integer()
    on_hold = ma.fields.Integer()
    available = ma.fields.Integer()
    expiring_points = ma.fields.Integer(metadata={"description": "Points that expire next"})
    expiring_on = ma.fields.Date(allow_none=True, metadata={"description": "Last local day those points can be used"})
    expiring_soon = ma.fields.Boolean(
        metadata={"description": "expiring_on is within PB_EXPIRY_REMIND_DAYS (30): the pages say 即将过期"}
    )


class StatementLineSchema(ma.Schema):
    entry_id = ma.fields.Integer()
    transfer_id = ma.fields.Integer()
    created_at = UTCDateTime()
    kind = ma.fields.String()
    amount = ma.fields.Integer(metadata={"description": "Signed: positive in, negative out"})
    balance_after = ma.fields.Integer()
    memo = ma.fields.String(metadata={"description": "The reason as stored (Chinese)"})
    memo_text = ma.fields.String(metadata={"description": "The reason in the user's chosen language"})
    subject_type = ma.fields.String(allow_none=True)
    subject_id = ma.fields.Integer(allow_none=True)
    reverses_id = ma.fields.Integer(allow_none=True)
    reversed_by_id = ma.fields.Integer(allow_none=True)


class StatementArgsSchema(ma.Schema):
    """Keyset paging and filters of a statement: before=/after= entry ids from the previous answer."""

    before = ma.fields.Integer(
        load_default=None,
        validate=V.Range(min=1, max=2**31 - 1),
        metadata={"description": "Lines older than this entry id (the `older` cursor of the previous page)"},
    )
    after = ma.fields.Integer(
        load_default=None,
        validate=V.Range(min=0, max=2**31 - 1),
        metadata={"description": "Lines newer than this entry id (the `newer` cursor); 0 gives the oldest page"},
    )
    flow = ma.fields.String(
        load_default=None, validate=V.OneOf(["earned", "spent"]), metadata={"description": "Points in or out"}
    )
    q = ma.fields.String(
        load_default=None, validate=V.Length(max=40), metadata={"description": "Text to find in the reason"}
    )
    per_page = ma.fields.Integer(load_default=20, validate=V.Range(min=1, max=100))

    @ma.validates_schema
    def _one_direction(self, data, **_kwargs):
        if data.get("before") is not None and data.get("after") is not None:
            raise ma.ValidationError("Give before or after, not both.", "after")


class StatementSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(StatementLineSchema))
    per_page = ma.fields.Integer()
    newer = ma.fields.Integer(
        allow_none=True, metadata={"description": "Pass as after= for the newer lines; null on the newest page"}
    )
    older = ma.fields.Integer(
        allow_none=True, metadata={"description": "Pass as before= for the older lines; null on the oldest page"}
    )


class EntrySchema(ma.Schema):
    account_id = ma.fields.Integer()
    amount = ma.fields.Integer()
    balance_after = ma.fields.Integer()


class TransferSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    memo = ma.fields.String()
    created_at = UTCDateTime()
    subject_type = ma.fields.String(allow_none=True)
    subject_id = ma.fields.Integer(allow_none=True)
    reverses_id = ma.fields.Integer(allow_none=True)
    entries = ma.fields.List(ma.fields.Nested(EntrySchema))


class DonationArgsSchema(ma.Schema):
    points = ma.fields.Integer(**POINTS)


class FundAwardArgsSchema(ma.Schema):
    account_id = ma.fields.Integer(required=True, strict=True, validate=V.Range(min=1, max=2**31 - 1))
    points = ma.fields.Integer(**POINTS)
    memo = ma.fields.String(required=True, validate=V.Length(min=1, max=120))


class AdjustmentArgsSchema(ma.Schema):
    account_id = ma.fields.Integer(required=True, strict=True, validate=V.Range(min=1, max=2**31 - 1))
    amount = ma.fields.Integer(required=True, strict=True, validate=V.Range(min=-1_000_000, max=1_000_000))
    reason = ma.fields.String(required=True, validate=V.Length(min=1, max=200))


class AdjustmentQuerySchema(PageArgsSchema):
    status = ma.fields.String(load_default=None, validate=V.OneOf(["pending", "approved", "rejected", "posted"]))


class AdjustmentSchema(ma.Schema):
    id = ma.fields.Integer()
    community_id = ma.fields.Integer()
    account_id = ma.fields.Integer()
    amount = ma.fields.Integer()
    reason = ma.fields.String()
    status = ma.fields.String()
    requested_by_id = ma.fields.Integer()
    approved_by_id = ma.fields.Integer(allow_none=True)
    transfer_id = ma.fields.Integer(allow_none=True)
    reverses_transfer_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "The adjustment transfer this one reverses, if any"}
    )
    needs_second_coordinator = ma.fields.Function(
        lambda adj: adj.status == "pending",
        metadata={"description": "True while it waits for a different coordinator's approval"},
    )
    created_at = UTCDateTime()
    decided_at = UTCDateTime(allow_none=True)


class AdjustmentListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(AdjustmentSchema))
    total = ma.fields.Integer()
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()


class ReversalArgsSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=V.Length(min=1, max=120))
