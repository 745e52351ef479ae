"""List, create (the secret is shown once, never again) and revoke one's API tokens."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from matchmaker.accounts import api_tokens
from matchmaker.core.errors import NotFound
from web import db
from web.api_tokens import bp


class TokenForm(FlaskForm):
    name = StringField(
        _l("Token name"),
        validators=[DataRequired(_l("This field is required.")), Length(max=api_tokens.NAME_MAX)],
        description=_l("What the token is for, e.g. ERP sync"),
    )


class RevokeForm(FlaskForm):
    pass


def _page(form: TokenForm, secret: str | None = None) -> Response:
    tokens = api_tokens.for_user(db.session(), current_user)
    html = render_template(
        "api_tokens/index.html", form=form, revoke_form=RevokeForm(), tokens=tokens, secret=secret
    )
    response = make_response(html)
    response.headers["Cache-Control"] = "no-store"  # the page may carry a secret
    return response


@bp.route("", methods=["GET", "POST"])
@login_required
def index() -> Response:
    form = TokenForm()
    if form.validate_on_submit():
        s = db.session()
        created = api_tokens.create(s, current_user, form.name.data)
        s.commit()
        return _page(TokenForm(formdata=None), secret=created.secret)
    return _page(form)


@bp.route("/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int) -> Response:
    if not RevokeForm().validate_on_submit():
        abort(400)
    s = db.session()
    try:
        api_tokens.revoke(s, current_user, token_id)
    except NotFound:
        abort(404)
    s.commit()
    flash(_("The token was revoked: requests with it are refused from now on."), "success")
    return redirect(url_for("api_tokens.index"))
