"""The listing an interest request is about: requests name it by kind and id. One home for
loading it and for "requests about this person's listings", which the request lists and the
threads' visibility both ask."""

from __future__ import annotations

from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matchmaker import visibility
from matchmaker.models import Achievement, InterestRequest, Need, User

Listing = visibility.Listing
MODELS: dict[str, type[Achievement] | type[Need]] = {"achievement": Achievement, "need": Need}


def load_listing(session: Session, kind: str, listing_id: int) -> Listing | None:
    model = MODELS.get(kind)
    return cast(Listing | None, session.get(model, listing_id)) if model else None


def listing_of(session: Session, request: InterestRequest) -> Listing:
    listing = load_listing(session, request.listing_kind, request.listing_id)
    assert listing is not None  # listings are archived, never deleted
    return listing


def about_listings_of(user: User) -> Any:
    """SQL condition: the request is about one of `user`'s own listings."""
    return sa.or_(
        *(
            sa.and_(
                InterestRequest.listing_kind == kind,
                InterestRequest.listing_id.in_(
                    sa.select(model.id).where(model.owner_id == user.id)
                ),
            )
            for kind, model in MODELS.items()
        )
    )
