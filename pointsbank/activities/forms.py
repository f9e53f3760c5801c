"""WTForms for activities, attendance, scanning and teams."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange
from wtforms.validators import Optional as OptionalValue

from pointsbank.rules.forms import finite_number

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_to_utc(value: datetime | None) -> datetime | None:
    """A naive date-time typed in Shanghai time, as an aware datetime."""
    return value.replace(tzinfo=SHANGHAI).astimezone(ZoneInfo("UTC")) if value else None


class ActivityForm(FlaskForm):
    community_id = SelectField(_l("Community"), coerce=int)
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=80)])
    place = StringField(_l("Place"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("What volunteers do (optional)"), validators=[Length(max=2000)])
    starts_at = DateTimeLocalField(_l("Starts"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    ends_at = DateTimeLocalField(_l("Ends"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    capacity = IntegerField(_l("Places"), validators=[DataRequired(), NumberRange(min=1, max=10000)])
    rule_id = SelectField(_l("Point rule"), coerce=int)
    team_id = SelectField(_l("Team (optional)"), coerce=int)


class CodeForm(FlaskForm):
    code = StringField(
        _l("Volunteer code (scan, or type the 6 digits)"),
        validators=[DataRequired(), Length(max=400)],
    )


class PosterCheckInForm(FlaskForm):
    code = StringField(validators=[DataRequired(), Length(max=400)])


class AttendanceForm(FlaskForm):
    attended = BooleanField(_l("Attended"))
    hours = DecimalField(_l("Hours"), places=2, validators=[OptionalValue(), finite_number, NumberRange(min=0, max=24)])


class TeamForm(FlaskForm):
    community_id = SelectField(_l("Community"), coerce=int)
    name = StringField(_l("Team name"), validators=[DataRequired(), Length(max=60)])
    description = TextAreaField(_l("About the team (optional)"), validators=[Length(max=2000)])


class PlainForm(FlaskForm):
    """Only the CSRF token (sign-up, cancel, close, confirm, join, leave)."""
