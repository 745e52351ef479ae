"""The reader's notifications, and the development outbox of e-mails."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, render_template
from flask_login import current_user, login_required

from matchmaker.db import count_rows, utcnow
from matchmaker.models import Notification, OutboxMail
from matchmaker.notifications.notify import render
from web import db
from web.access import staff_required
from web.i18n import current_locale
from web.notifications import bp


@bp.route("/notifications")
@login_required
def index() -> str:
    s = db.session()
    items = s.scalars(
        sa.select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.id.desc())
        .limit(100)
    ).all()
    rendered = [(n, render(n.message_key, n.params, current_locale())) for n in items]
    page = render_template("notifications/index.html", items=rendered)
    # seeing them is reading them
    s.execute(
        sa.update(Notification)
        .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    s.commit()
    return page


@bp.route("/admin/outbox")
@staff_required
def outbox() -> str:
    mails = (
        db.session().scalars(sa.select(OutboxMail).order_by(OutboxMail.id.desc()).limit(200)).all()
    )
    return render_template("notifications/outbox.html", mails=mails)


def init_app(app: Flask) -> None:
    @app.context_processor
    def _unread() -> dict[str, int]:
        if not current_user.is_authenticated:
            return {"unread_notifications": 0}
        return {
            "unread_notifications": count_rows(
                db.session(),
                Notification,
                Notification.user_id == current_user.id,
                Notification.read_at.is_(None),
            )
        }
