"""The JSON API through the Flask test client: tokens, visibility, paging, filing needs."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from matchmaker.accounts import api_tokens
from matchmaker.models import ListingState, MatchState, Need, RoadshowState, Role, Visibility
from tests import factories

NEED_BODY: dict[str, Any] = {
    "title": "功率模块散热基板国产化",
    "description": "我司生产新能源汽车电机控制器，功率模块发热严重，进口基板价格高、交期长。",
    "current_approach": "进口氧化铝基板，散热不够。",
    "desired_outcome": "热导率 ≥150，单价下降 30%。",
    "field": "new_materials",
    "keywords": ["氮化铝", "散热"],
    "trl_min": 6,
    "budget_min": 30,
    "budget_max": 100,
    "cooperation_modes": ["transfer"],
    "region": "广东省",
    "visibility": "members",
}


@pytest.fixture
def db_session(app):
    from web import db

    with app.app_context():
        yield db.session()


def make_user(s, role: Role, **kw: Any) -> tuple[Any, dict[str, str]]:
    user = factories.user(s, role, **kw)
    secret = api_tokens.create(s, user, "test").secret
    s.commit()
    return user, {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer mm_x_y"},
    ],
)
def test_requests_without_a_valid_token_get_401_json(client, headers) -> None:
    response = client.get("/api/v1/needs", headers=headers)
    assert response.status_code == 401
    assert response.is_json and "error" in response.get_json()
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_gets_401_and_use_is_recorded(client, db_session) -> None:
    user, headers = make_user(db_session, Role.RESEARCHER)
    token = api_tokens.for_user(db_session, user)[0]
    assert client.get("/api/v1/needs", headers=headers).status_code == 200
    db_session.expire_all()
    assert token.last_used_at is not None
    api_tokens.revoke(db_session, user, token.id)
    db_session.commit()
    response = client.get("/api/v1/needs", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_token"


def test_a_session_cookie_is_not_enough(client, db_session) -> None:
    factories.user(db_session, Role.STAFF, email="s@example.com")
    db_session.commit()
    client.post("/login", data={"email": "s@example.com", "password": factories.PASSWORD})
    assert client.get("/api/v1/achievements").status_code == 401


def test_errors_are_json(client, db_session) -> None:
    _, headers = make_user(db_session, Role.RESEARCHER)
    missing = client.get("/api/v1/needs/987654", headers=headers)
    assert missing.status_code == 404 and missing.get_json() == {"error": "not_found"}
    unknown = client.get("/api/v1/nothing-here", headers=headers)
    assert unknown.status_code == 404 and unknown.is_json
    wrong_method = client.delete("/api/v1/needs", headers=headers)
    assert wrong_method.status_code == 405 and wrong_method.is_json
    for query in ("limit=0", "limit=101", "limit=abc", "cursor=%%%", "cursor=aWQ6eA"):
        bad = client.get(f"/api/v1/needs?{query}", headers=headers)
        assert bad.status_code == 400, query
        assert bad.is_json and bad.get_json()["fields"], query


def test_confidential_and_unpublished_listings_stay_hidden(client, db_session) -> None:
    owner, owner_headers = make_user(db_session, Role.ENTERPRISE)
    _, other_headers = make_user(db_session, Role.RESEARCHER)
    _, staff_headers = make_user(db_session, Role.STAFF)
    secret = factories.need(
        db_session, owner, visibility=Visibility.CONFIDENTIAL, confidential_notes="底价 50 万"
    )
    draft = factories.need(db_session, owner, state=ListingState.DRAFT)
    members = factories.need(db_session, owner, visibility=Visibility.MEMBERS)
    db_session.commit()

    ids = {item["id"] for item in client.get("/api/v1/needs", headers=other_headers).json["items"]}
    assert ids == {members.id}
    assert client.get(f"/api/v1/needs/{secret.id}", headers=other_headers).status_code == 404
    assert client.get(f"/api/v1/needs/{draft.id}", headers=other_headers).status_code == 404
    seen = client.get(f"/api/v1/needs/{members.id}", headers=other_headers).get_json()
    assert seen["title"] and seen["confidential_notes"] is None and seen["mine"] is False

    mine = client.get(f"/api/v1/needs/{secret.id}", headers=owner_headers).get_json()
    assert mine["confidential_notes"] == "底价 50 万" and mine["mine"] is True
    staff_ids = {i["id"] for i in client.get("/api/v1/needs", headers=staff_headers).json["items"]}
    assert staff_ids == {secret.id, members.id}


def test_pages_walk_every_item_exactly_once(client, db_session) -> None:
    _, headers = make_user(db_session, Role.ENTERPRISE)
    made = {factories.achievement(db_session).id for _ in range(7)}
    factories.achievement(db_session, field="biomedicine")
    db_session.commit()
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        query = "limit=3&field=new_materials" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(f"/api/v1/achievements?{query}", headers=headers).get_json()
        assert len(body["items"]) <= 3
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen))
    assert seen == sorted(seen, reverse=True)


def test_an_enterprise_files_a_need_that_goes_to_review(client, db_session) -> None:
    user, headers = make_user(db_session, Role.ENTERPRISE)
    response = client.post("/api/v1/needs", json=NEED_BODY, headers=headers)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["state"] == "submitted" and body["mine"] is True
    need = db_session.get(Need, body["id"])
    assert need.owner_id == user.id and need.state == ListingState.SUBMITTED
    assert need.keywords == ["氮化铝", "散热"] and need.trl_min == 6
    assert need.visibility == Visibility.MEMBERS and float(need.budget_max) == 100


def test_a_retried_post_does_not_file_the_need_twice(client, db_session) -> None:
    _, headers = make_user(db_session, Role.ENTERPRISE)
    first = client.post("/api/v1/needs", json=NEED_BODY, headers=headers)
    again = client.post("/api/v1/needs", json=NEED_BODY, headers=headers)
    assert first.status_code == 201
    assert again.status_code == 409 and again.get_json()["id"] == first.get_json()["id"]
    assert db_session.query(Need).count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"description": "太短"}, "description"),
        ({"field": "astrology"}, "field"),
        ({"budget_min": 200, "budget_max": 100}, "budget_max"),
        ({"deadline": "2000-01-01"}, "deadline"),
        ({"visibility": "everyone"}, "visibility"),
        ({"keywords": {"a": 1}}, "keywords"),
        ({"trl_min": 42}, "trl_min"),
        ({"budget_max": 5_000_000}, "budget_max"),  # 500亿元
    ],
)
def test_bad_needs_get_422_with_field_errors(client, db_session, change, field) -> None:
    _, headers = make_user(db_session, Role.ENTERPRISE)
    response = client.post("/api/v1/needs", json={**NEED_BODY, **change}, headers=headers)
    assert response.status_code == 422
    assert field in response.get_json()["fields"]
    assert db_session.query(Need).count() == 0


def test_a_body_that_is_not_an_object_is_400(client, db_session) -> None:
    _, headers = make_user(db_session, Role.ENTERPRISE)
    response = client.post("/api/v1/needs", data="[1]", headers=headers)
    assert response.status_code == 400 and response.is_json


@pytest.mark.parametrize("role", [Role.RESEARCHER, Role.STAFF, Role.ADMIN])
def test_only_enterprises_file_needs(client, db_session, role) -> None:
    _, headers = make_user(db_session, role)
    response = client.post("/api/v1/needs", json=NEED_BODY, headers=headers)
    assert response.status_code == 403 and response.is_json
    assert db_session.query(Need).count() == 0


def test_matches_are_scoped_like_my_matches(client, db_session) -> None:
    enterprise, e_headers = make_user(db_session, Role.ENTERPRISE)
    researcher, r_headers = make_user(db_session, Role.RESEARCHER)
    _, outsider_headers = make_user(db_session, Role.RESEARCHER)
    _, staff_headers = make_user(db_session, Role.STAFF)
    need = factories.need(db_session, enterprise)
    achievement = factories.achievement(db_session, researcher)
    introduced = factories.match(db_session, need, achievement, state=MatchState.INTRODUCED)
    proposed = factories.match(db_session, need, factories.achievement(db_session))
    elsewhere = factories.match(db_session, state=MatchState.INTRODUCED)
    db_session.commit()

    def ids(headers: dict[str, str], query: str = "") -> set[int]:
        response = client.get(f"/api/v1/matches{query}", headers=headers)
        assert response.status_code == 200
        return {m["id"] for m in response.get_json()["items"]}

    assert ids(e_headers) == {introduced.id}
    assert ids(r_headers) == {introduced.id}
    assert ids(outsider_headers) == set()
    assert ids(staff_headers) == {introduced.id, proposed.id, elsewhere.id}
    assert ids(staff_headers, "?state=proposed") == {proposed.id}
    assert client.get("/api/v1/matches?state=nope", headers=staff_headers).status_code == 400


def test_roadshows_lists_only_published_ones(client, db_session) -> None:
    _, headers = make_user(db_session, Role.RESEARCHER)
    open_one = factories.roadshow(db_session, state=RoadshowState.OPEN)
    factories.roadshow(db_session, state=RoadshowState.PLANNING)
    db_session.commit()
    body = client.get("/api/v1/roadshows", headers=headers).get_json()
    assert [r["id"] for r in body["items"]] == [open_one.id]


def test_an_id_too_large_for_the_database_is_404(client, db_session) -> None:
    _, headers = make_user(db_session, Role.RESEARCHER)
    for kind in ("achievements", "needs"):
        response = client.get(f"/api/v1/{kind}/{2**70}", headers=headers)
        assert response.status_code == 404 and response.is_json


def test_match_pages_walk_every_match_exactly_once(client, db_session) -> None:
    enterprise, e_headers = make_user(db_session, Role.ENTERPRISE)
    _, staff_headers = make_user(db_session, Role.STAFF)
    need = factories.need(db_session, enterprise)
    own = [
        factories.match(db_session, need, factories.achievement(db_session), state=state)
        for state in [MatchState.INTRODUCED, MatchState.MEETING, MatchState.PROPOSED] * 3
    ]
    others = [factories.match(db_session) for _ in range(4)]
    db_session.commit()

    def walk(headers: dict[str, str], query: str = "") -> list[int]:
        seen: list[int] = []
        cursor = ""
        for _ in range(20):
            response = client.get(f"/api/v1/matches?limit=2{query}{cursor}", headers=headers)
            assert response.status_code == 200
            body = response.get_json()
            assert len(body["items"]) <= 2
            seen += [m["id"] for m in body["items"]]
            if body["next_cursor"] is None:
                return seen
            cursor = f"&cursor={body['next_cursor']}"
        raise AssertionError("pages never ended")

    everything = sorted((m.id for m in own + others), reverse=True)
    assert walk(staff_headers) == everything
    proposed = sorted((m.id for m in own + others if m.state == MatchState.PROPOSED), reverse=True)
    assert walk(staff_headers, "&state=proposed") == proposed
    approved = [m.id for m in own if m.state != MatchState.PROPOSED]
    assert walk(e_headers) == sorted(approved, reverse=True)
    bad = client.get("/api/v1/matches?cursor=not-a-cursor", headers=staff_headers)
    assert bad.status_code == 400 and bad.get_json()["fields"] == {"cursor": ["bad_cursor"]}
    assert client.get("/api/v1/matches?limit=101", headers=staff_headers).status_code == 400


def test_a_token_past_its_rate_limit_gets_429_and_others_do_not(app, client, db_session) -> None:
    app.config["MATCHMAKER_SETTINGS"] = replace(app.config["MATCHMAKER_SETTINGS"], api_rate_limit=3)
    _, headers = make_user(db_session, Role.RESEARCHER)
    _, other_headers = make_user(db_session, Role.RESEARCHER)
    statuses = [client.get("/api/v1/needs", headers=headers).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/api/v1/needs", headers=headers)
    assert limited.status_code == 429 and limited.is_json
    assert limited.get_json()["error"] == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.get_json()["retry_after"] == int(limited.headers["Retry-After"])
    assert client.get("/api/v1/needs", headers=other_headers).status_code == 200


def test_the_documented_budget_bounds_are_the_forms(client, db_session) -> None:
    from matchmaker.listings.amounts import AMOUNT_MAX

    document = client.get("/api/v1/openapi.json").get_json()
    body = document["paths"]["/api/v1/needs"]["post"]["requestBody"]
    properties = body["content"]["application/json"]["schema"]["properties"]
    for name in ("budget_min", "budget_max"):
        assert properties[name]["minimum"] == 0 and properties[name]["maximum"] == AMOUNT_MAX
    _, headers = make_user(db_session, Role.ENTERPRISE)
    body = {**NEED_BODY, "budget_max": AMOUNT_MAX + 1}
    response = client.post("/api/v1/needs", json=body, headers=headers)
    assert response.status_code == 422
    assert "1,000,000" in response.get_json()["fields"]["budget_max"][0]
