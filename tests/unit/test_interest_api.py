"""GET and POST /api/v1/interest-requests with tokens: the site's rules, JSON answers."""

from __future__ import annotations

from typing import Any

import pytest

from matchmaker.accounts import api_tokens
from matchmaker.interest import requests as interest
from matchmaker.models import InterestRequest, Role, Visibility
from tests import factories

SECRET = "保密APITITLE"


@pytest.fixture
def world(app) -> dict[str, Any]:
    from web import db

    with app.app_context():
        s = db.session()
        owner = factories.user(s, Role.RESEARCHER)
        asker = factories.user(s, Role.ENTERPRISE)
        other = factories.user(s, Role.ENTERPRISE)
        staff = factories.user(s, Role.STAFF)
        secret = factories.achievement(
            s, owner, title=SECRET, visibility=Visibility.CONFIDENTIAL, protected_parts=["details"]
        )
        need = factories.need(s, asker)
        factories.match(s, need, secret, score=0.99)
        tokens = {
            name: {"Authorization": f"Bearer {api_tokens.create(s, u, 't').secret}"}
            for name, u in (("owner", owner), ("asker", asker), ("other", other), ("staff", staff))
        }
        s.commit()
        return {"tokens": tokens, "secret": secret.id, "need": need.id}


def test_create_then_list_for_requester_owner_staff_and_others(client, world) -> None:
    t = world["tokens"]
    body = {"listing_kind": "achievement", "listing_id": world["secret"], "message": "想了解"}
    created = client.post("/api/v1/interest-requests", json=body, headers=t["asker"])
    assert created.status_code == 201
    data = created.get_json()
    assert data["state"] == "open" and data["listing_title"] is None  # confidential: no title
    assert data["match_strength"] == "high" and data["mine"] is True
    again = client.post("/api/v1/interest-requests", json=body, headers=t["asker"])
    assert again.status_code == 409 and again.get_json()["error"] == "interest_duplicate"
    owner_view = client.get("/api/v1/interest-requests", headers=t["owner"]).get_json()
    assert [i["listing_title"] for i in owner_view["items"]] == [SECRET]
    assert client.get("/api/v1/interest-requests", headers=t["other"]).get_json() == {"items": []}
    staff = client.get("/api/v1/interest-requests?state=open", headers=t["staff"]).get_json()
    assert len(staff["items"]) == 1
    assert client.get("/api/v1/interest-requests?state=nope", headers=t["staff"]).status_code == 400
    assert client.get("/api/v1/interest-requests").status_code == 401


def test_refusals_answer_with_the_right_status(client, world) -> None:
    t = world["tokens"]
    url = "/api/v1/interest-requests"
    own = {"listing_kind": "achievement", "listing_id": world["secret"], "message": "x"}
    assert client.post(url, json=own, headers=t["owner"]).status_code == 422
    assert client.post(url, json=own, headers=t["staff"]).status_code == 403
    missing = {"listing_kind": "achievement", "listing_id": 999999, "message": "x"}
    assert client.post(url, json=missing, headers=t["asker"]).status_code == 404
    wrong = client.post(url, json={"listing_kind": "x", "listing_id": "1"}, headers=t["asker"])
    assert wrong.status_code == 422 and set(wrong.get_json()["fields"]) == {
        "listing_kind",
        "listing_id",
        "message",
    }
    empty = {"listing_kind": "achievement", "listing_id": world["secret"], "message": " "}
    assert client.post(url, json=empty, headers=t["asker"]).get_json()["fields"] == {
        "message": ["interest_message_required"]
    }
    assert client.post(url, data="[]", headers=t["asker"]).status_code == 400


def test_rate_limit_is_429(app, client, world) -> None:
    from web import db

    t = world["tokens"]
    with app.app_context():
        s = db.session()
        listings = [factories.achievement(s) for _ in range(interest.MAX_PER_DAY + 1)]
        s.commit()
        ids = [a.id for a in listings]
    url = "/api/v1/interest-requests"
    codes = [
        client.post(
            url,
            json={"listing_kind": "achievement", "listing_id": i, "message": "有意向"},
            headers=t["asker"],
        ).status_code
        for i in ids
    ]
    assert codes == [201] * interest.MAX_PER_DAY + [429]


def test_protected_parts_stay_out_of_the_api_until_a_grant(app, client, world) -> None:
    from web import db

    t = world["tokens"]
    with app.app_context():
        s = db.session()
        listing = factories.achievement(
            s, visibility=Visibility.MEMBERS, protected_parts=["details"], description="保密细节D9"
        )
        s.commit()
        lid = listing.id
    before = client.get(f"/api/v1/achievements/{lid}", headers=t["asker"]).get_json()
    assert before["description"] == ""
    client.post(
        "/api/v1/interest-requests",
        json={"listing_kind": "achievement", "listing_id": lid, "message": "想看细节"},
        headers=t["asker"],
    )
    with app.app_context():
        s = db.session()
        from matchmaker.models import Achievement

        req = s.query(InterestRequest).one()
        interest.accept(s, s.get(Achievement, lid).owner, req, agreement_required=False)
        s.commit()
    after = client.get(f"/api/v1/achievements/{lid}", headers=t["asker"]).get_json()
    assert after["description"] == "保密细节D9"
