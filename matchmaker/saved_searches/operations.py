"""Saved searches: what a user asked to be told about, and leaving it with one click.

Two sources: a user saves a search (query + facets) from the search page, or an enterprise
publishes a need and gets "new achievements for this need" (on by default, off with a click).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matchmaker import taxonomy
from matchmaker.config import Settings
from matchmaker.core import audit, signed_links
from matchmaker.core.errors import NotFound, ValidationFailed
from matchmaker.models import DigestFrequency, Need, SavedSearch, User
from matchmaker.search.documents import KINDS

MAX_PER_USER = 50
MAX_QUERY_CHARS = 500


def clean_facets(kind: str, facets: dict[str, Any] | None) -> dict[str, Any]:
    """Only the facets the search page offers, with valid values."""
    facets = facets or {}
    clean: dict[str, Any] = {}
    if facets.get("field") in taxonomy.FIELDS:
        clean["field"] = facets["field"]
    if facets.get("region") in taxonomy.REGIONS:
        clean["region"] = facets["region"]
    if facets.get("mode") in taxonomy.COOPERATION_MODES:
        clean["mode"] = facets["mode"]
    trl = facets.get("trl")
    if kind == "achievement" and isinstance(trl, int) and trl in taxonomy.TRL_LEVELS:
        clean["trl"] = trl
    return clean


def index_filters(facets: dict[str, Any]) -> dict[str, Any]:
    """Saved facets → the filters the search page gives the index for the same choices."""
    filters: dict[str, Any] = {}
    for name in ("field", "region"):
        if facets.get(name):
            filters[name] = facets[name]
    if facets.get("mode"):
        filters["modes"] = facets["mode"]
    if facets.get("trl"):
        filters["trl"] = list(range(int(facets["trl"]), 10))  # "at least this mature"
    return filters


def create(
    session: Session,
    user: User,
    *,
    kind: str,
    query: str,
    facets: dict[str, Any] | None = None,
    name: str | None = None,
    frequency: DigestFrequency = DigestFrequency.DAILY,
) -> SavedSearch:
    if kind not in KINDS:
        raise ValidationFailed("bad_kind")
    query = (query or "").strip()[:MAX_QUERY_CHARS]
    facets = clean_facets(kind, facets)
    if not query and not facets:
        raise ValidationFailed("search_empty")
    owned = session.scalar(
        sa.select(sa.func.count()).select_from(SavedSearch).where(SavedSearch.user_id == user.id)
    )
    if (owned or 0) >= MAX_PER_USER:
        raise ValidationFailed("too_many_saved_searches", max=MAX_PER_USER)
    saved = SavedSearch(
        user_id=user.id,
        name=(name or query or facets.get("field") or kind).strip()[:200],
        kind=kind,
        query=query,
        facets=facets,
        frequency=frequency,
        active=True,
    )
    session.add(saved)
    session.flush()
    audit.record(session, user, "saved_search.created", "saved_search", saved.id)
    return saved


def for_user(session: Session, user: User) -> list[SavedSearch]:
    return list(
        session.scalars(
            sa.select(SavedSearch).where(SavedSearch.user_id == user.id).order_by(SavedSearch.id)
        ).all()
    )


def owned(session: Session, user: User, saved_id: int) -> SavedSearch:
    saved = session.get(SavedSearch, saved_id)
    if saved is None or saved.user_id != user.id:
        raise NotFound("not_found")
    return saved


def update(
    session: Session,
    user: User,
    saved: SavedSearch,
    *,
    active: bool | None = None,
    frequency: DigestFrequency | None = None,
) -> SavedSearch:
    if saved.user_id != user.id:
        raise NotFound("not_found")
    if active is not None:
        saved.active = active
    if frequency is not None:
        saved.frequency = frequency
    session.flush()
    audit.record(
        session,
        user,
        "saved_search.updated",
        "saved_search",
        saved.id,
        active=saved.active,
        frequency=str(saved.frequency),
    )
    return saved


def delete(session: Session, user: User, saved: SavedSearch) -> None:
    if saved.user_id != user.id:
        raise NotFound("not_found")
    audit.record(session, user, "saved_search.deleted", "saved_search", saved.id)
    session.delete(saved)
    session.flush()


def ensure_need_alert(session: Session, need: Need) -> SavedSearch:
    """The published need's own alert for matching achievements: created once, on by default.
    An enterprise that switched it off stays switched off when the need is republished."""
    existing = session.scalar(sa.select(SavedSearch).where(SavedSearch.need_id == need.id))
    if existing is not None:
        return existing
    saved = SavedSearch(
        user_id=need.owner_id,
        name=need.title[:200],
        kind="achievement",
        query="",
        facets={},
        frequency=DigestFrequency.DAILY,
        need_id=need.id,
        active=True,
    )
    session.add(saved)
    session.flush()
    return saved


# --- unsubscribing without signing in ------------------------------------------------------


def unsubscribe_token(settings: Settings, saved: SavedSearch) -> str:
    return signed_links.sign(
        settings.secret_key, signed_links.UNSUBSCRIBE, {"u": saved.user_id, "s": saved.id}
    )


def unsubscribe_link(settings: Settings, saved: SavedSearch) -> str:
    return f"/unsubscribe/{unsubscribe_token(settings, saved)}"


def for_token(session: Session, settings: Settings, token: str) -> SavedSearch:
    """The saved search a genuine unsubscribe link names; the link must have been made for the
    search's owner, so it cannot be pointed at anyone else's search."""
    payload = signed_links.read(settings.secret_key, signed_links.UNSUBSCRIBE, token)
    saved = session.get(SavedSearch, payload.get("s"))
    if saved is None or saved.user_id != payload.get("u"):
        raise ValidationFailed("token_invalid")
    return saved


def unsubscribe(session: Session, settings: Settings, token: str) -> SavedSearch:
    saved = for_token(session, settings, token)
    saved.active = False
    session.flush()
    audit.record(session, None, "saved_search.unsubscribed", "saved_search", saved.id, via="link")
    return saved


def alert_of(session: Session, need: Need) -> SavedSearch | None:
    """The saved search that alerts the need's owner to new matching achievements, if any."""
    return session.scalar(sa.select(SavedSearch).where(SavedSearch.need_id == need.id))
