"""Sign-in throttling: per account and per address, shared through the database, time-bound."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from matchmaker import clock
from matchmaker.accounts import login_throttle
from matchmaker.models import Role
from tests import factories

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def sign_in(client, email: str, password: str, address: str = "10.0.0.1"):  # type: ignore[no-untyped-def]
    return client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_an_account_waits_after_five_failures_even_with_the_right_password(client, session) -> None:
    person = factories.user(session, Role.RESEARCHER, email="li@example.com")
    session.commit()
    with clock.frozen_at(START):
        for _ in range(login_throttle.MAX_PER_ACCOUNT):
            response = sign_in(client, person.email, "wrong-password")
            assert response.status_code == 200 and "密码" in response.get_data(as_text=True)
        blocked = sign_in(client, person.email, factories.PASSWORD)
        assert blocked.status_code == 429
        assert "15 分钟" in blocked.get_data(as_text=True)  # the oldest failure leaves in 15 min
        # the e-mail is matched however it is typed
        assert sign_in(client, " LI@example.com ", factories.PASSWORD).status_code == 429

        clock.advance(login_throttle.WINDOW + timedelta(seconds=1))
        assert sign_in(client, person.email, factories.PASSWORD).status_code == 302


def test_success_clears_the_account_and_other_accounts_are_not_affected(client, session) -> None:
    first = factories.user(session, Role.RESEARCHER, email="a@example.com")
    second = factories.user(session, Role.ENTERPRISE, email="b@example.com")
    session.commit()
    with clock.frozen_at(START):
        for _ in range(login_throttle.MAX_PER_ACCOUNT - 1):
            sign_in(client, first.email, "wrong-password")
        assert sign_in(client, second.email, factories.PASSWORD).status_code == 302
        app = client.application
        assert sign_in(app.test_client(), first.email, factories.PASSWORD).status_code == 302
        for _ in range(login_throttle.MAX_PER_ACCOUNT - 1):
            assert sign_in(app.test_client(), first.email, "wrong-again").status_code == 200
        # four new failures after a success: still allowed
        assert sign_in(app.test_client(), first.email, factories.PASSWORD).status_code == 302


def test_one_address_trying_many_accounts_is_slowed_down(session) -> None:
    with clock.frozen_at(START):
        for i in range(login_throttle.MAX_PER_ADDRESS):
            assert login_throttle.begin(session, f"user{i}@example.com", "203.0.113.9").allowed
        verdict = login_throttle.begin(session, "fresh@example.com", "203.0.113.9")
        assert not verdict.allowed and verdict.retry_after == login_throttle.WINDOW
        assert login_throttle.begin(session, "fresh@example.com", "198.51.100.1").allowed
        clock.advance(timedelta(minutes=5))
        assert login_throttle.begin(session, "other@example.com", "203.0.113.9").retry_after == (
            login_throttle.WINDOW - timedelta(minutes=5)
        )


def test_a_refused_attempt_does_not_make_the_wait_longer(session) -> None:
    from matchmaker.models import LoginFailure

    with clock.frozen_at(START):
        for _ in range(login_throttle.MAX_PER_ACCOUNT):
            login_throttle.begin(session, "li@example.com", "10.0.0.3")
        for _ in range(3):
            assert not login_throttle.begin(session, "li@example.com", "10.0.0.3").allowed
        assert session.query(LoginFailure).count() == login_throttle.MAX_PER_ACCOUNT


def test_old_failures_are_purged(session) -> None:
    from matchmaker.models import LoginFailure

    with clock.frozen_at(START):
        login_throttle.begin(session, "old@example.com", "10.0.0.2")
    with clock.frozen_at(START + 3 * login_throttle.WINDOW):
        login_throttle.begin(session, "new@example.com", "10.0.0.2")
        assert [f.email for f in session.query(LoginFailure)] == ["new@example.com"]
