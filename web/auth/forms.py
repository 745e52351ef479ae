from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from matchmaker import taxonomy

REQUIRED = _l("This field is required.")


def region_choices() -> list[SelectChoice]:
    return [SelectChoice("", _l("— choose —")), *(SelectChoice(r, r) for r in taxonomy.REGIONS)]


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED)])
    remember = BooleanField(_l("Keep me signed in"))


class RegisterForm(FlaskForm):
    role = SelectField(
        _l("I am"),
        choices=[
            SelectChoice("researcher", _l("a researcher (I offer achievements)")),
            SelectChoice("enterprise", _l("an enterprise (I have technology needs)")),
        ],
        validators=[DataRequired(REQUIRED)],
    )
    name = StringField(_l("Your name"), validators=[DataRequired(REQUIRED), Length(max=100)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(REQUIRED), Length(min=8, max=128)],
        description=_l("At least 8 characters, with letters and digits."),
    )
    password_confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(REQUIRED), EqualTo("password", _l("The passwords differ."))],
    )
    organisation_name = StringField(
        _l("Organisation"), validators=[DataRequired(REQUIRED), Length(max=200)]
    )
    organisation_kind = SelectField(
        _l("Type of organisation"),
        choices=[
            SelectChoice("university", _l("University")),
            SelectChoice("institute", _l("Research institute")),
            SelectChoice("enterprise", _l("Enterprise")),
            SelectChoice("other", _l("Other")),
        ],
    )
    credit_code = StringField(
        _l("Unified social credit code"),
        validators=[Optional(), Length(max=30)],
        description=_l("18 characters; required for enterprises."),
    )
    region = SelectField(_l("Region"), choices=region_choices, validators=[Optional()])
    title = StringField(_l("Job title"), validators=[Optional(), Length(max=100)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
