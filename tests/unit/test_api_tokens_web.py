"""The /my/api-tokens page: create (secret shown once), list, revoke; CSRF protects its forms."""

from __future__ import annotations

import re

import pytest

from matchmaker import runtime
from matchmaker.accounts import api_tokens
from matchmaker.models import ApiToken, Role
from tests import factories

SECRET = re.compile(r"mm_[0-9a-f]{8}_[A-Za-z0-9_-]{20,}")
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def csrf_app(settings):
    from web import create_app

    application = create_app(settings, TESTING=True)  # CSRF on, as in production
    yield application
    runtime.database().dispose()


def sign_in(app, role: Role = Role.ENTERPRISE):
    from web import db

    with app.app_context():
        factories.user(db.session(), role, email="t@example.com")
        db.session().commit()
    client = app.test_client()
    client.post("/login", data={"email": "t@example.com", "password": factories.PASSWORD})
    return client


def test_create_shows_the_secret_once_and_it_works(app) -> None:
    client = sign_in(app)
    page = client.post("/my/api-tokens", data={"name": "ERP 同步"})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    secret = SECRET.search(page.get_data(as_text=True)).group(0)
    again = client.get("/my/api-tokens").get_data(as_text=True)
    assert "ERP 同步" in again and secret not in again and secret[:11] in again
    api = client.get("/api/v1/needs", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 200


def test_revoke_from_the_page(app) -> None:
    from web import db

    client = sign_in(app)
    secret = SECRET.search(client.post("/my/api-tokens", data={"name": "x"}).get_data(True))[0]
    with app.app_context():
        token_id = db.session().query(ApiToken).one().id
    assert client.post(f"/my/api-tokens/{token_id}/revoke").status_code == 302
    api = client.get("/api/v1/needs", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 401


def test_someone_elses_token_cannot_be_revoked(app) -> None:
    from web import db

    with app.app_context():
        s = db.session()
        other = factories.user(s, Role.RESEARCHER, email="o@example.com")
        token_id = api_tokens.create(s, other, "theirs").token.id
        s.commit()
    client = sign_in(app)
    assert client.post(f"/my/api-tokens/{token_id}/revoke").status_code == 404
    with app.app_context():
        assert db.session().get(ApiToken, token_id).revoked_at is None


def test_the_forms_need_a_csrf_token(csrf_app) -> None:
    from web import db

    client = sign_in_csrf(csrf_app)
    assert client.post("/my/api-tokens", data={"name": "x"}).status_code == 400
    with csrf_app.app_context():
        assert db.session().query(ApiToken).count() == 0
    csrf = CSRF_FIELD.search(client.get("/my/api-tokens").get_data(as_text=True)).group(1)
    response = client.post("/my/api-tokens", data={"name": "x", "csrf_token": csrf})
    assert SECRET.search(response.get_data(as_text=True))


def sign_in_csrf(app):
    """Signing in needs the login form's CSRF token when CSRF is on."""
    from web import db

    with app.app_context():
        factories.user(db.session(), Role.ENTERPRISE, email="t@example.com")
        db.session().commit()
    client = app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = CSRF_FIELD.search(login_page).group(1)
    client.post(
        "/login",
        data={"email": "t@example.com", "password": factories.PASSWORD, "csrf_token": token},
    )
    return client


def test_the_user_menu_links_to_the_page(app) -> None:
    client = sign_in(app, Role.RESEARCHER)
    assert 'href="/my/api-tokens"' in client.get("/my/api-tokens").get_data(as_text=True)
    anonymous = app.test_client().get("/my/api-tokens")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
