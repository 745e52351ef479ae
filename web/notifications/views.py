"""The reader's notifications, and the development outbox of e-mails.

Showing the list changes nothing; reading is a POST: "mark all as read", or opening one
notification, which marks it read and goes on to its link.
"""

from __future__ import annotations

from flask import Flask, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from matchmaker.core.numbers import whole_number
from matchmaker.notifications import inbox
from matchmaker.notifications.notify import render
from web import db
from web.access import staff_required
from web.committing import committing
from web.i18n import current_locale
from web.notifications import bp


@bp.route("/notifications")
@login_required
def index() -> str:
    items = inbox.latest(db.session(), current_user)
    rendered = [(n, render(n.message_key, n.params, current_locale())) for n in items]
    unread = [n.id for n in items if n.read_at is None]
    return render_template("notifications/index.html", items=rendered, unread=unread)


@bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_read() -> Response:
    """Mark the notifications the page showed as read (not any that arrived since)."""
    ids = [n for i in request.form.getlist("ids") if (n := whole_number(i)) is not None]
    ids = ids[: inbox.LIST_LIMIT]
    with committing():
        inbox.mark_read(db.session(), current_user, ids)
    return redirect(url_for("notifications.index"))


def _local(link: str | None) -> str | None:
    # only a path of this site: never an open redirect
    return link if link and link.startswith("/") and not link.startswith("//") else None


@bp.route("/notifications/<int:notification_id>/open", methods=["POST"])
@login_required
def open_one(notification_id: int) -> Response:
    """Mark one notification read and follow its link."""
    s = db.session()
    note = inbox.owned(s, current_user, notification_id)
    if note is None:
        abort(404)
    with committing():
        inbox.mark_read(s, current_user, [note.id])
    return redirect(_local(note.link) or url_for("notifications.index"))


@bp.route("/admin/outbox")
@staff_required
def outbox() -> str:
    return render_template("notifications/outbox.html", mails=inbox.outbox(db.session()))


def init_app(app: Flask) -> None:
    @app.context_processor
    def _unread() -> dict[str, int]:
        if not current_user.is_authenticated:
            return {"unread_notifications": 0}
        return {"unread_notifications": inbox.unread_count(db.session(), current_user)}
