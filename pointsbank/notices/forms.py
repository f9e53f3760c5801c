"""WTForms for the notice centre: channels and quiet hours."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.validators import Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

HHMM = Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", message=_l("Times are HH:MM, for example 22:00."))


class PreferenceForm(FlaskForm):
    channels = SelectMultipleField(
        _l("Also send my notices by"),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=True,
    )
    quiet_start = StringField(_l("Quiet from"), validators=[Optional(), HHMM])
    quiet_end = StringField(_l("Quiet until"), validators=[Optional(), HHMM])


class ActionForm(FlaskForm):
    """A bare form for the CSRF token of one-button posts."""
