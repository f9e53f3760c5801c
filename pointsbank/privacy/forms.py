"""WTForms for consent, erasure decisions, the hours export and picking a resident."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange
from wtforms.validators import Optional as OptionalValue


class ConsentForm(FlaskForm):
    """Only the CSRF token: pressing the button is the agreement."""


class ReasonForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=200)])


class PersonForm(FlaskForm):
    user_id = IntegerField(_l("Resident number"), validators=[DataRequired(), NumberRange(min=1, max=2**31 - 1)])


class HoursExportForm(FlaskForm):
    class Meta:
        csrf = False  # a GET download

    start = DateField(_l("From"), validators=[OptionalValue()])
    end = DateField(_l("To"), validators=[OptionalValue()])
    format = SelectField(_l("File"), choices=[("xlsx", "XLSX"), ("csv", "CSV")], default="xlsx")
    phones = SelectField(
        _l("Mobile numbers"), choices=[("masked", _l("Masked")), ("full", _l("Full (audited)"))], default="masked"
    )
