"""WTForms for reviewing a fraud signal."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, Length

from pointsbank.signals.review import NOTE_MAX


class ReviewForm(FlaskForm):
    status = RadioField(
        _l("Review"),
        choices=[("dismissed", _l("Dismiss: nothing wrong")), ("confirmed", _l("Confirm: needs follow-up"))],
        validators=[DataRequired()],
    )
    note = TextAreaField(_l("Note (what you checked)"), validators=[DataRequired(), Length(max=NOTE_MAX)])
