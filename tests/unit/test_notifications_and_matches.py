import pytest

from matchmaker.models import (
    AuditEntry,
    Match,
    MatchEvent,
    MatchState,
    Notification,
    OutboxMail,
    Role,
    Visibility,
)
from matchmaker.notifications.notify import render
from tests import factories
from tests.unit.test_submissions_web import ACHIEVEMENT_FORM, login


@pytest.fixture
def people(app):
    from web import db

    with app.app_context():
        s = db.session()
        made = {
            "researcher": factories.user(s, Role.RESEARCHER, email="r@example.com"),
            "enterprise": factories.user(s, Role.ENTERPRISE, email="e@example.com", locale="en"),
            "stranger": factories.user(s, Role.ENTERPRISE, email="x@example.com"),
            "staff": factories.user(s, Role.STAFF, email="s@example.com"),
        }
        s.commit()
        return {k: v.email for k, v in made.items()}


def test_owner_is_notified_in_app_and_by_outbox_mail_when_published(client, app, people) -> None:
    from web import db

    login(client, people["researcher"])
    client.post("/my/achievement/new", data=ACHIEVEMENT_FORM)
    with app.app_context():
        item_id = db.session().query(factories.Achievement).one().id
    client.post(f"/my/achievement/{item_id}/submit")
    login(client, people["staff"])
    client.post(f"/my/review/achievement/{item_id}/publish")
    assert "r@example.com" in client.get("/admin/outbox").get_data(as_text=True)

    login(client, people["researcher"])
    assert '<span class="badge">1</span>' in client.get("/dashboard").get_data(as_text=True)
    page = client.get("/notifications").get_data(as_text=True)
    assert "已审核通过并发布" in page and ACHIEVEMENT_FORM["title"] in page
    # showing the list changes nothing; "mark all as read" (a POST) does, with an audit entry
    assert '<span class="badge">1</span>' in client.get("/dashboard").get_data(as_text=True)
    with app.app_context():
        note_id = db.session().query(Notification).one().id
    assert f'name="ids" value="{note_id}"' in page
    client.post("/notifications/read", data={"ids": [str(note_id)]})
    assert '<span class="badge">' not in client.get("/dashboard").get_data(as_text=True)
    with app.app_context():
        assert db.session().query(AuditEntry).filter_by(action="notifications.read").count() == 1
    with app.app_context():
        mail = db.session().query(OutboxMail).one()
        assert mail.recipient == "r@example.com" and mail.subject.startswith("[科创对接]")


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, app, people) -> None:
    from web import db

    with app.app_context():
        s = db.session()
        owner = s.query(factories.User).filter_by(email=people["researcher"]).one()
        mine = Notification(user_id=owner.id, message_key="match_introduced", link="/my/matches")
        away = Notification(user_id=owner.id, message_key="match_introduced", link="//evil.example")
        s.add_all([mine, away])
        s.commit()
        mine_id, away_id = mine.id, away.id
    login(client, people["stranger"])
    assert client.post(f"/notifications/{mine_id}/open").status_code == 404  # not theirs
    login(client, people["researcher"])
    page = client.get("/notifications").get_data(as_text=True)
    assert f"/notifications/{mine_id}/open" in page
    response = client.post(f"/notifications/{mine_id}/open")
    assert response.status_code == 302 and response.headers["Location"] == "/my/matches"
    # only a path of this site is followed
    assert client.post(f"/notifications/{away_id}/open").headers["Location"] == "/notifications"
    with app.app_context():
        assert all(n.read_at is not None for n in db.session().query(Notification))


def test_messages_render_in_the_reader_language() -> None:
    params = {"title": "基板"}
    assert render("listing_published", params, "zh") == "您提交的「基板」已审核通过并发布。"
    assert render("listing_published", params, "en") == "“基板” has been approved and published."


def test_outbox_is_staff_only(client, people) -> None:
    login(client, people["researcher"])
    assert client.get("/admin/outbox").status_code == 403


@pytest.fixture
def approved_match(app, people):
    from web import db

    with app.app_context():
        s = db.session()
        researcher = s.query(factories.User).filter_by(email=people["researcher"]).one()
        enterprise = s.query(factories.User).filter_by(email=people["enterprise"]).one()
        staff = s.query(factories.User).filter_by(email=people["staff"]).one()
        achievement = factories.achievement(s, researcher, title="氮化铝基板")
        need = factories.need(
            s, enterprise, title="保密的散热需求", visibility=Visibility.CONFIDENTIAL
        )
        match = Match(
            need=need,
            achievement=achievement,
            score=0.8,
            state=MatchState.APPROVED,
            assignee=staff,
            explanation={
                "shared_terms": ["散热"],
                "checks": [{"name": "field", "result": "passed"}],
            },
        )
        s.add(match)
        s.add(
            Match(need=factories.need(s, enterprise), achievement=achievement, score=0.5)
        )  # proposed only
        s.commit()
        return match.id


def test_parties_see_approved_matches_with_explanation_and_confidentiality(
    client, people, approved_match
) -> None:
    login(client, people["researcher"])
    page = client.get("/my/matches").get_data(as_text=True)
    assert page.count('class="card match-card"') == 1  # the proposed one is not shown
    assert "保密项目" in page and "保密的散热需求" not in page
    # the shared terms come from the confidential text too: shown only to those who may see it
    assert "<mark>散热</mark>" not in page and "领域: 符合" in page
    login(client, people["enterprise"])
    page = client.get("/my/matches").get_data(as_text=True)
    assert "氮化铝基板" in page and "<mark>散热</mark>" in page


def test_interest_is_recorded_and_staff_told(client, app, people, approved_match) -> None:
    from web import db

    login(client, people["enterprise"])
    client.post(f"/my/matches/{approved_match}/interested")
    assert "您的回复" in client.get("/my/matches?lang=zh").get_data(
        as_text=True
    ) or "Your answer" in client.get("/my/matches").get_data(as_text=True)
    with app.app_context():
        s = db.session()
        event = s.query(MatchEvent).one()
        assert event.note == "need:interested"
        staff_note = s.query(Notification).filter_by(message_key="match_response").one()
        assert staff_note.params["response"] == "interested"


def test_strangers_cannot_answer(client, people, approved_match) -> None:
    login(client, people["stranger"])
    assert client.post(f"/my/matches/{approved_match}/interested").status_code == 404
    login(client, people["staff"])
    assert client.post(f"/my/matches/{approved_match}/interested").status_code == 403


def test_no_answer_on_a_signed_deal(client, app, people, approved_match) -> None:
    from matchmaker.models import Match, MatchState
    from web import db

    with app.app_context():
        s = db.session()
        s.get(Match, approved_match).state = MatchState.SIGNED
        s.commit()
    login(client, people["researcher"])
    page = client.get("/my/matches").get_data(as_text=True)
    assert 'data-action="declined"' not in page and 'data-action="interested"' not in page
    client.post(f"/my/matches/{approved_match}/declined")
    with app.app_context():
        from matchmaker.models import Notification

        assert db.session().query(Notification).filter_by(message_key="match_response").count() == 0


def test_no_good_match_yet_for_the_owner_and_unmet_demand_for_staff(client, app, people) -> None:
    from datetime import timedelta

    from matchmaker.db import utcnow
    from matchmaker.matching import scoring
    from matchmaker.models import Match, User
    from web import db

    with app.app_context():
        s = db.session()
        owner = s.query(User).filter_by(email=people["enterprise"]).one()
        need = factories.need(s, owner, title="宠物猫砂结团")
        need.published_at = utcnow() - timedelta(days=1)
        weak = factories.achievement(s, title="离题的成果")
        factories.match(s, need, weak, score=scoring.MIN_PROPOSAL_SCORE / 2)
        s.commit()
        need_id, weak_id = need.id, weak.id
    client.post("/lang/zh")
    login(client, people["enterprise"])
    page = client.get(f"/my/need/{need_id}/edit").get_data(as_text=True)
    assert 'data-testid="no-good-match"' in page and "No good match yet" in page  # locale en
    login(client, people["staff"])
    board = client.get("/dashboard").get_data(as_text=True)
    unmet = board.split('data-testid="unmet-needs"')[1].split("</section>")[0]
    assert "宠物猫砂结团" in unmet

    with app.app_context():
        s = db.session()
        s.query(Match).filter_by(
            need_id=need_id, achievement_id=weak_id
        ).one().score = scoring.MEDIUM
        s.commit()
    board = client.get("/dashboard").get_data(as_text=True)
    assert "宠物猫砂结团" not in board.split('data-testid="unmet-needs"')[1].split("</section>")[0]
    login(client, people["enterprise"])
    assert 'data-testid="no-good-match"' not in client.get(f"/my/need/{need_id}/edit").get_data(
        as_text=True
    )
