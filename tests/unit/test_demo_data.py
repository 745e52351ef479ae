from collections import Counter

import sqlalchemy as sa

from matchmaker import credit_code, taxonomy
from matchmaker.accounts import operations as accounts
from matchmaker.db import count_rows
from matchmaker.demo import loader
from matchmaker.models import (
    Achievement,
    ExpertProfile,
    ExpertState,
    ListingState,
    Need,
    Organisation,
    Role,
    User,
)


def test_demo_data_loads_into_an_empty_database(session) -> None:
    assert loader.is_empty(session)
    report = loader.load(session)
    session.commit()
    assert not loader.is_empty(session)
    assert report.achievements >= 60 and report.needs >= 30
    assert count_rows(session, Achievement) == report.achievements
    fields = Counter(session.scalars(sa.select(Achievement.field)))
    assert len(fields) >= 8
    assert set(fields) <= set(taxonomy.FIELDS)
    kinds = Counter(session.scalars(sa.select(Organisation.kind)))
    assert kinds["university"] + kinds["institute"] >= 4
    assert count_rows(session, Need, Need.state == ListingState.PUBLISHED) >= 25
    assert count_rows(session, Achievement, Achievement.state == ListingState.SUBMITTED) >= 1
    # a few experts: researchers' own profiles linked to their achievements, one still invited
    assert report.experts >= 3
    experts = session.scalars(sa.select(ExpertProfile)).all()
    assert any(e.achievement_ids and e.user_id for e in experts)
    assert any(e.state == ExpertState.INVITED for e in experts)
    for expert in experts:
        owned = session.scalars(
            sa.select(Achievement).where(Achievement.id.in_(expert.achievement_ids))
        )
        assert all(a.owner_id == expert.user_id for a in owned)


def test_every_organisation_has_a_valid_credit_code(session) -> None:
    loader.load(session)
    codes = session.scalars(sa.select(Organisation.credit_code)).all()
    assert codes and all(c is None or credit_code.is_valid(c) for c in codes)
    assert len({c for c in codes if c}) == len([c for c in codes if c])


def test_demo_log_ins_work_for_every_role(session) -> None:
    loader.load(session)
    for role, email in loader.DEMO_LOGINS.items():
        user = accounts.authenticate(session, email, loader.DEMO_PASSWORD)
        assert user is not None and user.role == role


def test_owners_match_their_listings(session) -> None:
    loader.load(session)
    for item in session.scalars(sa.select(Achievement)):
        assert item.owner.role == Role.RESEARCHER
        assert item.organisation_id == item.owner.organisation_id
    for need in session.scalars(sa.select(Need)):
        assert need.owner.role == Role.ENTERPRISE
        assert need.deadline is not None
    assert count_rows(session, User, User.role == Role.STAFF) >= 1


def test_ground_truth_pairs_refer_to_demo_listings() -> None:
    needs = {n["key"] for n in loader.read("needs.json")}
    achievements = {a["key"] for a in loader.read("achievements.json")}
    pairs = loader.read("pairs.json")
    assert sum(p["kind"] == "true" for p in pairs) >= 20
    assert sum(p["kind"] == "near_miss" for p in pairs) >= 6
    for pair in pairs:
        assert pair["need"] in needs and pair["achievement"] in achievements
