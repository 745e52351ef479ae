"""Researchers' achievements and enterprises' needs: create, edit, submit, withdraw, archive;
staff review (publish or return with a comment)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from indexer.extract import ExtractionError, guess_title
from matchmaker import runtime, visibility
from matchmaker.duplicates import guards as duplicates
from matchmaker.listings import operations as listings
from matchmaker.listings import pages, prefill, uploads, validity
from matchmaker.matching import operations as matching
from matchmaker.matching.compatibility import shown_checks
from matchmaker.models import (
    Achievement,
    IPType,
    ListingState,
    Match,
    Need,
    ProtectedPart,
    Role,
    Visibility,
)
from matchmaker.review import parties as matches
from matchmaker.saved_searches import operations as saved_searches
from web import db
from web.access import roles_required, staff_required
from web.committing import committing
from web.messages import message_for
from web.submissions import bp
from web.submissions.forms import (
    AchievementForm,
    FileImportForm,
    NeedForm,
    ReturnForm,
    split_list,
)

MODELS: dict[str, Any] = {"achievement": Achievement, "need": Need}
FORMS: dict[str, Any] = {"achievement": AchievementForm, "need": NeedForm}
OWNER_ROLE = {"achievement": Role.RESEARCHER, "need": Role.ENTERPRISE}


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def form_to_fields(kind: str, form: Any) -> dict[str, Any]:
    """The validated form as model fields; the web form and the JSON API (web/api) share it."""
    fields: dict[str, Any] = {
        "title": form.title.data.strip(),
        "field": form.field.data or None,
        "keywords": split_list(form.keywords.data),
        "cooperation_modes": list(form.cooperation_modes.data or []),
        "region": form.region.data or None,
        "visibility": Visibility(form.visibility.data),
        "protected_parts": [
            p
            for p in (getattr(getattr(form, "protected_parts", None), "data", None) or [])
            if p in {str(part) for part in ProtectedPart}
        ],
        "confidential_notes": form.confidential_notes.data or None,
        "description": form.description.data.strip(),
        "validity_days": int(form.validity_days.data) if form.validity_days.data else None,
    }
    if kind == "achievement":
        fields.update(
            summary=form.summary.data.strip(),
            trl=int(form.trl.data) if form.trl.data else None,
            ip_type=IPType(form.ip_type.data) if form.ip_type.data else None,
            patent_numbers=split_list(form.patent_numbers.data),
            price_min=_number(form.price_min.data),
            price_max=_number(form.price_max.data),
        )
    else:
        fields.update(
            current_approach=(form.current_approach.data or "").strip(),
            desired_outcome=(form.desired_outcome.data or "").strip(),
            trl_min=int(form.trl_min.data) if form.trl_min.data else None,
            budget_min=_number(form.budget_min.data),
            budget_max=_number(form.budget_max.data),
            deadline=form.deadline.data,
        )
    return fields


def _listing_to_form(kind: str, listing: Any) -> Any:
    form = FORMS[kind](obj=listing)
    if request.method == "GET":
        form.keywords.data = ", ".join(listing.keywords or [])
        form.cooperation_modes.data = list(listing.cooperation_modes or [])
        form.visibility.data = str(listing.visibility)
        form.protected_parts.data = list(listing.protected_parts or [])
        if kind == "achievement":
            form.trl.data = str(listing.trl or "")
            form.ip_type.data = str(listing.ip_type or "")
            form.patent_numbers.data = ", ".join(listing.patent_numbers or [])
        else:
            form.trl_min.data = str(listing.trl_min or "")
        form.validity_days.data = str(
            listing.validity_days or runtime.settings().validity_days(kind)
        )
    return form


def _own_listing(kind: str, listing_id: int) -> Any:
    listing = db.session().get(MODELS[kind], listing_id)
    if listing is None or listing.owner_id != current_user.id:
        abort(404)
    return listing


def _check_kind(kind: str) -> None:
    if kind not in MODELS:
        abort(404)
    if current_user.role != OWNER_ROLE[kind]:
        abort(403)


@bp.route("/<kind>/new", methods=["GET", "POST"])
@login_required
def create(kind: str) -> str | Response:
    _check_kind(kind)
    form = FORMS[kind]()
    if form.validate_on_submit():
        s = db.session()
        draft = MODELS[kind](**form_to_fields(kind, form))
        filed = listings.file_listing(
            s,
            current_user,
            draft,
            settings=runtime.settings(),
            engine=runtime.search_engine(),
            check_similar=not request.form.get("confirm_duplicate"),
            attachment_key=form.attachment_key.data if kind == "achievement" else None,
        )
        if filed.already_saved:
            # a double click or a re-sent form: show what was saved instead of saving it twice
            flash(_("This was already saved a moment ago."), "info")
            return redirect(url_for("submissions.edit", kind=kind, listing_id=filed.listing.id))
        if filed.listing is None:
            return render_template(
                f"submissions/{kind}_form.html",
                form=form,
                listing=None,
                kind=kind,
                before_save=filed.similar,
                file_form=FileImportForm() if kind == "achievement" else None,
            )
        listing = filed.listing
        s.commit()
        flash(_("Saved as a draft. Submit it for review when it is ready."), "success")
        return redirect(url_for("submissions.edit", kind=kind, listing_id=listing.id))
    return render_template(
        f"submissions/{kind}_form.html",
        form=form,
        listing=None,
        kind=kind,
        file_form=FileImportForm() if kind == "achievement" else None,
    )


@bp.route("/achievement/from-file", methods=["POST"])
@roles_required(Role.RESEARCHER)
def achievement_from_file() -> str | Response:
    """Extract the text of a DOCX/PDF and pre-fill a new achievement for the researcher to edit."""
    file_form = FileImportForm()
    form = AchievementForm(formdata=None)
    recognised: list[str] = []
    if file_form.validate_on_submit():
        data = file_form.document.data.read()
        try:
            extracted = uploads.read_document(data)
        except ExtractionError as exc:
            flash(message_for(exc), "error")
        else:
            pending = uploads.store_pending(
                runtime.settings().upload_dir,
                current_user,
                data,
                file_form.document.data.filename,
                extracted.kind,
                extracted.text,
            )
            form.title.data = guess_title(extracted.text)
            form.description.data = extracted.text[:20000]
            form.attachment_key.data = pending.key
            recognised = _fill_recognised(form, prefill.recognise(extracted.text))
            flash(
                _(
                    "Text taken from %(name)s: please check it and fill in the other fields.",
                    name=pending.original_name,
                )
                + (
                    " " + _("Fields marked “from the file” were read from it: please confirm them.")
                    if recognised
                    else ""
                ),
                "info",
            )
    return render_template(
        "submissions/achievement_form.html",
        form=form,
        listing=None,
        kind="achievement",
        file_form=file_form,
        prefilled=recognised,
    )


def _fill_recognised(form: Any, found: prefill.Prefill) -> list[str]:
    """Put what the document states into the form; returns the names of the fields filled."""
    values = found.values
    if "patent_numbers" in values:
        form.patent_numbers.data = ", ".join(values["patent_numbers"])
    for name in ("trl", "ip_type"):
        if name in values:
            getattr(form, name).data = str(values[name])
    for name in ("field", "region", "cooperation_modes", "price_min", "price_max"):
        if name in values:
            getattr(form, name).data = values[name]
    return found.recognised


@bp.route("/<kind>/<int:listing_id>/edit", methods=["GET", "POST"])
@login_required
def edit(kind: str, listing_id: int) -> str | Response:
    _check_kind(kind)
    listing = _own_listing(kind, listing_id)
    form = _listing_to_form(kind, listing)
    similar = (
        duplicates.same_organisation(
            db.session(),
            listing,
            duplicates.available_engine(runtime.settings(), runtime.search_engine()),
        )
        if listing.state in listings.EDITABLE_STATES
        else []
    )
    if form.validate_on_submit():
        with committing(_("Changes saved.")) as outcome:
            listings.update(db.session(), current_user, listing, form_to_fields(kind, form))
        if outcome.ok:
            return redirect(url_for("submissions.edit", kind=kind, listing_id=listing.id))
    return render_template(
        f"submissions/{kind}_form.html",
        form=form,
        listing=listing,
        kind=kind,
        similar=similar,
        editable=listing.state in listings.EDITABLE_STATES,
        no_good_match=(
            listing.state == ListingState.PUBLISHED
            and not matching.has_good_match(matching.best_score(db.session(), listing))
        ),
        alert=saved_searches.alert_of(db.session(), listing) if kind == "need" else None,
    )


@bp.route("/<kind>/<int:listing_id>/<action>", methods=["POST"])
@login_required
def act(kind: str, listing_id: int, action: str) -> Response:
    _check_kind(kind)
    targets = {
        "submit": ListingState.SUBMITTED,
        "withdraw": ListingState.DRAFT,
        "archive": ListingState.ARCHIVED,
    }
    if action not in targets and action != "renew":
        abort(404)
    listing = _own_listing(kind, listing_id)
    s = db.session()
    with committing() as outcome:
        if action == "renew":
            validity.renew(s, runtime.settings(), current_user, listing)
        else:
            listings.transition(
                s,
                current_user,
                listing,
                targets[action],
                settings=runtime.settings(),
                engine=runtime.search_engine(),
            )
    if outcome.ok:
        flash(
            {
                "submit": _("Submitted for review. Staff will check it shortly."),
                "withdraw": _("Withdrawn: it is a draft again."),
                "archive": _("Archived: it no longer appears in search or matching."),
                "renew": _("Renewed: valid until %(date)s.", date=format_date(listing.expires_at)),
            }[action],
            "success",
        )
    return redirect(url_for("submissions.edit", kind=kind, listing_id=listing.id))


@bp.route("/review")
@staff_required
def review_queue() -> str:
    s = db.session()
    waiting = {kind: pages.waiting_for_review(s, model) for kind, model in MODELS.items()}
    return render_template("submissions/review.html", waiting=waiting, return_form=ReturnForm())


@bp.route("/review/<kind>/<int:listing_id>/<decision>", methods=["POST"])
@staff_required
def review_decide(kind: str, listing_id: int, decision: str) -> Response:
    if kind not in MODELS or decision not in ("publish", "return"):
        abort(404)
    s = db.session()
    listing = s.get(MODELS[kind], listing_id)
    if listing is None:
        abort(404)
    comment = request.form.get("comment")
    target = ListingState.PUBLISHED if decision == "publish" else ListingState.RETURNED
    done = _("Published.") if decision == "publish" else _("Returned to the owner.")
    with committing(done):
        listings.transition(
            s,
            current_user,
            listing,
            target,
            comment,
            settings=runtime.settings(),
            engine=runtime.search_engine(),
        )
    return redirect(url_for("submissions.review_queue"))


@bp.route("/matches")
@roles_required(Role.RESEARCHER, Role.ENTERPRISE)
def my_matches() -> str:
    items = matches.for_party(db.session(), current_user)
    cards = []
    for match in items:
        side = matches.party_of(current_user, match)
        stored = (match.explanation or {}).get("checks") or []
        if match.expert is not None:  # a need paired with an expert (issue 22)
            expert = match.expert
            other_side = match.need if side == "expert" else expert
            visible = (
                visibility.can_see(current_user, match.need)
                if side == "expert"
                else visibility.can_see_expert(current_user, expert)
            )
            cards.append(
                {
                    "match": match,
                    "other": other_side,
                    "other_name": match.need.title if side == "expert" else expert.name,
                    "other_text": match.need.description if side == "expert" else expert.directions,
                    "other_visible": visible,
                    "mine_name": expert.name if side == "expert" else match.need.title,
                    "response": matches.latest_response(match, side or ""),
                    "can_respond": matches.can_respond(match),
                    "checks": stored,
                }
            )
            continue
        other = match.need if side == "achievement" else match.achievement
        cards.append(
            {
                "match": match,
                "other": other,
                "other_name": other.title,
                "other_text": other.summary if other.kind == "achievement" else other.description,
                "other_visible": visibility.can_see(current_user, other),
                "mine_name": (match.achievement if side == "achievement" else match.need).title,
                "response": matches.latest_response(match, side or ""),
                "can_respond": matches.can_respond(match),
                "checks": shown_checks(stored, match.achievement, match.need),
            }
        )
    return render_template("submissions/matches.html", cards=cards)


@bp.route("/matches/<int:match_id>/<response>", methods=["POST"])
@roles_required(Role.RESEARCHER, Role.ENTERPRISE)
def respond_to_match(match_id: int, response: str) -> Response:
    s = db.session()
    match = s.get(Match, match_id)
    if match is None or matches.party_of(current_user, match) is None:
        abort(404)
    with committing(_("Thank you: the association has been told.")):
        matches.respond(s, current_user, match, response)
    return redirect(url_for("submissions.my_matches"))


@bp.route("/submissions")
@roles_required(Role.RESEARCHER, Role.ENTERPRISE)
def mine() -> Response:
    return redirect(url_for("main.dashboard"))
