"""The audit log's filter form (read from the query string)."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, Form, SelectField, StringField
from wtforms.validators import Length, Optional


class AuditFilterForm(Form):
    community_id = SelectField(_l("Community"), coerce=int, validate_choice=False, default=0)
    phone = StringField(_l("Person (mobile number)"), validators=[Optional(), Length(max=20)])
    action = SelectField(_l("Action"), validate_choice=True, default="")
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
