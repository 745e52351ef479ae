"""Listings, matches and roadshows as JSON, cut to what the viewer may see."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from matchmaker import visibility
from matchmaker.models import (
    Achievement,
    ExpertProfile,
    Match,
    Need,
    ProtectedPart,
    Roadshow,
    User,
)
from matchmaker.visibility import Access, Listing, access, can_see_protected


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _number(value: Any) -> float | None:
    return float(value) if value is not None else None


def listing(user: User, item: Listing) -> dict[str, Any]:
    level = access(user, item)
    # parts the owner kept for after an agreement (协议后可见): empty / null without a grant
    details = can_see_protected(user, item, ProtectedPart.DETAILS)
    price = can_see_protected(user, item, ProtectedPart.PRICE)
    data: dict[str, Any] = {
        "id": item.id,
        "title": item.title,
        "field": item.field,
        "keywords": list(item.keywords or []),
        "cooperation_modes": list(item.cooperation_modes or []),
        "region": item.region,
        "visibility": str(item.visibility),
        "state": str(item.state),
        "description": (item.description or "") if details or isinstance(item, Need) else "",
        "published_at": _iso(item.published_at),
        "mine": item.owner_id == user.id,
        "confidential_notes": item.confidential_notes if level == Access.OWNER else None,
    }
    if isinstance(item, Achievement):
        data.update(
            summary=item.summary or "",
            trl=item.trl,
            ip_type=str(item.ip_type) if item.ip_type else None,
        )
    elif isinstance(item, Need):
        data.update(
            current_approach=item.current_approach if details else None,
            desired_outcome=item.desired_outcome if details else None,
            trl_min=item.trl_min,
            budget_min=_number(item.budget_min) if price else None,
            budget_max=_number(item.budget_max) if price else None,
            deadline=_iso(item.deadline),
        )
    return data


def expert(user: User | None, item: ExpertProfile) -> dict[str, Any]:
    """A profile as the visibility rule lets `user` see it: contact details for staff and the
    expert only."""
    contact = visibility.can_see_expert_contact(user, item)
    return {
        "id": item.id,
        "name": item.name,
        "title": item.title,
        "organisation": item.organisation_name,
        "region": item.region,
        "fields": list(item.fields or []),
        "directions": item.directions,
        "achievement_ids": list(item.achievement_ids or []),
        "publications": item.publications,
        "offers": list(item.offers or []),
        "availability": item.availability,
        "visibility": str(item.visibility),
        "state": str(item.state),
        "email": item.email if contact else None,
        "phone": item.phone if contact else None,
    }


def match(item: Match) -> dict[str, Any]:
    return {
        "id": item.id,
        "need_id": item.need_id,
        "achievement_id": item.achievement_id,
        "expert_id": item.expert_id,
        "state": str(item.state),
        "score": _number(item.score),
        "created_at": _iso(item.created_at),
    }


def roadshow(item: Roadshow) -> dict[str, Any]:
    return {
        "id": item.id,
        "title": item.title,
        "description": item.description or "",
        "region": item.region,
        "venue": item.venue,
        "state": str(item.state),
        "starts_at": _iso(item.starts_at),
        "ends_at": _iso(item.ends_at),
    }
