"""Listings → the text and filter fields the index stores."""

from __future__ import annotations

from typing import Any

from indexer.documents import ListingText, PreparedText, prepare
from matchmaker import taxonomy
from matchmaker.models import Achievement, ListingState, Need

Listing = Achievement | Need
KINDS: dict[str, type[Achievement] | type[Need]] = {"achievement": Achievement, "need": Need}


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
