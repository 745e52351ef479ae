"""Every route × every role, generated from the app's route table.

Each endpoint must have a rule in ACCESS; a new route without one fails
`test_every_route_has_an_access_rule`. A request is *refused* when it gets 403 or is sent to the
login page, or, under /api/, gets 401 (the API authenticates by bearer token only, so the
session-cookie clients of this test are all refused there); everything else (200, a redirect elsewhere, 400 for a bad token, 404 for an id that
does not exist) means the role got past the access check. 5xx always fails.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from werkzeug.routing import IntegerConverter, Rule

from matchmaker import runtime
from matchmaker.models import Role
from tests import factories
from tests.conftest import make_settings

ANON = "anonymous"
ROLES = (ANON, *(r.value for r in Role))
PARTICIPANTS = {Role.RESEARCHER.value, Role.ENTERPRISE.value}
STAFF = {Role.STAFF.value, Role.ADMIN.value}
SIGNED_IN = PARTICIPANTS | STAFF
EVERYONE = {ANON} | SIGNED_IN
TOKEN_ONLY: set[str] = set()  # no session cookie gets past; see tests/unit/test_api.py
OWNER_OF = {"achievement": {Role.RESEARCHER.value}, "need": {Role.ENTERPRISE.value}}

# endpoint → who gets past the access check ("owner" = the role that owns the <kind> in the URL)
ACCESS: dict[str, set[str] | str] = {
    "static": EVERYONE,
    "health.healthz": EVERYONE,
    "health.readyz": EVERYONE,
    "main.index": EVERYONE,
    "listings.achievements": EVERYONE,
    "listings.achievement": EVERYONE,
    "listings.needs": EVERYONE,
    "listings.need": EVERYONE,
    "search.search": EVERYONE,
    "auth.login": EVERYONE,
    "auth.register": EVERYONE,
    "auth.set_language": EVERYONE,
    # a signed link is the credential: no account needed
    "listings.renew_by_link": EVERYONE,
    "saved_searches.unsubscribe": EVERYONE,
    # expertise profiles: public pages under the visibility rule; the invitation link is the
    # credential of an invited expert without an account
    "experts.index": EVERYONE,
    "experts.profile": EVERYONE,
    "experts.confirm": EVERYONE,
    "experts.create_own": {Role.RESEARCHER.value},
    "experts.edit": {Role.RESEARCHER.value} | STAFF,
    "experts.archive": {Role.RESEARCHER.value} | STAFF,
    "experts.invite": STAFF,
    "experts.resend": STAFF,
    "experts.team_list": STAFF,
    "experts.import_upload": STAFF,
    "experts.import_template": STAFF,
    "experts.import_job": STAFF,
    "experts.import_confirm": STAFF,
    "experts.import_report": STAFF,
    "experts.team": STAFF,
    "experts.team_recommend": STAFF,
    "experts.team_member": STAFF,
    "experts.team_visit": STAFF,
    "experts.team_report": STAFF,
    "experts.team_report_export": STAFF,
    "auth.logout": SIGNED_IN,
    "main.dashboard": SIGNED_IN,
    "notifications.index": SIGNED_IN,
    "notifications.mark_read": SIGNED_IN,
    "notifications.open_one": SIGNED_IN,
    "saved_searches.saved_create": SIGNED_IN,
    "saved_searches.saved_detail": SIGNED_IN,
    "saved_searches.saved_list": SIGNED_IN,
    "saved_searches.saved_update": SIGNED_IN,
    "submissions.job_status": SIGNED_IN,
    "submissions.mine": PARTICIPANTS,
    "submissions.my_matches": PARTICIPANTS,
    "submissions.respond_to_match": PARTICIPANTS,
    "submissions.create": "owner",
    "submissions.edit": "owner",
    "submissions.act": "owner",
    "submissions.achievement_from_file": {Role.RESEARCHER.value},
    "submissions.import_upload": {Role.RESEARCHER.value},
    "submissions.import_template": {Role.RESEARCHER.value},
    "submissions.import_job": {Role.RESEARCHER.value},
    "submissions.import_confirm": {Role.RESEARCHER.value},
    "submissions.import_report": {Role.RESEARCHER.value},
    "submissions.review_queue": STAFF,
    "submissions.review_decide": STAFF,
    "review.queue": STAFF,
    "review.card": STAFF,
    "review.decide": STAFF,
    "review.assign": STAFF,
    "review.note": STAFF,
    "review.bulk": STAFF,
    "review.export": STAFF,
    "review.dashboard": STAFF,
    "duplicates.duplicate_clusters": STAFF,
    "duplicates.duplicate_decide": STAFF,
    "duplicates.merge_confirm": STAFF,
    "notifications.outbox": STAFF,
    # roadshows: the list, event page, registration and one's own ticket are public (a ticket of
    # someone else is a 404, see tests/unit/test_roadshow_web.py); meetings need an account
    "roadshows.index": EVERYONE,
    "roadshows.event": EVERYONE,
    "roadshows.register": EVERYONE,
    "roadshows.ticket": EVERYONE,
    "roadshows.cancel": EVERYONE,
    "roadshows.ticket_by_link": EVERYONE,
    "roadshows.confirm_by_link": EVERYONE,
    "roadshows.cancel_by_link": EVERYONE,
    "roadshows.meetings": SIGNED_IN,
    "roadshows.request_meeting": SIGNED_IN,
    "roadshows.answer": SIGNED_IN,
    "roadshows.agenda": SIGNED_IN,
    "roadshows.followup": SIGNED_IN,
    "roadshows.create": STAFF,
    "roadshows.edit": STAFF,
    "roadshows.lineup": STAFF,
    "roadshows.recommend": STAFF,
    "roadshows.lineup_action": STAFF,
    "roadshows.restore_item": STAFF,
    "roadshows.edit_lineup": STAFF,
    "roadshows.finish_lineup_edit": STAFF,
    "roadshows.cancel_registration": STAFF,
    "roadshows.publish": STAFF,
    "roadshows.change_state": STAFF,
    "roadshows.invitations": STAFF,
    "roadshows.send_invitations": STAFF,
    "roadshows.registrations": STAFF,
    "roadshows.checkin": STAFF,
    "roadshows.checkin_counts": STAFF,
    "roadshows.schedule": STAFF,
    "roadshows.generate_schedule": STAFF,
    "roadshows.move_meeting": STAFF,
    "roadshows.publish_schedule": STAFF,
    "roadshows.report": STAFF,
    "roadshows.export": STAFF,
    "roadshows.confirm_contract": STAFF,
    # interest requests: an account is needed; who may see one request (requester's
    # organisation, owner, staff) is checked per request in tests/unit/test_interest_web.py
    "interest.ask": SIGNED_IN,
    "interest.mine": SIGNED_IN,
    "interest.incoming": SIGNED_IN,
    "interest.detail": SIGNED_IN,
    "interest.act": SIGNED_IN,
    "interest.agreement": SIGNED_IN,
    "interest.upload_agreement": SIGNED_IN,
    "interest.agreement_pdf": SIGNED_IN,
    "interest.signed_copy": SIGNED_IN,
    "interest.everything": STAFF,
    "interest.agreement_texts": {Role.ADMIN.value},
    # conversations: any signed-in person gets past the login; whether they may read a thread is
    # decided per thread (a thread they may not read is a 404): test_conversation_access below
    "conversations.index": SIGNED_IN,
    "conversations.for_match": SIGNED_IN,
    "conversations.show": SIGNED_IN,
    "conversations.post_message": SIGNED_IN,
    "conversations.propose_meeting": SIGNED_IN,
    "conversations.answer_meeting": SIGNED_IN,
    "conversations.report_agreement": SIGNED_IN,
    "conversations.tie": SIGNED_IN,
    "conversations.download": SIGNED_IN,
    "conversations.record_contract": STAFF,
    "conversations.unsubscribe": EVERYONE,
    "admin.adapt_model": {Role.ADMIN.value},
    "admin.audit_log": {Role.ADMIN.value},
    "admin.embedding_model": {Role.ADMIN.value},
    "admin.job_status": {Role.ADMIN.value},
    "admin.rebuild_index": {Role.ADMIN.value},
    "admin.rematch_all": {Role.ADMIN.value},
    "admin.repair_index": {Role.ADMIN.value},
    "admin.rollback_model": {Role.ADMIN.value},
    "admin.search_index": {Role.ADMIN.value},
    "admin.users": {Role.ADMIN.value},
    "api_tokens.index": SIGNED_IN,
    "api_tokens.revoke": SIGNED_IN,
    # the JSON API: the description is public, everything else needs a bearer token
    "api.openapi_document": EVERYONE,
    "api_docs.index": EVERYONE,
    "api.achievements": TOKEN_ONLY,
    "api.achievement": TOKEN_ONLY,
    "api.needs": TOKEN_ONLY,
    "api.need": TOKEN_ONLY,
    "api.create_need": TOKEN_ONLY,
    "api.experts_page": TOKEN_ONLY,
    "api.expert": TOKEN_ONLY,
    "api.create_expert": TOKEN_ONLY,
    "api.list_matches": TOKEN_ONLY,
    "api.roadshows": TOKEN_ONLY,
    "api.list_interest_requests": TOKEN_ONLY,
    "api.create_interest_request": TOKEN_ONLY,
    "api.list_threads": TOKEN_ONLY,
    "api.list_messages": TOKEN_ONLY,
    "api.create_message": TOKEN_ONLY,
}

# values for URL parts: ids that do not exist, words the views accept
PART_VALUES = {
    "token": "not-a-real-token",
    "code": "en",
    "filename": "css/app.css",
    "action": "submit",
    "decision": "approve",
    "response": "accept",
}
MISSING_ID = 987654


@pytest.fixture(scope="module")
def app(
    tmp_path_factory: pytest.TempPathFactory, migrated_sqlite_template: Path
) -> Iterator[Flask]:
    from web import create_app

    instance = tmp_path_factory.mktemp("matrix") / "instance"
    instance.mkdir()
    shutil.copy(migrated_sqlite_template, instance / "test.sqlite")
    application = create_app(make_settings(instance), TESTING=True, WTF_CSRF_ENABLED=False)
    with runtime.database().transaction() as s:
        for role in Role:
            factories.user(s, role, email=f"{role.value}@matrix.cn")
    yield application
    runtime.database().dispose()


@pytest.fixture(scope="module")
def clients(app: Flask) -> dict[str, FlaskClient]:
    """One signed-in client per role, reused (signing in hashes a password)."""
    signed_in = {ANON: app.test_client()}
    for role in Role:
        client = app.test_client()
        response = client.post(
            "/login", data={"email": f"{role.value}@matrix.cn", "password": factories.PASSWORD}
        )
        assert response.status_code == 302 and "/login" not in response.headers["Location"]
        signed_in[role.value] = client
    return signed_in


def _rules(app: Flask) -> list[Rule]:
    return sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule))


def _cases(app: Flask) -> Iterator[tuple[str, str, str, set[str]]]:
    """(method, url, endpoint, roles allowed) for every rule, method and <kind>."""
    for rule in _rules(app):
        kinds = ["achievement", "need"] if "kind" in rule.arguments else [None]
        for kind in kinds:
            parts: dict[str, object] = {}
            for name in rule.arguments:
                converter = rule._converters[name]
                if isinstance(converter, IntegerConverter):
                    parts[name] = MISSING_ID
                else:
                    parts[name] = kind if name == "kind" else PART_VALUES.get(name, "x")
            with app.test_request_context():
                url = url_for(rule.endpoint, **parts)
            rule_access = ACCESS.get(rule.endpoint, set())
            allowed = OWNER_OF[kind or "achievement"] if rule_access == "owner" else rule_access
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                yield method, url, rule.endpoint, set(allowed)


def _refused(status: int, location: str, url: str = "") -> bool:
    if url.startswith("/api/") and status == 401:
        return True
    return status == 403 or (300 <= status < 400 and "/login" in location)


def test_every_route_has_an_access_rule(app: Flask) -> None:
    missing = sorted({r.endpoint for r in _rules(app)} - set(ACCESS))
    assert missing == [], f"add these endpoints to ACCESS: {missing}"
    stale = sorted(set(ACCESS) - {r.endpoint for r in _rules(app)})
    assert stale == [], f"ACCESS names endpoints that no longer exist: {stale}"


def test_every_route_for_every_role(app: Flask, clients: dict[str, FlaskClient]) -> None:
    wrong: list[str] = []
    for method, url, endpoint, allowed in _cases(app):
        if endpoint == "auth.logout":
            continue  # would sign the shared client out; checked below
        for role in ROLES:
            response = clients[role].open(url, method=method)
            location = response.headers.get("Location", "")
            if response.status_code >= 500:
                wrong.append(f"{method} {url} as {role}: {response.status_code}")
                continue
            refused = _refused(response.status_code, location, url)
            if refused == (role in allowed):
                expected = "allowed" if role in allowed else "refused"
                wrong.append(
                    f"{method} {url} as {role}: {response.status_code}, {expected} expected"
                )
            if role == ANON and refused and response.status_code not in (401, 403):
                assert "/login" in location  # anonymous users are sent to sign in, not told 403
    assert wrong == []


def test_logout_needs_a_session_and_ends_it(app: Flask) -> None:
    assert _refused(app.test_client().post("/logout").status_code, "/login")
    client = app.test_client()
    client.post("/login", data={"email": "staff@matrix.cn", "password": factories.PASSWORD})
    assert client.get("/review/matches").status_code == 200
    client.post("/logout")
    assert "/login" in client.get("/review/matches").headers.get("Location", "")


def test_another_owner_cannot_touch_a_listing_or_a_match(app: Flask) -> None:
    with runtime.database().transaction() as s:
        achievement = factories.achievement(s)
        need = factories.need(s)
        match = factories.match(s, need, achievement)
        s.flush()
        ids = achievement.id, need.id, match.id
        owner_email = achievement.owner.email
        others = {
            "achievement": factories.user(s, Role.RESEARCHER, email="other-r@matrix.cn"),
            "need": factories.user(s, Role.ENTERPRISE, email="other-e@matrix.cn"),
        }
    achievement_id, need_id, match_id = ids
    for kind, listing_id in (("achievement", achievement_id), ("need", need_id)):
        client = app.test_client()
        client.post("/login", data={"email": others[kind].email, "password": factories.PASSWORD})
        for method, path in (
            ("GET", f"/my/{kind}/{listing_id}/edit"),
            ("POST", f"/my/{kind}/{listing_id}/edit"),
            ("POST", f"/my/{kind}/{listing_id}/withdraw"),
            ("POST", f"/my/matches/{match_id}/accept"),
        ):
            status = client.open(path, method=method).status_code
            assert status in (403, 404), f"{method} {path} by another {kind} owner: {status}"
    owner = app.test_client()
    owner.post("/login", data={"email": owner_email, "password": factories.PASSWORD})
    assert owner.get(f"/my/achievement/{achievement_id}/edit").status_code == 200


def test_conversation_access_party_by_party(app: Flask) -> None:
    """A match's thread: both parties and staff once introduced; before that staff only; other
    enterprises and researchers never (a 404, the thread's existence is not revealed)."""
    from matchmaker.models import MatchState
    from matchmaker.review import pipeline

    with runtime.database().transaction() as s:
        people = {
            "party_a": factories.user(s, Role.ENTERPRISE, email="thread-a@matrix.cn"),
            "party_b": factories.user(s, Role.RESEARCHER, email="thread-b@matrix.cn"),
            "other_enterprise": factories.user(s, Role.ENTERPRISE, email="thread-oe@matrix.cn"),
            "other_researcher": factories.user(s, Role.RESEARCHER, email="thread-or@matrix.cn"),
            "staff": factories.user(s, Role.STAFF, email="thread-staff@matrix.cn"),
        }
        need = factories.need(s, people["party_a"])
        achievement = factories.achievement(s, people["party_b"])
        match = factories.match(s, need, achievement, state=MatchState.APPROVED)
        s.flush()
        match_id = match.id
    clients = {ANON: app.test_client()}
    for name, person in people.items():
        client = app.test_client()
        client.post("/login", data={"email": person.email, "password": factories.PASSWORD})
        clients[name] = client

    def status(who: str, method: str, url: str, **kw: object) -> int:
        response = clients[who].open(url, method=method, **kw)
        assert response.status_code < 500, f"{method} {url} as {who}"
        if who == ANON:
            assert "/login" in response.headers.get("Location", ""), url
        return response.status_code

    # before the introduction: only staff may open (and so start) the thread
    for who in ("party_a", "party_b", "other_enterprise", "other_researcher"):
        assert status(who, "GET", f"/threads/match/{match_id}") == 404, who
    status(ANON, "GET", f"/threads/match/{match_id}")
    opened = clients["staff"].get(f"/threads/match/{match_id}")
    assert opened.status_code == 302
    thread_url = opened.headers["Location"]
    for who in ("party_a", "party_b", "other_enterprise", "other_researcher"):
        assert status(who, "GET", thread_url) == 404, who
        assert status(who, "POST", thread_url + "/messages", data={"body": "早"}) == 404, who
    assert status("staff", "GET", thread_url) == 200

    with runtime.database().transaction() as s:
        from matchmaker.models import Match, User

        staff = s.get(User, people["staff"].id)
        match = s.get(Match, match_id)
        pipeline.decide(s, staff, match, pipeline.Decision(MatchState.INTRODUCED, match.version))

    pdf = (io.BytesIO(b"%PDF-1.4 test"), "方案.pdf")
    assert (
        status(
            "party_a", "POST", thread_url + "/messages", data={"body": "您好", "attachments": pdf}
        )
        == 302
    )
    page = clients["party_b"].get(thread_url).get_data(as_text=True)
    download = page.split('href="/threads/attachments/')[1].split('"')[0]
    everyone_else = ("other_enterprise", "other_researcher")
    for who in ("party_a", "party_b", "staff"):
        assert status(who, "GET", thread_url) == 200, who
        assert status(who, "GET", f"/threads/attachments/{download}") == 200, who
        assert status(who, "GET", f"/threads/match/{match_id}") == 302, who
    for who in everyone_else:
        for method, url in (
            ("GET", thread_url),
            ("GET", f"/threads/match/{match_id}"),
            ("GET", f"/threads/attachments/{download}"),
            ("POST", thread_url + "/messages"),
            ("POST", thread_url + "/meetings"),
            ("POST", thread_url + "/agreement"),
            ("POST", thread_url + "/tie"),
            ("POST", thread_url + "/meetings/1/accept"),
        ):
            assert status(who, method, url) == 404, f"{method} {url} as {who}"
        assert thread_url not in clients[who].get("/threads/").get_data(as_text=True)
        assert "您好" not in clients[who].get("/notifications").get_data(as_text=True)
    for who in (ANON, *everyone_else):
        status(who, "GET", f"/threads/attachments/{download}")
    for who in ("party_a", "party_b"):
        assert thread_url in clients[who].get("/threads/").get_data(as_text=True)
        assert status(who, "POST", thread_url + "/contract", data={"contract_value": "1"}) == 403
    assert thread_url in clients["staff"].get("/threads/").get_data(as_text=True)
