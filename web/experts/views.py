"""Expertise profiles: browse, file one's own, staff invite, the expert confirms by link, edit,
and the open needs in an expert's directions."""

from __future__ import annotations

import logging

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from matchmaker import runtime, taxonomy, visibility
from matchmaker.core.errors import OperationError
from matchmaker.core.numbers import whole_number
from matchmaker.experts import matching as expert_matching
from matchmaker.experts import operations as experts
from matchmaker.models import ExpertProfile, Role
from web import db
from web.access import roles_required, staff_required
from web.committing import committing
from web.experts import bp
from web.messages import field_errors
from web.submissions.forms import visibility_choices

log = logging.getLogger(__name__)


def _viewer():  # type: ignore[no-untyped-def]
    return current_user if current_user.is_authenticated else None


def _load(profile_id: int) -> ExpertProfile:
    profile = db.session().get(ExpertProfile, profile_id)
    if profile is None or not visibility.can_see_expert(_viewer(), profile):
        abort(404)  # not 403: a hidden profile does not exist for this reader
    return profile


def _ids(raw: str) -> tuple[int, ...]:
    """Representative achievements typed as numbers separated by commas or spaces."""
    parts = raw.replace("，", ",").replace(",", " ").split()
    numbers = (whole_number(part.lstrip("#"), minimum=1) for part in parts)
    return tuple(n for n in numbers if n is not None)


def _form() -> experts.ExpertForm:
    f = request.form
    picked = (whole_number(v, minimum=1) for v in f.getlist("achievement_ids"))
    chosen = tuple(n for n in picked if n is not None)
    return experts.ExpertForm(
        name=f.get("name", ""),
        title=f.get("title", ""),
        organisation_name=f.get("organisation_name", ""),
        region=f.get("region") or None,
        fields=tuple(f.getlist("fields")),
        directions=f.get("directions", ""),
        achievement_ids=chosen + _ids(f.get("achievement_numbers", "")),
        publications=f.get("publications", ""),
        offers=tuple(f.getlist("offers")),
        availability=f.get("availability") or None,
        visibility=f.get("visibility", "public"),
        email=f.get("email", ""),
        phone=f.get("phone", ""),
    )


def _posted() -> dict[str, object]:
    values: dict[str, object] = dict(request.form.items())
    for name in ("fields", "offers", "achievement_ids"):
        values[name] = request.form.getlist(name)
    return values


def _values(profile: ExpertProfile) -> dict[str, object]:
    return {
        "name": profile.name,
        "title": profile.title or "",
        "organisation_name": profile.organisation_name,
        "region": profile.region or "",
        "fields": profile.fields,
        "directions": profile.directions,
        "achievement_ids": [str(i) for i in profile.achievement_ids],
        "achievement_numbers": "",
        "publications": profile.publications,
        "offers": profile.offers,
        "availability": profile.availability or "",
        "visibility": str(profile.visibility),
        "email": profile.email or "",
        "phone": profile.phone or "",
    }


def _render_form(
    mode: str,
    values: dict[str, object],
    error: OperationError | None = None,
    profile: ExpertProfile | None = None,
) -> str:
    owner = current_user if mode == "own" else (profile.user if profile else None)
    return render_template(
        "experts/form.html",
        mode=mode,
        profile=profile,
        values=values,
        field_errors=field_errors(error),
        fields=taxonomy.FIELDS,
        regions=taxonomy.REGIONS,
        offers=taxonomy.EXPERT_OFFERS,
        availabilities=taxonomy.EXPERT_AVAILABILITY,
        visibilities=visibility_choices(),
        choices=experts.listing_choices(db.session(), owner),
    )


@bp.route("/")
def index() -> str:
    viewer = _viewer()
    s = db.session()
    return render_template(
        "experts/index.html",
        profiles=experts.browse(s, viewer),
        pending=experts.pending_invitations(s) if viewer and viewer.is_staff else [],
        own=experts.own_profile(s, viewer) if viewer else None,
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.RESEARCHER)
def create_own() -> str | Response:
    existing = experts.own_profile(db.session(), current_user)
    if existing is not None:
        return redirect(url_for("experts.profile", profile_id=existing.id))
    if request.method == "GET":
        org = current_user.organisation
        return _render_form(
            "own",
            {
                "name": current_user.name,
                "title": current_user.title or "",
                "organisation_name": org.name if org else "",
                "region": org.region if org and org.region else "",
                "visibility": "public",
            },
        )
    with committing(_("Your expert profile is published.")) as outcome:
        profile = experts.create_own(db.session(), current_user, _form())
    if not outcome.ok:
        return _render_form("own", _posted(), outcome.error)
    return redirect(url_for("experts.profile", profile_id=profile.id))


@bp.route("/invite", methods=["GET", "POST"])
@staff_required
def invite() -> str | Response:
    if request.method == "GET":
        return _render_form("invite", {"visibility": "public"})
    with committing(_("Invitation sent. The profile is published once the expert confirms.")) as (
        outcome
    ):
        profile = experts.invite(
            db.session(), current_user, _form(), secret=runtime.settings().secret_key
        )
    if not outcome.ok:
        return _render_form("invite", _posted(), outcome.error)
    return redirect(url_for("experts.profile", profile_id=profile.id))


@bp.route("/<int:profile_id>")
def profile(profile_id: int) -> str:
    found = _load(profile_id)
    viewer = _viewer()
    level = visibility.expert_access(viewer, found)
    s = db.session()
    open_needs = None
    if level == visibility.Access.OWNER and runtime.settings().search_enabled:
        try:
            open_needs = expert_matching.needs_for_expert(s, runtime.search_engine(), found, viewer)
        except Exception:  # the index being down must not take the profile page with it
            log.exception("open needs for expert %s", found.id)
    return render_template(
        "experts/profile.html",
        profile=found,
        access=level.value,
        contact_visible=visibility.can_see_expert_contact(viewer, found),
        achievements=[a for a in experts.representative(s, found) if visibility.can_see(viewer, a)],
        open_needs=open_needs,
    )


@bp.route("/<int:profile_id>/edit", methods=["GET", "POST"])
@roles_required(Role.RESEARCHER, Role.STAFF, Role.ADMIN)
def edit(profile_id: int) -> str | Response:
    found = _load(profile_id)
    if not visibility.can_edit_expert(current_user, found):
        abort(403)
    if request.method == "GET":
        return _render_form("edit", _values(found), profile=found)
    with committing(_("Saved.")) as outcome:
        experts.update(db.session(), current_user, found, _form())
    if not outcome.ok:
        return _render_form("edit", _posted(), outcome.error, profile=found)
    return redirect(url_for("experts.profile", profile_id=found.id))


@bp.route("/<int:profile_id>/archive", methods=["POST"])
@roles_required(Role.RESEARCHER, Role.STAFF, Role.ADMIN)
def archive(profile_id: int) -> Response:
    found = _load(profile_id)
    if not visibility.can_edit_expert(current_user, found):
        abort(403)
    with committing(_("The profile was archived.")):
        experts.archive(db.session(), current_user, found)
    return redirect(url_for("experts.profile", profile_id=found.id))


@bp.route("/<int:profile_id>/resend", methods=["POST"])
@staff_required
def resend(profile_id: int) -> Response:
    found = _load(profile_id)
    with committing(_("Invitation sent again.")):
        experts.resend_invitation(
            db.session(), current_user, found, secret=runtime.settings().secret_key
        )
    return redirect(url_for("experts.profile", profile_id=found.id))


def _by_token(token: str) -> ExpertProfile:
    try:
        return experts.profile_for_token(db.session(), runtime.settings().secret_key, token)
    except OperationError:
        abort(404)


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str) -> str | Response:
    found = _by_token(token)
    error = None
    if request.method == "POST":
        with committing(_("Thank you: your expert profile is published.")) as outcome:
            experts.confirm(
                db.session(),
                found,
                user=_viewer(),
                password=request.form.get("password", ""),
            )
        if outcome.ok:
            target = url_for("experts.profile", profile_id=found.id)
            if _viewer() is None:  # a new account: sign in with the password just chosen
                return redirect(url_for("auth.login", next=target))
            return redirect(target)
        error = outcome.error
    return render_template(
        "experts/confirm.html",
        profile=found,
        token=token,
        field_errors=field_errors(error),
        achievements=experts.representative(db.session(), found),
    )
