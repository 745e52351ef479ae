"""Interest requests: ask, my requests, incoming, staff list, one request with its answers, the
confidentiality agreement and its PDF, the admin's agreement versions. Thin over
`matchmaker.interest`; who may see what is decided there and in `matchmaker.visibility`."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from matchmaker import runtime, visibility
from matchmaker.core.numbers import whole_number
from matchmaker.interest import agreements, deals
from matchmaker.interest import requests as interest
from matchmaker.models import AgreementAcceptance, InterestRequest, InterestState
from web import db
from web.access import admin_required, staff_required
from web.committing import committing
from web.interest import bp, labels
from web.messages import MESSAGES, field_errors


def _listing_or_404(kind: str, listing_id: int) -> visibility.Listing:
    listing = interest.load_listing(db.session(), kind, listing_id)
    if listing is None:
        abort(404)
    return listing


def _request_or_404(request_id: int) -> tuple[InterestRequest, visibility.Listing]:
    """The request and its listing, for the people who may see it; everyone else 404."""
    found = db.session().get(InterestRequest, request_id)
    if found is None:
        abort(404)
    listing = interest.listing_of(db.session(), found)
    if not interest.can_view(current_user, found, listing):
        abort(404)
    return found, listing


def _label(listing: visibility.Listing) -> str:
    """The listing as the reader may see it: its title, or the confidential placeholder."""
    if visibility.can_see(current_user, listing):
        return listing.title
    return _("(confidential: ask the association)")


def _common() -> dict[str, Any]:
    return {
        "state_label": labels.state_label,
        "reason_label": labels.reason_label,
        "strength_label": labels.strength_label,
        "part_label": labels.part_label,
        "listing_label": _label,
    }


@bp.route("/ask/<kind>/<int:listing_id>", methods=["GET", "POST"])
@login_required
def ask(kind: str, listing_id: int) -> str | Response:
    listing = _listing_or_404(kind, listing_id)
    refused = interest.refusal(current_user, listing)
    if refused is not None:
        if not visibility.can_see(current_user, listing):
            abort(404)  # a hidden listing stays hidden, as if it did not exist
        # one's own listing, staff, the same side: say why instead of offering a form
        return render_template(
            "interest/ask.html", listing=listing, refused=MESSAGES[refused], **_common()
        )
    existing = interest.live_request(db.session(), current_user, listing)
    message = request.form.get("message", "")
    errors: dict[str, str] = {}
    if request.method == "POST":
        with committing(flash_error=False) as outcome:
            created = interest.create(db.session(), current_user, listing, message)
        if outcome.ok:
            return redirect(url_for("interest.detail", request_id=created.id, sent=1))
        errors = field_errors(outcome.error) or {"": _message(outcome.error)}
    return render_template(
        "interest/ask.html",
        listing=listing,
        existing=existing,
        message=message,
        errors=errors,
        max_length=interest.MESSAGE_MAX,
        **_common(),
    )


def _message(error: Any) -> str:
    from web.messages import message_for

    return message_for(error) if error is not None else ""


@bp.route("/mine")
@login_required
def mine() -> str:
    rows = interest.rows(db.session(), interest.mine(db.session(), current_user))
    return render_template("interest/list.html", rows=rows, view="mine", **_common())


@bp.route("/incoming")
@login_required
def incoming() -> str:
    rows = interest.rows(db.session(), interest.incoming(db.session(), current_user))
    return render_template("interest/list.html", rows=rows, view="incoming", **_common())


@bp.route("/all")
@staff_required
def everything() -> str:
    state_code = request.args.get("state") or ""
    state = InterestState(state_code) if state_code in labels.STATES else None
    rows = interest.rows(db.session(), interest.everything(db.session(), state))
    return render_template(
        "interest/list.html",
        rows=rows,
        view="all",
        state=state_code if state else "",
        states=labels.STATES,
        **_common(),
    )


def _detail_page(
    found: InterestRequest, listing: visibility.Listing, errors: dict[str, str]
) -> str:
    session = db.session()
    thread = deals.thread_for(session, found)
    return render_template(
        "interest/detail.html",
        item=found,
        thread=thread
        if thread is not None and visibility.can_read_conversation(current_user, thread)
        else None,
        listing=listing,
        strength=interest.match_strength(session, found, listing),
        can_answer=interest.can_answer(current_user, found, listing),
        can_revoke=interest.can_revoke(current_user, found, listing),
        can_mediate=listing.owner_id == current_user.id and found.state == InterestState.OPEN,
        is_requester=found.requester_id == current_user.id,
        acceptances=agreements.acceptances(session, found),
        reasons=labels.REASONS,
        errors=errors,
        form=request.form,
        **_common(),
    )


@bp.route("/<int:request_id>")
@login_required
def detail(request_id: int) -> str:
    found, listing = _request_or_404(request_id)
    return _detail_page(found, listing, {})


def _act(request_id: int, action: str) -> str | Response:
    found, listing = _request_or_404(request_id)
    session = db.session()
    form = request.form
    messages = {
        "accept": _("Accepted."),
        "decline": _("Declined."),
        "mediate": _("The association has been asked to mediate."),
        "revoke": _("Access revoked."),
        "verify": _("Recorded."),
    }
    with committing(messages[action], flash_error=False) as outcome:
        if action == "accept":
            interest.accept(
                session, current_user, found, agreement_required=form.get("agreement") == "1"
            )
        elif action == "decline":
            interest.decline(session, current_user, found, form.get("reason", ""), form.get("note"))
        elif action == "mediate":
            interest.ask_mediation(session, current_user, found, form.get("note"))
        elif action == "revoke":
            interest.revoke(session, current_user, found, form.get("note"))
        else:
            agreements.verify_signed(session, current_user, found, form.get("approve") == "1")
    if outcome.ok:
        return redirect(url_for("interest.detail", request_id=request_id))
    session.expire_all()
    found, listing = _request_or_404(request_id)
    errors = field_errors(outcome.error) or {"": _message(outcome.error)}
    return _detail_page(found, listing, errors)


ACTIONS = ("accept", "decline", "mediate", "revoke", "verify")


@bp.route("/<int:request_id>/<action>", methods=["POST"])
@login_required
def act(request_id: int, action: str) -> str | Response:
    if action not in ACTIONS:
        abort(404)
    return _act(request_id, action)


@bp.route("/<int:request_id>/agreement", methods=["GET", "POST"])
@login_required
def agreement(request_id: int) -> str | Response:
    found, listing = _request_or_404(request_id)
    if found.requester_id != current_user.id:
        abort(404)
    errors: dict[str, str] = {}
    if request.method == "POST":
        with committing(
            _("Agreement accepted: the details are open."), flash_error=False
        ) as outcome:
            agreements.accept_in_app(
                db.session(),
                current_user,
                found,
                typed_name=request.form.get("typed_name", ""),
                agreement_id=whole_number(request.form.get("agreement_id", "")),
                ip_address=request.remote_addr,
            )
        if outcome.ok:
            return redirect(url_for("interest.detail", request_id=request_id))
        errors = field_errors(outcome.error) or {"": _message(outcome.error)}
    return render_template(
        "interest/agreement.html",
        item=found,
        listing=listing,
        text=agreements.current(db.session()),
        errors=errors,
        typed_name=request.form.get("typed_name", ""),
        **_common(),
    )


@bp.route("/<int:request_id>/agreement/upload", methods=["POST"])
@login_required
def upload_agreement(request_id: int) -> str | Response:
    found, listing = _request_or_404(request_id)
    if found.requester_id != current_user.id:
        abort(404)
    upload = request.files.get("file")
    data = upload.read() if upload else b""
    settings = runtime.settings()
    with committing(
        _("Signed agreement uploaded: staff will verify it."), flash_error=False
    ) as outcome:
        agreements.upload_signed(
            db.session(),
            current_user,
            found,
            settings.upload_dir,
            data,
            upload.filename if upload else None,
            current_app.config.get("MAX_CONTENT_LENGTH") or settings.upload_max_bytes,
        )
    if outcome.ok:
        return redirect(url_for("interest.detail", request_id=request_id))
    return render_template(
        "interest/agreement.html",
        item=found,
        listing=listing,
        text=agreements.current(db.session()),
        errors=field_errors(outcome.error) or {"": _message(outcome.error)},
        typed_name="",
        **_common(),
    )


def _acceptance_or_404(found: InterestRequest, acceptance_id: int) -> AgreementAcceptance:
    acceptance = db.session().get(AgreementAcceptance, acceptance_id)
    if acceptance is None or acceptance.request_id != found.id:
        abort(404)
    return acceptance


@bp.route("/<int:request_id>/agreement/<int:acceptance_id>.pdf")
@login_required
def agreement_pdf(request_id: int, acceptance_id: int) -> Response:
    found, listing = _request_or_404(request_id)
    acceptance = _acceptance_or_404(found, acceptance_id)
    captions = {
        "version": _("version"),
        "record": _("Acceptance record"),
        "name": _("Name typed"),
        "organisation": _("Organisation"),
        "time": _("Time"),
        "ip": _("IP address"),
        "listing": _("Listing"),
        "request": _("Request no."),
    }
    data = agreements.record_pdf(acceptance, found.organisation.name, _label(listing), captions)
    import io

    return send_file(
        io.BytesIO(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"agreement-{found.id}-{acceptance.id}.pdf",
    )


@bp.route("/<int:request_id>/agreement/<int:acceptance_id>/signed")
@login_required
def signed_copy(request_id: int, acceptance_id: int) -> Response:
    found, _listing = _request_or_404(request_id)
    if not (current_user.is_staff or found.requester_id == current_user.id):
        abort(404)
    acceptance = _acceptance_or_404(found, acceptance_id)
    path = agreements.signed_file(runtime.settings().upload_dir, acceptance)
    if path is None:
        abort(404)
    return send_file(
        path,
        mimetype=acceptance.file_type or "application/octet-stream",
        as_attachment=True,
        download_name=acceptance.file_name or "agreement",
    )


@bp.route("/agreement-texts", methods=["GET", "POST"])
@admin_required
def agreement_texts() -> str | Response:
    errors: dict[str, str] = {}
    if request.method == "POST":
        with committing(_("New agreement version published."), flash_error=False) as outcome:
            agreements.publish_version(
                db.session(),
                current_user,
                request.form.get("title", ""),
                request.form.get("body", ""),
            )
        if outcome.ok:
            return redirect(url_for("interest.agreement_texts"))
        errors = field_errors(outcome.error) or {"": _message(outcome.error)}
    current = agreements.current(db.session())
    return render_template(
        "interest/agreement_texts.html",
        versions=agreements.versions(db.session()),
        errors=errors,
        title=request.form.get("title", current.title if current else ""),
        body=request.form.get("body", current.body if current else ""),
    )
