"""Small builders for test data (plain functions: the models are simple enough)."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from matchmaker import credit_code
from matchmaker.accounts import operations as accounts
from matchmaker.db import utcnow
from matchmaker.models import (
    Achievement,
    ListingState,
    Match,
    MatchState,
    Need,
    Organisation,
    OrganisationKind,
    Role,
    User,
    Visibility,
)

PASSWORD = "secret123"
_counter = itertools.count(1)


def organisation(
    session: Session, kind: OrganisationKind = OrganisationKind.ENTERPRISE, **kw: Any
) -> Organisation:
    n = next(_counter)
    org = Organisation(
        name=kw.pop("name", f"测试单位{n}"),
        kind=kind,
        credit_code=kw.pop("credit_code", credit_code.complete(f"913201001{n:07d}")),
        region=kw.pop("region", "江苏省"),
        **kw,
    )
    session.add(org)
    session.flush()
    return org


def user(session: Session, role: Role = Role.RESEARCHER, **kw: Any) -> User:
    n = next(_counter)
    org = kw.pop("organisation", None)
    if org is None:
        kind = (
            OrganisationKind.ENTERPRISE if role == Role.ENTERPRISE else OrganisationKind.UNIVERSITY
        )
        org = organisation(session, kind)
    person = User(
        email=kw.pop("email", f"user{n}@example.com"),
        password_hash=accounts.hash_password(kw.pop("password", PASSWORD)),
        name=kw.pop("name", f"用户{n}"),
        role=role,
        organisation=org,
        **kw,
    )
    session.add(person)
    session.flush()
    return person


def achievement(session: Session, owner: User | None = None, **kw: Any) -> Achievement:
    owner = owner or user(session, Role.RESEARCHER)
    state = kw.pop("state", ListingState.PUBLISHED)
    item = Achievement(
        owner=owner,
        organisation=owner.organisation,
        title=kw.pop("title", "高导热氮化铝陶瓷基板制备技术"),
        summary=kw.pop("summary", "一种低成本高导热陶瓷基板。"),
        description=kw.pop("description", "采用流延成型与低温烧结工艺，热导率达到 180 W/(m·K)。"),
        field=kw.pop("field", "new_materials"),
        trl=kw.pop("trl", 6),
        state=state,
        visibility=kw.pop("visibility", Visibility.PUBLIC),
        published_at=utcnow() if state == ListingState.PUBLISHED else None,
        **kw,
    )
    session.add(item)
    session.flush()
    return item


def need(session: Session, owner: User | None = None, **kw: Any) -> Need:
    owner = owner or user(session, Role.ENTERPRISE)
    state = kw.pop("state", ListingState.PUBLISHED)
    item = Need(
        owner=owner,
        organisation=owner.organisation,
        title=kw.pop("title", "功率模块散热基板国产化"),
        description=kw.pop("description", "我司功率模块散热不足，需要高导热基板。"),
        field=kw.pop("field", "new_materials"),
        state=state,
        visibility=kw.pop("visibility", Visibility.PUBLIC),
        published_at=utcnow() if state == ListingState.PUBLISHED else None,
        **kw,
    )
    session.add(item)
    session.flush()
    return item


def match(
    session: Session,
    need_item: Need | None = None,
    achievement_item: Achievement | None = None,
    **kw: Any,
) -> Match:
    """A proposed match with a stored explanation, as the matcher writes it."""
    need_item = need_item or need(session)
    achievement_item = achievement_item or achievement(session)
    score = kw.pop("score", 0.5)
    item = Match(
        need=need_item,
        achievement=achievement_item,
        score=score,
        components=kw.pop(
            "components",
            {"retrieval": score, "relevance": score, "compatibility": 0.0, "feedback": 0.0},
        ),
        explanation=kw.pop(
            "explanation",
            {
                "rank": 1,
                "strength": "medium",
                "shared_terms": ["基板", "导热"],
                "sentences": None,
                "checks": [{"name": "field", "result": "passed"}],
            },
        ),
        state=kw.pop("state", MatchState.PROPOSED),
        **kw,
    )
    session.add(item)
    session.flush()
    return item


def roadshow(session: Session, creator: User | None = None, **kw: Any) -> Any:
    """A roadshow opening in a week (09:00–12:00 Shanghai time), still being planned."""
    from datetime import timedelta

    from matchmaker.models import Roadshow, RoadshowState

    creator = creator or user(session, Role.STAFF)
    start = kw.pop("starts_at", utcnow().replace(microsecond=0) + timedelta(days=7))
    item = Roadshow(
        title=kw.pop("title", "新材料成果推介会"),
        theme_fields=kw.pop("theme_fields", ["new_materials"]),
        region=kw.pop("region", None),
        starts_at=start,
        ends_at=kw.pop("ends_at", start + timedelta(hours=3)),
        capacity=kw.pop("capacity", 100),
        presentation_slots=kw.pop("presentation_slots", 4),
        registration_deadline=kw.pop("registration_deadline", None),
        state=kw.pop("state", RoadshowState.PLANNING),
        created_by_id=creator.id,
        **kw,
    )
    session.add(item)
    session.flush()
    return item
