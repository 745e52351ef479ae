from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from matchmaker.models import AuditEntry, Role, User
from matchmaker.services import accounts
from matchmaker.services.errors import ValidationFailed
from web import db
from web.access import admin_required
from web.admin import bp
from web.admin.forms import StaffAccountForm
from web.messages import message_for


@bp.route("/users", methods=["GET", "POST"])
@admin_required
def users() -> str | Response:
    s = db.session()
    form = StaffAccountForm()
    if form.validate_on_submit():
        try:
            accounts.create_user(
                s,
                form.email.data or "",
                form.password.data or "",
                form.name.data or "",
                Role(form.role.data),
                organisation=current_user.organisation,
                actor=current_user,
            )
        except ValidationFailed as exc:
            s.rollback()
            target = getattr(form, exc.field or "", None)
            if target is not None:
                target.errors = [*target.errors, message_for(exc)]
        else:
            s.commit()
            flash(_("Account created."), "success")
            return redirect(url_for("admin.users"))
    people = s.scalars(sa.select(User).order_by(User.role, User.id)).all()
    return render_template("admin/users.html", people=people, form=form)


@bp.route("/audit")
@admin_required
def audit_log() -> str:
    entries = (
        db.session().scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(200)).all()
    )
    return render_template("admin/audit.html", entries=entries)
