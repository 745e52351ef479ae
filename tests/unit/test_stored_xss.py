"""Stored XSS: every free-text column of what users write is filled with markup, and no page that
shows it lets the markup through (Jinja escaping, the highlighter, the Excel export aside)."""

from __future__ import annotations

import sqlalchemy as sa

from matchmaker.models import MatchEvent, Role, User
from tests import factories

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'
DANGEROUS = ("<script>alert", "<img src=x onerror")
# coded values chosen from lists, secrets and storage details: not free text
NOT_FREE_TEXT = {
    "field", "region", "lang", "credit_code", "email", "password_hash", "locale", "state",
    "visibility", "ip_type", "role", "kind", "reject_reason", "drop_reason", "status", "timezone",
}  # fmt: skip


def free_text_columns(model: type) -> list[str]:
    table = sa.inspect(model).local_table
    return [
        c.name
        for c in table.columns
        if isinstance(c.type, sa.String | sa.Text) and c.name not in NOT_FREE_TEXT
    ]


def fill(item: object) -> list[str]:
    columns = free_text_columns(type(item))
    for name in columns:
        limit = getattr(getattr(type(item), name).type, "length", None) or 1000
        setattr(item, name, (PAYLOAD + " 电池")[:limit])
    return columns


def sign_in(client, user: User) -> None:  # type: ignore[no-untyped-def]
    client.post("/login", data={"email": user.email, "password": factories.PASSWORD})


def test_markup_in_every_free_text_field_is_rendered_inert(app, session) -> None:
    researcher = factories.user(session, Role.RESEARCHER)
    enterprise = factories.user(session, Role.ENTERPRISE)
    staff = factories.user(session, Role.STAFF)
    achievement = factories.achievement(session, researcher)
    need = factories.need(session, enterprise)
    match = factories.match(session, need, achievement, reject_note=None)
    filled = {
        "achievement": fill(achievement),
        "need": fill(need),
        "organisations": fill(researcher.organisation) + fill(enterprise.organisation),
        "people": fill(researcher) + fill(enterprise),
    }
    match.explanation = {**match.explanation, "shared_terms": [PAYLOAD], "sentences": {
        "need": PAYLOAD, "achievement": PAYLOAD}}  # fmt: skip
    session.add(MatchEvent(match_id=match.id, actor_id=staff.id, note=PAYLOAD))
    session.commit()
    assert {"title", "description", "summary", "confidential_notes"} <= set(filled["achievement"])
    assert {"current_approach", "desired_outcome"} <= set(filled["need"])
    assert "name" in filled["organisations"] and "phone" in filled["people"]

    pages = {
        staff: [
            f"/achievements/{achievement.id}",
            f"/needs/{need.id}",
            "/achievements",
            "/needs",
            "/search?q=电池",
            "/review/matches?state=all",
            f"/review/matches/{match.id}",
            "/review/dashboard",
            "/dashboard",
            "/my/review",
        ],
        researcher: [f"/my/achievement/{achievement.id}/edit", "/my/matches", "/dashboard"],
        enterprise: [f"/my/need/{need.id}/edit", "/my/matches", "/needs"],
    }
    checked = 0
    for user, urls in pages.items():
        client = app.test_client()
        sign_in(client, user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            html = response.get_data(as_text=True)
            for marker in DANGEROUS:
                assert marker not in html, f"{url} as {user.role}: raw {marker!r}"
            checked += "&lt;script&gt;" in html or "&lt;img" in html
    assert checked >= 10  # the payload was on the pages, escaped
    # anonymous visitors see the public pages too
    visitor = app.test_client()
    for url in (f"/achievements/{achievement.id}", "/achievements", "/"):
        html = visitor.get(url).get_data(as_text=True)
        assert not any(marker in html for marker in DANGEROUS), url


def test_markup_in_roadshow_fields_and_registrations_is_rendered_inert(app, session) -> None:
    from matchmaker.models import LineupItem, Registration, RoadshowState

    staff = factories.user(session, Role.STAFF)
    show = factories.roadshow(session, staff, state=RoadshowState.OPEN)
    assert {"title", "description", "venue"} <= set(fill(show))
    achievement = factories.achievement(session)
    fill(achievement)
    session.add(LineupItem(roadshow_id=show.id, achievement_id=achievement.id, position=1))
    person = Registration(
        roadshow_id=show.id, name="x", email="x@example.com", check_in_code="ABCD-2345"
    )
    session.add(person)
    session.flush()
    assert {"name", "phone", "organisation_name"} <= set(fill(person))
    person.email, person.check_in_code = "x@example.com", "ABCD-2345"  # keys, not free text
    session.commit()
    client = app.test_client()
    sign_in(client, staff)
    visitor = app.test_client()
    base = f"/roadshows/{show.id}"
    for who, url in [
        (visitor, "/roadshows/"),
        (visitor, base),
        (client, base),
        (client, f"{base}/lineup"),
        (client, f"{base}/invitations"),
        (client, f"{base}/registrations"),
        (client, f"{base}/checkin"),
        (client, f"{base}/schedule"),
        (client, f"{base}/report"),
    ]:
        response = who.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert not any(marker in html for marker in DANGEROUS), url
    assert "&lt;script&gt;" in client.get(f"{base}/registrations").get_data(as_text=True)


def test_markup_in_conversation_messages_and_meetings_is_rendered_inert(app, session) -> None:
    from matchmaker import runtime
    from matchmaker.conversations import digests, operations
    from matchmaker.db import utcnow
    from matchmaker.models import MatchState, OutboxMail
    from matchmaker.review import pipeline

    researcher = factories.user(session, Role.RESEARCHER)
    enterprise = factories.user(session, Role.ENTERPRISE)
    staff = factories.user(session, Role.STAFF)
    match = factories.match(
        session,
        factories.need(session, enterprise),
        factories.achievement(session, researcher),
        state=MatchState.APPROVED,
    )
    pipeline.decide(session, staff, match, pipeline.Decision(MatchState.INTRODUCED, match.version))
    thread = operations.find(session, "match", match.id)
    assert thread is not None
    settings = runtime.settings()
    pdf = operations.Upload(b"%PDF-1.4", PAYLOAD[:60] + ".pdf")
    operations.post(session, settings, enterprise, thread, PAYLOAD, [pdf])
    operations.post(session, settings, staff, thread, PAYLOAD)
    from datetime import timedelta

    given = operations.MeetingInput(utcnow() + timedelta(days=2), True, PAYLOAD, PAYLOAD)
    operations.propose_meeting(session, researcher, thread, given)
    digests.run(session, settings)
    session.commit()
    for user, urls in {
        researcher: [f"/threads/{thread.id}", "/threads/", "/notifications"],
        enterprise: [f"/threads/{thread.id}", "/threads/"],
        staff: [f"/threads/{thread.id}", "/threads/?show=open", "/admin/outbox"],
    }.items():
        client = app.test_client()
        sign_in(client, user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            html = response.get_data(as_text=True)
            assert not any(marker in html for marker in DANGEROUS), f"{url} as {user.role}"
    client = app.test_client()
    sign_in(client, researcher)
    html = client.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert html.count("&lt;script&gt;") >= 3  # message, staff message, meeting place/note
    # the digest is plain text: the payload is quoted as text, never as a link or markup part
    assert any(PAYLOAD in m.body for m in session.scalars(sa.select(OutboxMail)))
