"""Page forms for stations (Flask-WTF, CSRF on)."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)


def _cents(_form, field) -> None:
    """Yuan with at most two decimals (fen)."""
    if field.data is not None and field.data.as_tuple().exponent < -2:
        raise ValidationError(_l("At most two decimals (fen)."))


def yuan_to_fen(value: Decimal | None) -> int | None:
    """12.5 (yuan) -> 1250 (fen); None stays None."""
    return None if value is None else int((value * 100).to_integral_value())


def fen_to_yuan(fen: int | None) -> Decimal | None:
    """1250 (fen) -> Decimal("12.50") (yuan); None stays None."""
    return None if fen is None else (Decimal(fen) / 100).quantize(Decimal("0.01"))


class PostForm(FlaskForm):
    """A button that only needs the CSRF token."""


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code (scan, or type the 8-digit or 6-digit number)"), validators=[DataRequired(), Length(max=300)]
    )
    pin = PasswordField(_l("Card PIN"), validators=[Optional(), Regexp(r"^\d{4,6}$", message=_l("4 to 6 digits."))])


class ConfirmForm(FlaskForm):
    code = HiddenField(validators=[DataRequired(), Length(max=300)])
    token = HiddenField(validators=[DataRequired(), Length(max=64)])


class ItemForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    kind = SelectField(_l("Kind"), choices=[("goods", _l("Goods")), ("service", _l("Service"))])
    points = IntegerField(_l("Price in points"), validators=[InputRequired(), NumberRange(min=1, max=1_000_000)])
    limit_qty = IntegerField(_l("Limit per resident (optional)"), validators=[Optional(), NumberRange(min=1, max=1000)])
    limit_period = SelectField(
        _l("Limit period"), choices=[("", "—"), ("day", _l("day")), ("week", _l("week")), ("month", _l("month"))]
    )
    reference_value_yuan = DecimalField(
        _l("Reference value (yuan)"),
        places=2,
        rounding=None,
        validators=[Optional(), NumberRange(min=0, max=1_000_000), _cents],
    )
    active = BooleanField(_l("Offered now"), default=True)


class StockForm(FlaskForm):
    item_id = SelectField(_l("Item"), coerce=int)
    reason = SelectField(_l("Reason"))
    quantity = IntegerField(
        _l("Quantity (negative to take out)"), validators=[InputRequired(), NumberRange(min=-100_000, max=100_000)]
    )
    note = StringField(_l("Note (donor, why adjusted)"), validators=[Optional(), Length(max=200)])


class RefundForm(FlaskForm):
    reason = StringField(_l("Reason for the refund"), validators=[DataRequired(), Length(max=200)])
    restock = BooleanField(_l("The goods came back: return them to stock"))


class PinForm(FlaskForm):
    pin = PasswordField(
        _l("PIN (4 to 6 digits)"), validators=[DataRequired(), Regexp(r"^\d{4,6}$", message=_l("4 to 6 digits."))]
    )
    pin2 = PasswordField(_l("The same PIN again"), validators=[DataRequired()])


class ProxyForm(FlaskForm):
    resident_phone = StringField(
        _l("Mobile number of the elderly resident"), validators=[DataRequired(), Length(max=20)]
    )
    proxy_phone = StringField(_l("Mobile number of the family member"), validators=[DataRequired(), Length(max=20)])
    relation = StringField(_l("Relation (daughter, son ...)"), validators=[Optional(), Length(max=20)])


class StationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=200)])
    opening_hours = StringField(_l("Opening hours"), validators=[Optional(), Length(max=120)])
    low_stock_threshold = IntegerField(
        _l("Low stock at or below"), validators=[InputRequired(), NumberRange(min=0, max=100_000)]
    )
    active = BooleanField(_l("Open"), default=True)


class ClerkForm(FlaskForm):
    phone = StringField(_l("Mobile number of the clerk"), validators=[DataRequired(), Length(max=20)])


class NewStationForm(FlaskForm):
    community_id = SelectField(_l("Community"), coerce=int)
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=200)])
    opening_hours = StringField(_l("Opening hours"), validators=[Optional(), Length(max=120)])
