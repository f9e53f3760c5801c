"""WTForms for filing and handling reports."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    FloatField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class FileReportForm(FlaskForm):
    category_id = SelectField(_l("What kind of problem?"), coerce=int, validators=[DataRequired()])
    description = TextAreaField(_l("Describe the problem"), validators=[DataRequired(), Length(min=5, max=2000)])
    grid_id = SelectField(_l("Grid"), coerce=int, validators=[Optional()])
    building = StringField(_l("Building"), validators=[Optional(), Length(max=80)])
    place = StringField(_l("Where exactly?"), validators=[Optional(), Length(max=200)])
    lat = FloatField(validators=[Optional(), NumberRange(min=-90, max=90)])
    lon = FloatField(validators=[Optional(), NumberRange(min=-180, max=180)])
    photos = MultipleFileField(_l("Photos (1 to 3)"))


class ActionForm(FlaskForm):
    """One form for the status actions; the service checks which fields each action needs."""

    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])
    duplicate_of_id = IntegerField(_l("Duplicate of report number"), validators=[Optional(), NumberRange(min=1)])
    assignee_id = SelectField(_l("Grid worker"), coerce=int, validators=[Optional()], validate_choice=False)
    department = StringField(_l("Or a department"), validators=[Optional(), Length(max=80)])
    satisfaction = SelectField(
        _l("How satisfied are you?"),
        coerce=int,
        validators=[Optional()],
        choices=[(5, "5"), (4, "4"), (3, "3"), (2, "2"), (1, "1")],
    )
    report_ids = HiddenField()
