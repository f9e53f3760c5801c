"""WTForms for the ledger pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange


class DonateForm(FlaskForm):
    points = IntegerField(_l("Points to give"), validators=[DataRequired(), NumberRange(min=1, max=1_000_000)])
    request_key = HiddenField(validators=[DataRequired(), Length(max=64)])


class FundAwardForm(FlaskForm):
    points = IntegerField(_l("Points from the fund"), validators=[DataRequired(), NumberRange(min=1, max=1_000_000)])
    memo = StringField(_l("Reason shown to the resident"), validators=[DataRequired(), Length(max=120)])
    request_key = HiddenField(validators=[DataRequired(), Length(max=64)])


class AdjustmentForm(FlaskForm):
    amount = IntegerField(
        _l("Points (+ to add, - to take away)"),
        validators=[DataRequired(), NumberRange(min=-1_000_000, max=1_000_000)],
    )
    reason = StringField(_l("Reason (required)"), validators=[DataRequired(), Length(max=200)])
    request_key = HiddenField(validators=[DataRequired(), Length(max=64)])


class DecisionForm(FlaskForm):
    """Approve or reject: only the CSRF token."""
