"""Forms of the two front doors: researchers' achievements and enterprises' needs."""

from __future__ import annotations

import unicodedata
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    DecimalField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from matchmaker import runtime, taxonomy
from matchmaker.listings import amounts
from web.i18n import current_locale

REQUIRED = _l("This field is required.")


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def field_choices() -> list[SelectChoice]:
    return [SelectChoice("", _l("— choose —"))] + [
        SelectChoice(code, term.label(current_locale())) for code, term in taxonomy.FIELDS.items()
    ]


def region_choices() -> list[SelectChoice]:
    return [SelectChoice("", _l("— choose —"))] + [SelectChoice(r, r) for r in taxonomy.REGIONS]


def mode_choices() -> list[SelectChoice]:
    locale = current_locale()
    return [SelectChoice(c, t.label(locale)) for c, t in taxonomy.COOPERATION_MODES.items()]


def trl_choices() -> list[SelectChoice]:
    return [SelectChoice("", _l("— not stated —"))] + [
        SelectChoice(str(level), f"TRL {level} · {term.label(current_locale())}")
        for level, term in taxonomy.TRL_LEVELS.items()
    ]


def visibility_choices() -> list[SelectChoice]:
    return [
        SelectChoice("public", _l("Public: anyone sees the summary, members see details")),
        SelectChoice("members", _l("Members only: signed-in users")),
        SelectChoice("confidential", _l("Confidential: only you and association staff")),
    ]


def protected_choices() -> list[SelectChoice]:
    return [
        SelectChoice("details", _l("Technical details")),
        SelectChoice("attachments", _l("Attachments")),
        SelectChoice("price", _l("Price or budget")),
    ]


VALIDITY_CHOICES = (30, 90, 180, 365, 730)


def validity_choices(kind: str) -> list[SelectChoice]:
    default = runtime.settings().validity_days(kind)
    days = sorted({*VALIDITY_CHOICES, default})
    return [SelectChoice(str(d), _l("%(days)s days", days=d)) for d in days]


def validity_field(kind: str) -> SelectField:
    return SelectField(
        _l("Valid for"),
        choices=lambda: validity_choices(kind),
        default=lambda: str(runtime.settings().validity_days(kind)),
        validators=[Optional()],
        description=_l(
            "After this it leaves search and matching; we remind you before, and one click "
            "renews it."
        ),
    )


def visible_text(_form: object, field: StringField) -> None:
    """Refuse text made only of spaces and invisible characters (zero-width spaces, joiners,
    byte-order marks: Unicode category Cf), which DataRequired lets through."""
    if not "".join(ch for ch in field.data or "" if unicodedata.category(ch) != "Cf").strip():
        raise ValidationError(str(REQUIRED))


def check_range(low: DecimalField, high: DecimalField) -> None:
    if low.data is not None and high.data is not None and low.data > high.data:
        raise ValidationError(_l("The upper limit must not be below the lower limit."))


class AmountInRange:
    """Prices and budgets, in 万元, within the one bound of listings.amounts; the flags give the
    input min and max attributes so browsers check them too."""

    field_flags = {"min": amounts.AMOUNT_MIN, "max": amounts.AMOUNT_MAX}

    def __call__(self, _form: object, field: DecimalField) -> None:
        if field.data is not None and not amounts.in_range(field.data):
            raise ValidationError(
                _l(
                    "Please enter an amount from %(min)s to %(max)s ×10k CNY.",
                    **amounts.bounds_for_messages(),
                )
            )


amount_in_range = AmountInRange()


class _ListingForm(FlaskForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(REQUIRED), visible_text, Length(max=200)]
    )
    field = SelectField(_l("Field"), choices=field_choices, validators=[DataRequired(REQUIRED)])
    keywords = StringField(
        _l("Keywords"),
        validators=[Optional(), Length(max=300)],
        description=_l("Separate with commas, e.g. 氮化铝, 陶瓷基板, 散热"),
    )
    cooperation_modes = CheckboxList(_l("Cooperation modes"), choices=mode_choices)
    region = SelectField(_l("Region"), choices=region_choices, validators=[Optional()])
    visibility = SelectField(_l("Visibility"), choices=visibility_choices, default="public")
    protected_parts = CheckboxList(
        _l("Visible only after an agreement (协议后可见)"),
        choices=protected_choices,
        description=_l(
            "These parts open only to organisations whose interest request you accepted, after "
            "the association's confidentiality agreement where you require it."
        ),
    )
    confidential_notes = TextAreaField(
        _l("Confidential notes"),
        validators=[Optional(), Length(max=5000)],
        description=_l("Seen only by you and association staff."),
    )


class FileImportForm(FlaskForm):
    document = FileField(
        _l("Word or PDF document"),
        validators=[FileRequired(REQUIRED)],
        description=_l(
            "DOCX or PDF with a text layer, at most 20 MB. "
            "The text fills the form for you to check."
        ),
    )


class AchievementForm(_ListingForm):
    attachment_key = HiddenField()
    validity_days = validity_field("achievement")
    summary = StringField(
        _l("One-sentence summary"),
        validators=[DataRequired(REQUIRED), Length(max=300)],
        description=_l(
            "What it does and for whom, e.g. 一种可将功率模块温度降低 20℃ 的高导热陶瓷基板。"
        ),
    )
    description = TextAreaField(
        _l("Description"),
        validators=[DataRequired(REQUIRED), Length(min=30, max=20000)],
        description=_l(
            "Write for an engineer in industry: the problem it solves, key figures (performance, "
            "cost, yield), how it compares with what is used today, where it can be applied, and "
            "how far it is (lab, pilot, in production)."
        ),
    )
    trl = SelectField(_l("Maturity (TRL)"), choices=trl_choices, validators=[Optional()])
    ip_type = SelectField(
        _l("Intellectual property"),
        choices=lambda: (
            [SelectChoice("", _l("— choose —"))]
            + [SelectChoice(c, t.label(current_locale())) for c, t in taxonomy.IP_TYPES.items()]
        ),
        validators=[Optional()],
    )
    patent_numbers = StringField(
        _l("Patent numbers"),
        validators=[Optional(), Length(max=500)],
        description=_l("e.g. ZL202110234567.8, separated by commas"),
    )
    price_min = DecimalField(
        _l("Asking price from (×10k CNY)"), validators=[Optional(), amount_in_range]
    )
    price_max = DecimalField(
        _l("Asking price up to (×10k CNY)"), validators=[Optional(), amount_in_range]
    )

    def validate_price_max(self, field: DecimalField) -> None:
        check_range(self.price_min, field)


class NeedForm(_ListingForm):
    description = TextAreaField(
        _l("The problem"),
        validators=[DataRequired(REQUIRED), Length(min=20, max=20000)],
        description=_l("Who you are, what goes wrong or what you want to achieve, at what scale."),
    )
    current_approach = TextAreaField(
        _l("Current approach"),
        validators=[Optional(), Length(max=5000)],
        description=_l("What you do today and why it is not good enough."),
    )
    desired_outcome = TextAreaField(
        _l("Desired result"),
        validators=[Optional(), Length(max=5000)],
        description=_l("Measurable targets: cost, performance, yield, regulation to meet."),
    )
    trl_min = SelectField(
        _l("Minimum maturity needed"), choices=trl_choices, validators=[Optional()]
    )
    budget_min = DecimalField(
        _l("Budget from (×10k CNY)"), validators=[Optional(), amount_in_range]
    )
    budget_max = DecimalField(
        _l("Budget up to (×10k CNY)"), validators=[Optional(), amount_in_range]
    )
    deadline = DateField(_l("Deadline"), validators=[Optional()])
    validity_days = validity_field("need")

    def validate_budget_max(self, field: DecimalField) -> None:
        check_range(self.budget_min, field)

    def validate_deadline(self, field: DateField) -> None:
        if field.data and field.data < date.today():
            raise ValidationError(_l("The deadline is in the past."))


class ReturnForm(FlaskForm):
    comment = TextAreaField(
        _l("What should be changed"), validators=[DataRequired(REQUIRED), Length(max=2000)]
    )


def split_list(value: str | None) -> list[str]:
    """Comma, Chinese comma, semicolon or line separated → clean unique items."""
    import re

    items = [v.strip() for v in re.split(r"[,，;；、\n]+", value or "")]
    seen: dict[str, None] = {}
    for item in items:
        if item and item not in seen:
            seen[item[:60]] = None
    return list(seen)
