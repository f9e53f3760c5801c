"""WTForms for rules and the approval queue."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, StopValidation
from wtforms.validators import Optional as OptionalValue

from pointsbank.rules.models import RULE_CATEGORIES

SHANGHAI = ZoneInfo("Asia/Shanghai")
UNIT_CHOICES = [("occurrence", _l("per occurrence")), ("hour", _l("per hour"))]
EVIDENCE_CHOICES = [
    ("check_in", _l("Check-in at the activity")),
    ("report", _l("An accepted report")),
    ("photo", _l("A photo")),
    ("witness", _l("A witness")),
    ("coordinator", _l("A coordinator's word")),
]


def finite_number(form, field) -> None:
    """Refuse NaN and infinities before a range check (a signalling NaN cannot even be compared)."""
    if field.data is not None and not field.data.is_finite():
        raise StopValidation(_l("Enter a number."))


def day_start(value: date | None) -> datetime | None:
    """The start of a Shanghai calendar day, as an aware datetime."""
    return datetime.combine(value, time(0), tzinfo=SHANGHAI).astimezone(ZoneInfo("UTC")) if value else None


def local_date(value: datetime | None, *, last_day: bool = False) -> date | None:
    """A stored time as a Shanghai date (the day before when it is an exclusive end)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    local = value.astimezone(SHANGHAI)
    return (local - timedelta(seconds=1)).date() if last_day else local.date()


class RuleForm(FlaskForm):
    community_id = SelectField(_l("Community"), coerce=int)
    category = SelectField(_l("Category"), choices=[(c, c) for c in RULE_CATEGORIES])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=80)])
    grade = StringField(_l("Grade (optional, e.g. 一般问题 / 安全隐患)"), validators=[Length(max=40)])
    description = TextAreaField(_l("What counts (optional)"), validators=[Length(max=2000)])
    points = IntegerField(_l("Points"), validators=[DataRequired(), NumberRange(min=1, max=100000)])
    unit = SelectField(_l("Unit"), choices=UNIT_CHOICES)
    cap_day = IntegerField(
        _l("Cap per day (empty: none)"),
        validators=[OptionalValue(), NumberRange(min=1, max=1000000)],
    )
    cap_week = IntegerField(
        _l("Cap per week (empty: none)"),
        validators=[OptionalValue(), NumberRange(min=1, max=1000000)],
    )
    cap_month = IntegerField(
        _l("Cap per month (empty: none)"),
        validators=[OptionalValue(), NumberRange(min=1, max=1000000)],
    )
    evidence = SelectField(_l("Evidence needed"), choices=EVIDENCE_CHOICES)
    needs_approval = BooleanField(_l("Awards need a coordinator's approval"))
    valid_from = DateField(_l("In force from"), validators=[DataRequired()])
    valid_until = DateField(_l("In force until (last day, empty: no end)"), validators=[OptionalValue()])

    def values(self) -> dict:
        """The form as service keyword arguments."""
        return {
            "category": self.category.data,
            "title": self.title.data,
            "grade": (self.grade.data or "").strip(),
            "description": self.description.data or "",
            "points": self.points.data,
            "unit": self.unit.data,
            "cap_day": self.cap_day.data,
            "cap_week": self.cap_week.data,
            "cap_month": self.cap_month.data,
            "evidence": self.evidence.data,
            "needs_approval": bool(self.needs_approval.data),
            "valid_from": day_start(self.valid_from.data),
            "valid_until": day_start(self.valid_until.data + timedelta(days=1)) if self.valid_until.data else None,
        }


class AwardForm(FlaskForm):
    phone = StringField(_l("Resident's mobile number"), validators=[DataRequired(), Length(max=20)])
    quantity = DecimalField(
        _l("How many (times, or hours)"),
        places=2,
        default=1,
        validators=[DataRequired(), finite_number, NumberRange(min=0.25, max=1000)],
    )
    note = StringField(_l("What they did (shown on their statement)"), validators=[Length(max=80)])
    witness_phone = StringField(_l("Witness's mobile number"), validators=[OptionalValue(), Length(max=20)])
    nonce = HiddenField(validators=[DataRequired(), Length(max=40)])


class RejectForm(FlaskForm):
    reason = StringField(
        _l("Reason (the resident sees it)"),
        validators=[DataRequired(), Length(min=2, max=200)],
    )


class BulkForm(FlaskForm):
    """Only the CSRF token; the checked ids come from the request."""
