from __future__ import annotations

import math
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from matchmaker.accounts import login_throttle
from matchmaker.accounts import operations as accounts
from matchmaker.core.errors import ValidationFailed
from matchmaker.models import OrganisationKind, Role
from web import db
from web.auth import bp
from web.auth.forms import LoginForm, RegisterForm
from web.i18n import SUPPORTED_LOCALES
from web.messages import message_for


def _safe_next(default: str) -> str:
    """Only same-site relative paths, so the login form cannot be used as an open redirect.
    Browsers read a backslash as a slash and drop tabs and line breaks ("/\\evil", "/\t/evil"
    both become "//evil"), so no such character is accepted anywhere in the target."""
    target = request.args.get("next") or ""
    parts = urlsplit(target)
    local = target.startswith("/") and not target.startswith("//") and not parts.netloc
    if local and "\\" not in target and all(ch.isprintable() for ch in target):
        return target
    return default


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        s = db.session()
        email, address = form.email.data or "", request.remote_addr or "unknown"
        verdict = login_throttle.begin(s, email, address)
        if not verdict.allowed:
            minutes = max(1, math.ceil(verdict.retry_after.total_seconds() / 60))
            flash(
                ngettext(
                    "Too many failed sign-ins. Please try again in %(num)d minute.",
                    "Too many failed sign-ins. Please try again in %(num)d minutes.",
                    minutes,
                ),
                "error",
            )
            return render_template("auth/login.html", form=form), 429
        user = accounts.authenticate(s, email, form.password.data or "")
        if user is None:
            s.commit()  # the attempt begin() counted stays as a failure
            flash(_("Wrong e-mail or password."), "error")
        else:
            login_throttle.clear(s, email)
            accounts.start_session(s, user)
            s.commit()
            login_user(user, remember=bool(form.remember.data))
            if user.locale:
                session["lang"] = user.locale
            return redirect(_safe_next(url_for("main.dashboard")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    s = db.session()
    accounts.end_sessions(s, current_user)
    s.commit()
    logout_user()
    flash(_("You have been signed out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/register", methods=["GET", "POST"])
def register() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = RegisterForm()
    if form.validate_on_submit():
        s = db.session()
        try:
            user = accounts.register(
                s,
                accounts.Registration(
                    email=form.email.data or "",
                    password=form.password.data or "",
                    name=form.name.data or "",
                    role=Role(form.role.data),
                    organisation_name=form.organisation_name.data or "",
                    organisation_kind=OrganisationKind(form.organisation_kind.data),
                    credit_code=form.credit_code.data,
                    region=form.region.data or None,
                    title=form.title.data or None,
                    phone=form.phone.data or None,
                ),
            )
        except ValidationFailed as exc:
            s.rollback()
            target = getattr(form, exc.field or "", None)
            if target is not None:
                target.errors = [*target.errors, message_for(exc)]
            else:
                flash(message_for(exc), "error")
        else:
            s.commit()
            login_user(user)
            flash(_("Welcome! Your account has been created."), "success")
            return redirect(url_for("main.dashboard"))
    return render_template("auth/register.html", form=form)


@bp.route("/lang/<code>", methods=["GET", "POST"])
def set_language(code: str) -> Response:
    if code in SUPPORTED_LOCALES:
        session["lang"] = code
        if current_user.is_authenticated:
            accounts.set_locale(db.session(), current_user, code)
            db.session().commit()
    return redirect(_safe_next(url_for("main.index")))
