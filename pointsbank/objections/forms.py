"""WTForms for objecting to an award and deciding an objection."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FileField, RadioField, TextAreaField
from wtforms.validators import DataRequired, Length

from pointsbank.objections.models import REASON_MAX


class ObjectionForm(FlaskForm):
    reason = TextAreaField(_l("Why do you object?"), validators=[DataRequired(), Length(max=REASON_MAX)])
    photo = FileField(_l("Photo (optional)"))


class DecisionForm(FlaskForm):
    outcome = RadioField(
        _l("Decision"),
        choices=[("upheld", _l("Uphold: the award is reversed")), ("dismissed", _l("Dismiss: the award stands"))],
        validators=[DataRequired()],
    )
    reason = TextAreaField(_l("Reason (both residents see it)"), validators=[DataRequired(), Length(max=REASON_MAX)])
