"""Listings → the text and filter fields the index stores."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from indexer.documents import ListingText, PreparedText, prepare
from matchmaker import taxonomy
from matchmaker.models import Achievement, ExpertProfile, ExpertState, ListingState, Need

Listing = Achievement | Need
# the listing kinds (search, saved searches, duplicates); the index also holds experts
KINDS: dict[str, type[Achievement] | type[Need]] = {"achievement": Achievement, "need": Need}
EXPERT_KIND = "expert"
Indexed = Achievement | Need | ExpertProfile


def doc_id(kind: str, listing_id: int) -> str:
    return f"{kind}:{listing_id}"


def parse_doc_id(value: str) -> tuple[str, int]:
    kind, _, number = value.partition(":")
    return kind, int(number)


def listing_text(listing: Listing) -> ListingText:
    field_label = taxonomy.label(taxonomy.FIELDS, listing.field, "zh") if listing.field else ""
    if isinstance(listing, Achievement):
        body: tuple[str, ...] = (listing.description,)
        summary = listing.summary
    else:
        body = (listing.description, listing.current_approach, listing.desired_outcome)
        summary = ""
    return ListingText(
        title=listing.title,
        summary=summary or "",
        keywords=tuple(listing.keywords or ()),
        body=tuple(b for b in body if b),
        field_label=field_label,
    )


def prepared(listing: Listing) -> PreparedText:
    return prepare(listing_text(listing))


def is_indexable(listing: Listing | None) -> bool:
    """Published listings are searchable and matchable (visibility is applied at query time)."""
    return listing is not None and listing.state == ListingState.PUBLISHED


def filters_for(listing: Listing) -> dict[str, Any]:
    filters: dict[str, Any] = {
        "kind": listing.kind,
        "field": listing.field,
        "region": listing.region,
        "visibility": str(listing.visibility),
        "modes": list(listing.cooperation_modes or []),
        "organisation_id": listing.organisation_id,
        "owner_id": listing.owner_id,
    }
    if isinstance(listing, Achievement):
        filters["trl"] = listing.trl
    else:
        filters["trl_min"] = listing.trl_min
    return {name: value for name, value in filters.items() if value is not None}


# --- expertise profiles: a document kind beside the listings -------------------------------


def representative_achievements(session: Session, profile: ExpertProfile) -> list[Achievement]:
    """The profile's representative achievements that are published, in the profile's order."""
    ids = [int(i) for i in profile.achievement_ids or []]
    if not ids:
        return []
    rows = session.scalars(
        sa.select(Achievement).where(
            Achievement.id.in_(ids), Achievement.state == ListingState.PUBLISHED
        )
    ).all()
    by_id = {row.id: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def expert_text(profile: ExpertProfile, achievements: list[Achievement]) -> ListingText:
    """An expert as the index sees them: their directions in their own words, then the titles
    and summaries of their representative achievements (the name and organisation say nothing
    about what they can solve, so they are left out)."""
    first_field = profile.fields[0] if profile.fields else None
    field_label = taxonomy.label(taxonomy.FIELDS, first_field, "zh") if first_field else ""
    body = [profile.directions]
    for achievement in achievements:
        body.append(achievement.title)
        body.append(achievement.summary or achievement.description[:300])
    return ListingText(
        title="",
        body=tuple(b for b in body if b),
        field_label=field_label,
    )


def expert_is_indexable(profile: ExpertProfile | None) -> bool:
    """Published profiles are matchable (visibility is applied when they are shown)."""
    return profile is not None and profile.state == ExpertState.PUBLISHED


def expert_filters(profile: ExpertProfile) -> dict[str, Any]:
    filters: dict[str, Any] = {
        "kind": EXPERT_KIND,
        "fields": list(profile.fields or []),
        "region": profile.region,
        "visibility": str(profile.visibility),
        "offers": list(profile.offers or []),
        "owner_id": profile.user_id,
    }
    return {name: value for name, value in filters.items() if value is not None}


def record_text(session: Session, record: Indexed) -> ListingText:
    """The indexed text of a listing or an expert."""
    if isinstance(record, ExpertProfile):
        return expert_text(record, representative_achievements(session, record))
    return listing_text(record)
