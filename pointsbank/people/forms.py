"""WTForms for login and people management."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    phone = StringField(_l("Mobile number"), validators=[DataRequired(), Length(max=20)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)])
