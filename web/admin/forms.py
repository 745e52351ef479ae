from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

REQUIRED = _l("This field is required.")


class StaffAccountForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=100)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(REQUIRED)])
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice("staff", _l("Staff")), SelectChoice("admin", _l("Administrator"))],
    )
