from urllib.parse import parse_qs, urlsplit

import pytest

from matchmaker.models import ListingState, Role, Visibility
from tests import factories


@pytest.fixture
def world(app):
    from web import db

    with app.app_context():
        s = db.session()
        owner = factories.user(s, Role.ENTERPRISE, email="owner@example.com")
        other = factories.user(s, Role.ENTERPRISE, email="other@example.com")
        factories.user(s, Role.STAFF, email="staff@example.com")
        factories.user(s, Role.RESEARCHER, email="researcher@example.com")
        ids = {
            "public": factories.need(
                s, owner, title="公开需求", confidential_notes="内部预算说明"
            ).id,
            "members": factories.need(s, owner, title="会员需求", visibility=Visibility.MEMBERS).id,
            "confidential": factories.need(
                s, owner, title="保密需求", visibility=Visibility.CONFIDENTIAL
            ).id,
            "draft": factories.need(s, owner, title="草稿需求", state=ListingState.DRAFT).id,
        }
        s.commit()
        assert other.id != owner.id
        return ids


def as_user(client, email):
    client.post("/login", data={"email": email, "password": factories.PASSWORD})
    return client


def status(client, need_id):
    return client.get(f"/needs/{need_id}").status_code


def test_anonymous_sees_only_public_summaries(client, world) -> None:
    assert status(client, world["public"]) == 200
    page = client.get(f"/needs/{world['public']}").get_data(as_text=True)
    assert "登录后可查看完整需求" in page
    assert "内部预算说明" not in page
    for key in ("confidential", "draft"):
        assert status(client, world[key]) == 404
    listing = client.get("/needs").get_data(as_text=True)
    assert "公开需求" in listing and "会员需求" not in listing


@pytest.mark.parametrize("kind", ["needs", "achievements"])
def test_anonymous_visitor_of_a_members_only_listing_is_sent_to_sign_in_and_back(
    client, app, world, kind
) -> None:
    from web import db

    if kind == "achievements":
        with app.app_context():
            s = db.session()
            item_id = factories.achievement(s, title="会员成果", visibility=Visibility.MEMBERS).id
            s.commit()
    else:
        item_id = world["members"]
    response = client.get(f"/{kind}/{item_id}")
    assert response.status_code == 302
    login_url = urlsplit(response.location)
    assert login_url.path == "/login"
    assert parse_qs(login_url.query) == {"next": [f"/{kind}/{item_id}"]}
    # confidential and unpublished listings do not reveal that they exist
    for key in ("confidential", "draft"):
        assert status(client, world[key]) == 404
    signed_in = client.post(
        response.location, data={"email": "other@example.com", "password": factories.PASSWORD}
    )
    assert signed_in.status_code == 302 and signed_in.location == f"/{kind}/{item_id}"
    assert client.get(signed_in.location).status_code == 200


def test_other_enterprise_cannot_read_confidential_need(client, world) -> None:
    as_user(client, "other@example.com")
    assert status(client, world["members"]) == 200
    assert status(client, world["confidential"]) == 404
    assert status(client, world["draft"]) == 404
    assert "内部预算说明" not in client.get(f"/needs/{world['public']}").get_data(as_text=True)


@pytest.mark.parametrize("email", ["owner@example.com", "staff@example.com"])
def test_owner_and_staff_see_everything(client, world, email) -> None:
    as_user(client, email)
    for key in world:
        assert status(client, world[key]) == 200
    assert "内部预算说明" in client.get(f"/needs/{world['public']}").get_data(as_text=True)


def test_script_in_text_is_rendered_inert(client, app) -> None:
    from web import db

    with app.app_context():
        s = db.session()
        item = factories.achievement(
            s, title="<script>alert(1)</script>成果", summary="<img src=x onerror=alert(1)>"
        )
        s.commit()
        item_id = item.id
    page = client.get(f"/achievements/{item_id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;成果" in page
    assert "<img src=x" not in page
