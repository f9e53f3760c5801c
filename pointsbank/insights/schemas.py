"""marshmallow schemas for insights at the API boundary."""

from __future__ import annotations

import marshmallow as ma

from pointsbank.ledger.schemas import UTCDateTime
from pointsbank.schemas import PageArgsSchema

WEEK_DOC = {
    "description": "ISO week of the Asia/Shanghai calendar, e.g. 2026-W47; default this week",
    "example": "2026-W47",
}


DAY_DOC = {
    "description": "A local day (YYYY-MM-DD, as a date picker sends it): the week containing it; wins over `week`; "
    "a day after today means this week",
    "example": "2026-12-31",
}


class WeekArgsSchema(ma.Schema):
    week = ma.fields.String(load_default=None, metadata=WEEK_DOC)
    day = ma.fields.String(load_default=None, metadata=DAY_DOC)


class BoardArgsSchema(PageArgsSchema):
    week = ma.fields.String(load_default=None, metadata=WEEK_DOC)
    day = ma.fields.String(load_default=None, metadata=DAY_DOC)


class ChampionsArgsSchema(BoardArgsSchema):
    """The week (or a day of it) and the page of the ranked residents."""


class WeekSchema(ma.Schema):
    week = ma.fields.String(metadata={"description": "ISO week, e.g. 2026-W47"})
    starts_on = ma.fields.Date(metadata={"description": "Local Monday"})
    ends_on = ma.fields.Date(metadata={"description": "Local Sunday"})


class ChampionSchema(ma.Schema):
    rank = ma.fields.Integer()
    user_id = ma.fields.Integer(allow_none=True, metadata={"description": "Only for coordinators"})
    name = ma.fields.String(metadata={"description": "Masked (张*丰) unless you coordinate the community"})
    points = ma.fields.Integer(metadata={"description": "Points earned in the week, reversed awards left out"})
    awards = ma.fields.Integer()


class TeamChampionSchema(ma.Schema):
    rank = ma.fields.Integer()
    team_id = ma.fields.Integer()
    name = ma.fields.String()
    points = ma.fields.Integer()
    members = ma.fields.Integer(metadata={"description": "Members who earned points in the week"})


class ChampionsSchema(WeekSchema):
    community_id = ma.fields.Integer()
    residents = ma.fields.List(ma.fields.Nested(ChampionSchema))
    teams = ma.fields.List(ma.fields.Nested(TeamChampionSchema))
    me = ma.fields.Nested(
        ChampionSchema, allow_none=True, metadata={"description": "Your own row and rank, on any page; null if none"}
    )
    total = ma.fields.Integer(metadata={"description": "Residents who earned points in the week"})
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()
    withheld = ma.fields.Boolean(metadata={"description": "Champions not named yet: the week's awards are in 公示"})
    withheld_until = UTCDateTime(allow_none=True, metadata={"description": "When they will be named, if known"})


class BoardLineSchema(ma.Schema):
    transfer_id = ma.fields.Integer()
    created_at = UTCDateTime()
    name = ma.fields.String(metadata={"description": "Masked unless you coordinate the community"})
    memo = ma.fields.String()
    points = ma.fields.Integer()
    reversed = ma.fields.Boolean()
    reversed_at = UTCDateTime(allow_none=True)


class BoardTotalsSchema(ma.Schema):
    awards = ma.fields.Integer()
    points = ma.fields.Integer()
    reversed_awards = ma.fields.Integer()
    reversed_points = ma.fields.Integer()
    net_points = ma.fields.Integer()
    residents = ma.fields.Integer()


class BoardSchema(WeekSchema):
    community_id = ma.fields.Integer()
    totals = ma.fields.Nested(BoardTotalsSchema)
    items = ma.fields.List(ma.fields.Nested(BoardLineSchema))
    total = ma.fields.Integer()
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()


class PointsFlowSchema(ma.Schema):
    issued = ma.fields.Integer()
    spent = ma.fields.Integer()
    donated = ma.fields.Integer()
    expired = ma.fields.Integer()


class ActivityFiguresSchema(ma.Schema):
    held = ma.fields.Integer()
    hours = ma.fields.Float()


class ReportFiguresSchema(ma.Schema):
    received = ma.fields.Integer()
    accepted = ma.fields.Integer()
    resolved = ma.fields.Integer()
    avg_handling_hours = ma.fields.Float(allow_none=True)
    median_handling_hours = ma.fields.Float(allow_none=True)


class RedemptionFiguresSchema(ma.Schema):
    count = ma.fields.Integer()
    points = ma.fields.Integer()


class PeriodSchema(ma.Schema):
    starts_at = UTCDateTime()
    ends_at = UTCDateTime()
    points = ma.fields.Nested(PointsFlowSchema)
    active_residents = ma.fields.Integer()
    activities = ma.fields.Nested(ActivityFiguresSchema)
    reports = ma.fields.Nested(ReportFiguresSchema)
    redemptions = ma.fields.Nested(RedemptionFiguresSchema)


class TopItemSchema(ma.Schema):
    name = ma.fields.String()
    qty = ma.fields.Integer()
    points = ma.fields.Integer()


class DashboardSchema(ma.Schema):
    community_id = ma.fields.Integer()
    week_label = ma.fields.String()
    week = ma.fields.Nested(PeriodSchema)
    month = ma.fields.Nested(PeriodSchema)
    top_items = ma.fields.List(ma.fields.Nested(TopItemSchema), metadata={"description": "This month"})
    low_stock_items = ma.fields.Integer()


class OverviewArgsSchema(ma.Schema):
    weeks = ma.fields.Integer(
        load_default=8,
        validate=ma.validate.Range(min=1, max=26),
        metadata={"description": "How many weeks, ending with this one (1-26)"},
    )


class OverviewRowSchema(ma.Schema):
    week = ma.fields.String()
    issued = ma.fields.Integer()
    spent = ma.fields.Integer()
    donated = ma.fields.Integer()
    expired = ma.fields.Integer()
    active_residents = ma.fields.Integer()
    volunteer_hours = ma.fields.Float()
    reports_received = ma.fields.Integer()
    reports_resolved = ma.fields.Integer()
    avg_handling_hours = ma.fields.Float(allow_none=True)
    median_handling_hours = ma.fields.Float(allow_none=True)


class OverviewCommunitySchema(ma.Schema):
    community_id = ma.fields.Integer()
    name = ma.fields.String()
    totals = ma.fields.Nested(OverviewRowSchema)
    weekly = ma.fields.List(ma.fields.Nested(OverviewRowSchema))
    stock_value = ma.fields.Integer(metadata={"description": "Points value of goods in stock at its stations"})


class OverviewStreetSchema(ma.Schema):
    street_id = ma.fields.Integer()
    name = ma.fields.String()


class OverviewSchema(ma.Schema):
    street_id = ma.fields.Integer()
    district_id = ma.fields.Integer()
    name = ma.fields.String()
    streets = ma.fields.List(
        ma.fields.Nested(OverviewStreetSchema), metadata={"description": "A district's streets (district only)"}
    )
    weeks = ma.fields.List(ma.fields.String())
    starts_at = UTCDateTime()
    ends_at = UTCDateTime()
    communities = ma.fields.List(ma.fields.Nested(OverviewCommunitySchema))


class LowStockItemSchema(ma.Schema):
    item_id = ma.fields.Integer()
    name = ma.fields.String()
    station_id = ma.fields.Integer()
    station = ma.fields.String(metadata={"description": "The station's name"})
    stock = ma.fields.Integer()


class TodoSchema(ma.Schema):
    community_id = ma.fields.Integer()
    awards_pending = ma.fields.Integer(metadata={"description": "Awards waiting for approval"})
    reports_waiting = ma.fields.Integer(metadata={"description": "Reports submitted and not yet decided"})
    reports_overdue = ma.fields.Integer(metadata={"description": "Open reports past their category's time limit"})
    objections_waiting = ma.fields.Integer(
        metadata={"description": "Open objections you may decide (not to awards you approved)"}
    )
    adjustments_pending = ma.fields.Integer(metadata={"description": "Adjustments waiting for a second coordinator"})
    low_stock_count = ma.fields.Integer(metadata={"description": "Active goods at or below the station's threshold"})
    low_stock = ma.fields.List(
        ma.fields.Nested(LowStockItemSchema), metadata={"description": "The lowest five, lowest stock first"}
    )


class LiabilityMonthSchema(ma.Schema):
    month = ma.fields.String(metadata={"description": "Local calendar month, YYYY-MM"})
    issued = ma.fields.Integer(
        metadata={"description": "Points awarded to residents (awards, report rewards, fund grants), net of reversals"}
    )
    redeemed = ma.fields.Integer(metadata={"description": "Points redeemed at stations, net of undos and refunds"})


class LiabilityRowSchema(ma.Schema):
    community_id = ma.fields.Integer(allow_none=True, metadata={"description": "null on the total row"})
    name = ma.fields.String(allow_none=True, metadata={"description": "null on the total row"})
    expiry_policy = ma.fields.String(allow_none=True, metadata={"description": "null on the total row"})
    outstanding = ma.fields.Integer(
        metadata={"description": "Residents' balances (points on hold are inside the balance)"}
    )
    held = ma.fields.Integer(metadata={"description": "Points on hold for pending redemptions"})
    available = ma.fields.Integer(metadata={"description": "outstanding - held"})
    stock_points = ma.fields.Integer(
        metadata={"description": "Points price of the goods in stock at active stations' active items"}
    )
    stock_value_fen = ma.fields.Integer(
        metadata={"description": "Reference value of that stock in fen (1/100 yuan); items without one count 0"}
    )
    items_in_stock = ma.fields.Integer(metadata={"description": "Items with stock"})
    items_without_value = ma.fields.Integer(metadata={"description": "Items with stock but no reference value"})
    cover_ratio = ma.fields.Float(
        allow_none=True, metadata={"description": "stock_points / outstanding; null when nothing is outstanding"}
    )
    expiring_points = ma.fields.Integer(metadata={"description": "Points that expire at the next clearing"})
    expiring_on = ma.fields.Date(
        allow_none=True,
        metadata={"description": "Last local day before that clearing; null when points never expire (or mixed)"},
    )
    monthly = ma.fields.List(ma.fields.Nested(LiabilityMonthSchema), metadata={"description": "Oldest month first"})


class LiabilitySchema(ma.Schema):
    community_id = ma.fields.Integer()
    street_id = ma.fields.Integer()
    name = ma.fields.String()
    as_of = UTCDateTime()
    months = ma.fields.List(ma.fields.String(), metadata={"description": "The last 12 local months, oldest first"})
    communities = ma.fields.List(ma.fields.Nested(LiabilityRowSchema))
    total = ma.fields.Nested(LiabilityRowSchema, metadata={"description": "The communities added up"})
