"""WTForms for login and people management."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange, Optional


class LoginForm(FlaskForm):
    phone = StringField(_l("Mobile number"), validators=[DataRequired(), Length(max=20)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)])


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=128)])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8, max=128)])
    confirm = PasswordField(
        _l("New password again"), validators=[DataRequired(), EqualTo("new", message=_l("The two passwords differ."))]
    )


class TokenForm(FlaskForm):
    name = StringField(_l("What is it for?"), validators=[DataRequired(), Length(max=60)])
    scope = SelectField(_l("What may it do?"), default="read")
    days = IntegerField(_l("Valid for (days)"), default=90, validators=[DataRequired(), NumberRange(min=1, max=365)])
    password = PasswordField(_l("Your password (again)"), validators=[Optional(), Length(max=128)])


class ResidentForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=40)])
    phone = StringField(_l("Mobile number"), validators=[DataRequired(), Length(max=20)])
    grid_id = SelectField(_l("Grid"), coerce=int, validate_choice=True)


class ImportForm(FlaskForm):
    sheet = FileField(_l("Sheet (CSV or XLSX)"), validators=[FileRequired()])


class PlaceForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])


class GrantForm(FlaskForm):
    phone = StringField(_l("Mobile number"), validators=[DataRequired(), Length(max=20)])
    role = SelectField(
        _l("Role"),
        choices=[
            ("coordinator", _l("Coordinator")),
            ("clerk", _l("Station clerk")),
            ("street_officer", _l("Street officer")),
            ("district_officer", _l("District officer")),
            ("admin", _l("Admin")),
        ],
    )
    community_id = SelectField(_l("Community (for a coordinator)"), coerce=int, validate_choice=False)
    station_id = SelectField(_l("Station (for a clerk)"), coerce=int, validate_choice=False)
    street_id = SelectField(_l("Street (for a street officer)"), coerce=int, validate_choice=False)
    district_id = SelectField(_l("District (for a district officer)"), coerce=int, validate_choice=False)


class CoordinatorForm(FlaskForm):
    phone = StringField(_l("Mobile number"), validators=[DataRequired(), Length(max=20)])
    community_id = SelectField(_l("Community"), coerce=int, validate_choice=True)


def settings_form(community, **kw) -> FlaskForm:
    """A form with one field per community setting (ranges are checked by the settings service)."""
    from wtforms import BooleanField

    from pointsbank.people.settings import EXPIRY_LABELS, SETTINGS

    class SettingsForm(FlaskForm):
        pass

    for s in SETTINGS:
        if s.kind == "bool":
            field = BooleanField(s.label, description=s.help)
        elif s.kind == "choice":
            field = SelectField(s.label, choices=[(c, EXPIRY_LABELS[c]) for c in s.choices], description=s.help)
        else:
            field = IntegerField(s.label, validators=[InputRequired()], description=s.help)
        setattr(SettingsForm, s.name, field)
    return SettingsForm(obj=community, **kw)
