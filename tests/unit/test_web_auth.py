import re

import pytest

from matchmaker.models import Role, User
from tests import factories


def login(client, email: str, password: str = factories.PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


@pytest.fixture
def people(app):
    from web import db

    with app.app_context():
        s = db.session()
        result = {role: factories.user(s, role, email=f"{role.value}@example.com") for role in Role}
        s.commit()
        return {role: user.email for role, user in result.items()}


def test_each_role_can_sign_in_and_reaches_its_workspace(client, people) -> None:
    for role, email in people.items():
        response = login(client, email)
        assert response.status_code == 302 and response.location.endswith("/dashboard")
        page = client.get("/dashboard", headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert f'data-role="{role.value}"' in page
        client.post("/logout")
        assert client.get("/dashboard").status_code == 302


def test_wrong_password_is_refused_with_a_translated_message(client, people) -> None:
    page = login(client, people[Role.STAFF], "wrong-pass1").get_data(as_text=True)
    assert "邮箱或密码错误" in page
    assert client.get("/dashboard").status_code == 302


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.RESEARCHER, 403), (Role.ENTERPRISE, 403), (Role.STAFF, 403), (Role.ADMIN, 200)],
)
def test_only_admins_manage_accounts(client, people, role, status) -> None:
    login(client, people[role])
    assert client.get("/admin/users").status_code == status
    assert client.get("/admin/audit").status_code == status


def test_anonymous_users_are_sent_to_sign_in(client) -> None:
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/login" in response.location


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example.com/x",
        "https://evil.example.com/x",
        # browsers read a backslash as a slash and drop tabs and newlines: //evil.example.com
        "/\\evil.example.com/x",
        "/%09/evil.example.com/x",
        "%2F%2Fevil.example.com",
        "javascript:alert(1)",
    ],
)
def test_login_never_redirects_off_site(client, people, target) -> None:
    response = client.post(
        f"/login?next={target}",
        data={"email": people[Role.STAFF], "password": factories.PASSWORD},
    )
    assert response.location.endswith("/dashboard")


def test_login_goes_back_to_a_local_page(client, people) -> None:
    response = client.post(
        "/login?next=/needs/7%3Fx%3D1",
        data={"email": people[Role.STAFF], "password": factories.PASSWORD},
    )
    assert response.location == "/needs/7?x=1"


def test_registration_creates_an_account_and_signs_in(client, app) -> None:
    response = client.post(
        "/register",
        data={
            "role": "enterprise",
            "name": "赵强",
            "email": "zhao@example.com",
            "password": "goodpass1",
            "password_confirm": "goodpass1",
            "organisation_name": "宏达电子有限公司",
            "organisation_kind": "enterprise",
            "credit_code": "91350100M000100Y43",
            "region": "福建省",
        },
    )
    assert response.status_code == 302
    assert 'data-role="enterprise"' in client.get("/dashboard").get_data(as_text=True)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"credit_code": "91350100M000100Y44"}, "信用代码校验位不正确"),
        ({"password": "abc", "password_confirm": "abc"}, "Field must be between 8 and 128"),
        ({"password_confirm": "different1"}, "两次输入的密码不一致"),
        ({"email": "taken@example.com"}, "该邮箱已被注册"),
        ({"name": ""}, "此项为必填项"),
    ],
)
def test_registration_errors_are_shown_and_nothing_is_saved(
    client, app, people, changes, expected
) -> None:
    from web import db

    data = {
        "role": "enterprise",
        "name": "赵强",
        "email": "zhao@example.com",
        "password": "goodpass1",
        "password_confirm": "goodpass1",
        "organisation_name": "宏达电子有限公司",
        "organisation_kind": "enterprise",
        "credit_code": "91350100M000100Y43",
    }
    if changes.get("email") == "taken@example.com":
        with app.app_context():
            s = db.session()
            factories.user(s, email="taken@example.com")
            s.commit()
    data.update(changes)
    with app.app_context():
        before = db.session().query(User).count()
    response = client.post("/register", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    if expected.startswith("Field must"):
        assert re.search(r"8.{0,4}128", page)  # WTForms' own message, in Chinese or English
    else:
        assert expected in page
    with app.app_context():
        assert db.session().query(User).count() == before


def test_csrf_token_is_required(settings) -> None:
    from web import create_app

    client = create_app(settings, TESTING=True).test_client()
    response = client.post("/login", data={"email": "x@example.com", "password": "whatever1"})
    assert response.status_code == 400


def test_session_cookie_is_http_only_and_same_site(client, people) -> None:
    response = login(client, people[Role.STAFF])
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_sign_out_ends_every_copy_of_the_session_and_the_remember_cookie(app, session) -> None:
    """A cookie copied before sign-out (session or remember-me) opens nothing afterwards, and
    each sign-in gets a different remember-me cookie."""
    person = factories.user(session, Role.RESEARCHER, email="copy@example.com")
    session.commit()
    browser = app.test_client()
    browser.post(
        "/login",
        data={"email": "copy@example.com", "password": factories.PASSWORD, "remember": "y"},
    )
    stolen_session = browser.get_cookie("session").value
    first_remember = browser.get_cookie("remember_token").value
    assert browser.get("/dashboard").status_code == 200
    browser.post("/logout")

    thief = app.test_client()
    thief.set_cookie("session", stolen_session)
    assert "/login" in thief.get("/dashboard").headers.get("Location", "")
    thief = app.test_client()
    thief.set_cookie("remember_token", first_remember)
    assert "/login" in thief.get("/dashboard").headers.get("Location", "")

    again = app.test_client()
    again.post(
        "/login",
        data={"email": "copy@example.com", "password": factories.PASSWORD, "remember": "y"},
    )
    assert again.get_cookie("remember_token").value != first_remember
    assert again.get("/dashboard").status_code == 200
    assert person.id is not None


def test_remember_cookie_is_same_site_and_secure_outside_the_embedded_default() -> None:
    from matchmaker.config import Settings

    os_env = {"MATCHMAKER_DATABASE_URL": "postgresql+psycopg://u@127.0.0.1/db"}
    import os
    from unittest import mock

    with mock.patch.dict(os.environ, os_env):
        assert Settings.from_env(instance_dir="/tmp/mm-cookie-test").session_cookie_secure
    with mock.patch.dict(os.environ, {"MATCHMAKER_DATABASE_URL": "sqlite:////tmp/x.sqlite"}):
        assert not Settings.from_env(instance_dir="/tmp/mm-cookie-test").session_cookie_secure
