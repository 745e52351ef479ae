"""Guards against saving the same thing twice."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from indexer import text
from matchmaker.db import utcnow
from matchmaker.models import Achievement, ListingState, Need, User

RESUBMIT_WINDOW = timedelta(minutes=10)
NEAR_IDENTICAL = 0.8


def recent_same_title(
    session: Session, model: type[Achievement] | type[Need], owner: User, title: str
) -> Achievement | Need | None:
    """The listing this owner saved with the same title in the last minutes (double submit)."""
    return session.scalar(
        sa.select(model)
        .where(
            model.owner_id == owner.id,
            model.title == title.strip(),
            model.created_at >= utcnow() - RESUBMIT_WINDOW,
        )
        .limit(1)
    )


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of character bigrams (words for non-Chinese text)."""
    grams_a = set(text.char_bigrams(a)) | set(text.words(a))
    grams_b = set(text.char_bigrams(b)) | set(text.words(b))
    if not grams_a or not grams_b:
        return 0.0
    return len(grams_a & grams_b) / len(grams_a | grams_b)


def similar_of_same_organisation(session: Session, need: Need) -> list[tuple[Need, float]]:
    """Other live needs of the same organisation that read almost the same."""
    if need.organisation_id is None:
        return []
    others = session.scalars(
        sa.select(Need).where(
            Need.organisation_id == need.organisation_id,
            Need.id != need.id,
            Need.state.notin_([ListingState.ARCHIVED]),
        )
    ).all()
    mine = f"{need.title}\n{need.description}"
    found = [(other, similarity(mine, f"{other.title}\n{other.description}")) for other in others]
    return sorted([f for f in found if f[1] >= NEAR_IDENTICAL], key=lambda f: -f[1])
