"""Roadshow pages over HTTP: who may reach which page, forms, escaping, the check-in desk."""

import io
import re

import pytest
from openpyxl import load_workbook

from matchmaker import clock
from matchmaker.models import (
    FollowUpIntent,
    Meeting,
    MeetingState,
    OutboxMail,
    Registration,
    Roadshow,
    RoadshowState,
    Role,
    User,
    Visibility,
)
from matchmaker.roadshows import desk as roadshow_desk
from matchmaker.roadshows import events as roadshow_events
from matchmaker.roadshows import followup as roadshow_followup
from tests import factories
from tests.unit.test_submissions_web import login

XSS = "<script>alert(1)</script>"


@pytest.fixture
def world(app):
    from web import db

    with app.app_context():
        s = db.session()
        staff = factories.user(s, Role.STAFF, email="staff@example.com")
        presenter = factories.user(s, Role.RESEARCHER, email="presenter@example.com")
        researcher = factories.user(s, Role.RESEARCHER, email="researcher@example.com")
        enterprise = factories.user(s, Role.ENTERPRISE, email="ent@example.com", name="赵企业")
        need = factories.need(s, enterprise, title="散热需求")
        shown = factories.achievement(s, presenter, title="公开成果")
        secret = factories.achievement(s, title="保密成果标题", visibility=Visibility.CONFIDENTIAL)
        factories.match(s, need, shown, score=0.9)
        factories.match(s, need, secret, score=0.8)
        roadshow = factories.roadshow(s, staff, title=f"路演{XSS}", presentation_slots=2)
        roadshow_events.recommend(s, staff, roadshow)
        roadshow_events.publish(s, staff, roadshow)
        registration = roadshow_desk.register(
            s,
            roadshow,
            roadshow_desk.Applicant(name=enterprise.name, email=enterprise.email),
            user=enterprise,
        )
        item = next(i for i in roadshow.lineup if i.achievement_id == shown.id)
        meeting = Meeting(
            roadshow_id=roadshow.id,
            registration_id=registration.id,
            lineup_item_id=item.id,
            state=MeetingState.SCHEDULED,
            slot_index=0,
            table_number=1,
        )
        s.add(meeting)
        planning = factories.roadshow(s, staff, title="筹备中的路演")
        s.commit()
        return {
            "staff": staff.email,
            "presenter": presenter.email,
            "researcher": researcher.email,
            "enterprise": enterprise.email,
            "rid": roadshow.id,
            "planning": planning.id,
            "item": item.id,
            "meeting": meeting.id,
            "registration": registration.id,
            "code": registration.check_in_code,
        }


STAFF_ROUTES = [
    ("get", "/roadshows/new", None),
    ("get", "/roadshows/{rid}/edit", None),
    ("get", "/roadshows/{rid}/lineup", None),
    ("post", "/roadshows/{rid}/lineup/recommend", {}),
    ("post", "/roadshows/{rid}/lineup/{item}/pin", {}),
    ("post", "/roadshows/{rid}/lineup/{item}/remove", {}),
    ("post", "/roadshows/{rid}/edit", {"title": ""}),
    ("post", "/roadshows/new", {"title": ""}),
    ("get", "/roadshows/{planning}/lineup", None),
    ("post", "/roadshows/{planning}/publish", {}),
    ("post", "/roadshows/{rid}/state", {"state": "running"}),
    ("get", "/roadshows/{rid}/invitations", None),
    ("post", "/roadshows/{rid}/invitations/send", {}),
    ("get", "/roadshows/{rid}/checkin", None),
    ("get", "/roadshows/{rid}/registrations", None),
    ("get", "/roadshows/{rid}/checkin/counts.json", None),
    ("post", "/roadshows/{rid}/checkin", {"code": "x"}),
    ("get", "/roadshows/{rid}/schedule", None),
    ("post", "/roadshows/{rid}/schedule/generate", {}),
    ("post", "/roadshows/{rid}/schedule/publish", {}),
    (
        "post",
        "/roadshows/{rid}/schedule/move",
        {"meeting_id": "{meeting}", "slot": "1", "table": "1"},
    ),
    ("get", "/roadshows/{rid}/report", None),
    ("get", "/roadshows/{rid}/report.xlsx", None),
]


@pytest.mark.parametrize(("method", "path", "data"), STAFF_ROUTES)
@pytest.mark.parametrize(
    ("who", "expected"),
    [(None, 302), ("researcher", 403), ("enterprise", 403), ("presenter", 403), ("staff", 200)],
)
def test_staff_pages_are_for_staff_only(client, world, method, path, data, who, expected) -> None:
    if who:
        login(client, world[who])
    url = path.format(**world)
    form = {k: v.format(**world) for k, v in (data or {}).items()}
    response = client.post(url, data=form) if method == "post" else client.get(url)
    if expected == 302:
        assert response.status_code == 302 and "/login" in response.location
    elif method == "post" and expected == 200:
        # "new" and "edit" re-render the form with the error; the others redirect
        assert response.status_code in (200, 302)
        assert response.status_code == 200 or "/login" not in response.location
    else:
        assert response.status_code == expected


LOGIN_ROUTES = [
    ("get", "/roadshows/{rid}/meetings"),
    ("get", "/roadshows/{rid}/agenda"),
    ("get", "/roadshows/{rid}/meetings/{meeting}/followup"),
]


@pytest.mark.parametrize(("method", "path"), LOGIN_ROUTES)
def test_participant_pages_need_login(client, world, method, path) -> None:
    response = client.get(path.format(**world))
    assert response.status_code == 302 and "/login" in response.location


@pytest.mark.parametrize(
    "path",
    [
        "/roadshows/{rid}/meetings/request",
        "/roadshows/{rid}/meetings/{meeting}/answer",
        "/roadshows/{rid}/meetings/{meeting}/followup",
    ],
)
def test_participant_actions_need_login(client, app, world, path) -> None:
    response = client.post(path.format(**world), data={"item_id": world["item"], "answer": "x"})
    assert response.status_code == 302 and "/login" in response.location
    from web import db

    with app.app_context():
        assert db.session().get(Meeting, world["meeting"]).state == MeetingState.SCHEDULED


@pytest.mark.parametrize(
    ("who", "expected"),
    [("researcher", 200), ("enterprise", 200), ("presenter", 200), ("staff", 200)],
)
def test_signed_in_users_reach_meetings_and_agenda(client, world, who, expected) -> None:
    login(client, world[who])
    for path in ("/roadshows/{rid}/meetings", "/roadshows/{rid}/agenda"):
        assert client.get(path.format(**world)).status_code == expected
    followup = client.get("/roadshows/{rid}/meetings/{meeting}/followup".format(**world))
    assert followup.status_code == (403 if who == "researcher" else 200)


def test_request_needs_a_registration(client, app, world) -> None:
    login(client, world["researcher"])
    response = client.post(
        f"/roadshows/{world['rid']}/meetings/request", data={"item_id": world["item"]}
    )
    assert response.status_code == 302 and response.location.endswith(f"/roadshows/{world['rid']}")
    from web import db

    with app.app_context():
        assert db.session().query(Meeting).count() == 1


def test_public_pages_and_planning_roadshows(client, world) -> None:
    listing = client.get("/roadshows/")
    assert listing.status_code == 200
    body = listing.get_data(as_text=True)
    assert "筹备中的路演" not in body  # still being planned: not public
    assert XSS not in body and "&lt;script&gt;" in body
    assert client.get(f"/roadshows/{world['planning']}").status_code == 404
    login(client, world["staff"])
    assert "筹备中的路演" in client.get("/roadshows/").get_data(as_text=True)
    assert client.get(f"/roadshows/{world['planning']}").status_code == 200


def test_event_page_hides_confidential_lineup_titles(client, world) -> None:
    body = client.get(f"/roadshows/{world['rid']}").get_data(as_text=True)
    assert "公开成果" in body
    assert "保密成果标题" not in body
    assert XSS not in body


def test_public_registration_is_confirmed_by_mail_then_shows_code_and_qr(
    client, app, world
) -> None:
    from web import db

    form = {"name": "钱七", "email": "qian@example.com", "organisation": XSS}
    response = client.post(f"/roadshows/{world['rid']}/register", data=form)
    assert response.status_code == 302 and "/ticket/" in response.location
    pending = client.get(response.location).get_data(as_text=True)
    assert 'data-testid="confirm-by-mail"' in pending and "checkin-code" not in pending
    with app.app_context():
        mail = (
            db.session()
            .query(OutboxMail)
            .filter_by(recipient="qian@example.com")
            .order_by(OutboxMail.id)
            .all()[-1]
        )
    link = re.search(r"/roadshows/\d+/r/[\w.\-]+/confirm", mail.body).group(0)
    fresh = app.test_client()  # the mail is opened in another browser
    assert 'data-action="confirm-registration"' in fresh.get(link).get_data(as_text=True)
    confirmed = fresh.post(link)
    ticket_url = confirmed.location
    ticket = fresh.get(ticket_url).get_data(as_text=True)
    assert 'data-testid="checkin-code"' in ticket and "<svg" in ticket
    again = client.post(f"/roadshows/{world['rid']}/register", data=form, follow_redirects=True)
    assert "已报名" in again.get_data(as_text=True) or "already registered" in again.get_data(
        as_text=True
    )
    # someone else's ticket stays private; a forged link is not found
    assert app.test_client().get(response.location).status_code == 404
    assert app.test_client().get(ticket_url + "x").status_code == 404
    # the mailed link cancels too, after the confirmation step
    asked = fresh.post(ticket_url.rstrip("/") + "/cancel")
    assert 'data-action="confirm-cancel"' in asked.get_data(as_text=True)
    fresh.post(ticket_url.rstrip("/") + "/cancel", data={"confirmed": "1"})
    with app.app_context():
        status = db.session().query(Registration).filter_by(email="qian@example.com").one().status
    assert status == "cancelled"


def test_checkin_by_code_with_errors_and_counts(client, app, world) -> None:
    with clock.frozen_at(_starts_at(app, world["rid"])):
        _checkin_by_code_with_errors_and_counts(client, world)


def _checkin_by_code_with_errors_and_counts(client, world) -> None:
    login(client, world["staff"])
    url = f"/roadshows/{world['rid']}/checkin"
    wrong = client.post(url, data={"code": "AAAA-AAAA"}, follow_redirects=True)
    assert "flash-error" in wrong.get_data(as_text=True)
    ok = client.post(url, data={"code": world["code"].lower()}, follow_redirects=True)
    assert "赵企业" in ok.get_data(as_text=True)
    assert client.get(url + "/counts.json").get_json()["checked_in"] == 1
    twice = client.post(url, data={"code": world["code"]}, follow_redirects=True)
    assert "已签到" in twice.get_data(as_text=True) or "already checked in" in twice.get_data(
        as_text=True
    )


def test_create_form_rejects_invalid_dates_and_escapes_title(client, app, world) -> None:
    login(client, world["staff"])
    bad = {
        "title": "x",
        "starts_at": "2030-05-10T09:00",
        "ends_at": "2030-05-10T08:00",
        "timezone": "Asia/Shanghai",
        "capacity": "10",
        "presentation_slots": "4",
    }
    response = client.post("/roadshows/new", data=bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-testid="form-problems"' in page
    # each problem once in the summary and once beside its field, not a third time as a flash
    problem = re.search(r'data-error-for="ends_at">([^<]+)<', page).group(1)
    assert page.count(problem) == 2 and "flash-error" not in page
    garbage = dict(bad, ends_at="not-a-date")
    page = client.post("/roadshows/new", data=garbage).get_data(as_text=True)
    assert 'data-error-for="ends_at"' in page and "flash-error" not in page
    good = dict(bad, ends_at="2030-05-10T12:00", title=XSS, theme_fields="new_materials")
    created = client.post("/roadshows/new", data=good)
    assert created.status_code == 302 and "/lineup" in created.location
    page = client.get(created.location).get_data(as_text=True)
    assert XSS not in page and "&lt;script&gt;" in page
    from web import db

    with app.app_context():
        stored = db.session().query(Roadshow).filter_by(title=XSS).one()
        assert stored.starts_at.hour == 1 and stored.theme_fields == ["new_materials"]


def test_presenter_answers_requests_others_cannot(client, app, world) -> None:
    from web import db

    with app.app_context():
        s = db.session()
        m = s.get(Meeting, world["meeting"])
        m.state = MeetingState.REQUESTED
        m.slot_index = m.table_number = None
        s.commit()
    url = f"/roadshows/{world['rid']}/meetings/{world['meeting']}/answer"
    login(client, world["enterprise"])
    assert client.post(url, data={"answer": "accept"}).status_code == 403
    login(client, world["presenter"])
    page = client.get(f"/roadshows/{world['rid']}/meetings").get_data(as_text=True)
    assert 'data-testid="incoming"' in page
    assert client.post(url, data={"answer": "accept"}).status_code == 302
    with app.app_context():
        assert db.session().get(Meeting, world["meeting"]).state == MeetingState.ACCEPTED


def test_agenda_and_followup_for_the_participant(client, app, world) -> None:
    from web import db

    login(client, world["enterprise"])
    agenda = client.get(f"/roadshows/{world['rid']}/agenda").get_data(as_text=True)
    assert "公开成果" in agenda
    assert 'data-action="followup"' not in agenda  # the meeting has not happened yet
    url = f"/roadshows/{world['rid']}/meetings/{world['meeting']}/followup"
    early = client.get(url).get_data(as_text=True)
    assert 'data-testid="followup-closed"' in early and "followup-form" not in early
    refused = client.post(url, data={"intent": "contract", "contract_value": "9999999"})
    assert "flash-error" in refused.get_data(as_text=True)
    with app.app_context():
        starts_at = db.session().get(Roadshow, world["rid"]).starts_at
    with clock.frozen_at(starts_at):
        _followup_on_the_event_day(client, app, world, url)


def _followup_on_the_event_day(client, app, world, url) -> None:
    agenda = client.get(f"/roadshows/{world['rid']}/agenda").get_data(as_text=True)
    assert 'data-action="followup"' in agenda
    missing = client.post(url, data={"intent": "contract"})
    assert "flash-error" in missing.get_data(as_text=True)
    done = client.post(url, data={"intent": "trial", "note": XSS})
    assert done.status_code == 302
    assert XSS not in client.get(url).get_data(as_text=True)
    login(client, world["researcher"])  # not part of this meeting
    assert client.get(url).status_code == 403
    from web import db

    with app.app_context():
        s = db.session()
        report = roadshow_followup.report(s, s.get(Roadshow, world["rid"]))
        assert report.intents[FollowUpIntent.TRIAL.value] == 1


def test_report_page_and_export_neutralise_formulas(client, app, world) -> None:
    from web import db

    with app.app_context():
        s = db.session()
        roadshow = s.get(Roadshow, world["rid"])
        pending = roadshow_desk.register(
            s,
            roadshow,
            roadshow_desk.Applicant(name="=HYPERLINK(1)", email="f@example.com"),
            secret="test-secret",
        )
        roadshow_desk.confirm(s, pending, secret="test-secret")
        s.commit()
    login(client, world["staff"])
    page = client.get(f"/roadshows/{world['rid']}/report").get_data(as_text=True)
    assert 'data-metric="registered">2<' in page
    data = client.get(f"/roadshows/{world['rid']}/report.xlsx").data
    book = load_workbook(io.BytesIO(data))
    names = [row[0] for row in book.worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert "'=HYPERLINK(1)" in names and "=HYPERLINK(1)" not in names


def test_registration_closes_when_roadshow_is_done(client, app, world) -> None:
    from web import db

    with app.app_context():
        s = db.session()
        s.get(Roadshow, world["rid"]).state = RoadshowState.DONE
        s.commit()
    response = client.post(
        f"/roadshows/{world['rid']}/register",
        data={"name": "迟到者", "email": "late@example.com"},
        follow_redirects=True,
    )
    assert "flash-error" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session().query(Registration).filter_by(email="late@example.com").count() == 0


def test_event_page_in_english(client, world) -> None:
    client.get("/lang/en")
    body = client.get(f"/roadshows/{world['rid']}").get_data(as_text=True)
    assert "Presentations" in body and "Confidential achievement" in body
    client.get("/lang/zh")
    assert "路演项目" in client.get(f"/roadshows/{world['rid']}").get_data(as_text=True)


def test_registration_list_checks_people_in_by_hand(client, app, world) -> None:
    with clock.frozen_at(_starts_at(app, world["rid"])):
        _registration_list_checks_people_in_by_hand(client, world)


def _registration_list_checks_people_in_by_hand(client, world) -> None:
    login(client, world["staff"])
    url = f"/roadshows/{world['rid']}/registrations"
    page = client.get(url).get_data(as_text=True)
    assert "赵企业" in page and 'data-action="check-in"' in page
    response = client.post(
        f"/roadshows/{world['rid']}/checkin", data={"code": world["code"], "next": "registrations"}
    )
    assert response.status_code == 302 and response.location.endswith(url)
    assert 'data-action="check-in"' not in client.get(url).get_data(as_text=True)


def test_members_only_presentations_ask_visitors_to_sign_in(client, app, world) -> None:
    from matchmaker.models import Achievement, LineupItem
    from web import db

    with app.app_context():
        s = db.session()
        item = s.get(LineupItem, world["item"])
        s.get(Achievement, item.achievement_id).visibility = Visibility.MEMBERS
        s.commit()
    visitor = client.get(f"/roadshows/{world['rid']}").get_data(as_text=True)
    assert "公开成果" not in visitor and "仅限会员查看的成果" in visitor
    login(client, world["researcher"])
    assert "公开成果" in client.get(f"/roadshows/{world['rid']}").get_data(as_text=True)


# --- issue 19: workflow defects found by new users ------------------------------------------


def _edit(app, rid, **values):
    from web import db

    with app.app_context():
        s = db.session()
        roadshow = s.get(Roadshow, rid)
        for name, value in values.items():
            setattr(roadshow, name, value)
        s.commit()


def _starts_at(app, rid):
    from web import db

    with app.app_context():
        return db.session().get(Roadshow, rid).starts_at


def test_event_page_shows_the_registration_state_the_submit_applies(client, app, world) -> None:
    from datetime import timedelta

    from matchmaker.db import utcnow

    url = f"/roadshows/{world['rid']}"
    assert 'data-testid="register-form"' in client.get(url).get_data(as_text=True)
    _edit(app, world["rid"], registration_deadline=utcnow() - timedelta(hours=1))
    closed = client.get(url).get_data(as_text=True)
    assert 'data-testid="register-form"' not in closed and "报名已截止" in closed
    assert 'data-registration-state="closed"' in closed
    _edit(app, world["rid"], registration_deadline=None, capacity=1)
    full = client.get(url).get_data(as_text=True)
    assert 'data-registration-state="full"' in full and "候补" in full
    assert 'data-testid="register-form"' in full
    login(client, world["staff"])
    planning = client.get(f"/roadshows/{world['planning']}").get_data(as_text=True)
    assert "尚未开放报名" in planning and "报名已截止" not in planning
    assert 'data-registration-state="not_yet_open"' in planning


def test_state_change_before_the_event_day_needs_an_explicit_override(client, app, world) -> None:
    login(client, world["staff"])
    url = f"/roadshows/{world['rid']}/state"
    page = client.get(f"/roadshows/{world['rid']}").get_data(as_text=True)
    assert 'name="override"' in page  # the early start asks for the confirmation
    refused = client.post(url, data={"state": "running"}, follow_redirects=True)
    assert "flash-error" in refused.get_data(as_text=True)
    from web import db

    with app.app_context():
        assert db.session().get(Roadshow, world["rid"]).state == RoadshowState.OPEN
    client.post(url, data={"state": "running", "override": "1"})
    with app.app_context():
        assert db.session().get(Roadshow, world["rid"]).state == RoadshowState.RUNNING


def test_check_in_before_the_event_day_is_refused_without_the_override(client, world) -> None:
    login(client, world["staff"])
    url = f"/roadshows/{world['rid']}/checkin"
    page = client.get(url).get_data(as_text=True)
    assert 'name="override"' in page
    early = client.post(url, data={"code": world["code"]}, follow_redirects=True)
    assert "flash-error" in early.get_data(as_text=True)
    assert client.get(url + "/counts.json").get_json()["checked_in"] == 0
    client.post(url, data={"code": world["code"], "override": "1"})
    assert client.get(url + "/counts.json").get_json()["checked_in"] == 1


def test_invitations_page_shows_who_was_invited(client, world) -> None:
    login(client, world["staff"])
    url = f"/roadshows/{world['rid']}/invitations"
    assert 'data-invited="yes"' not in client.get(url).get_data(as_text=True)
    client.post(url + "/send")
    page = client.get(url).get_data(as_text=True)
    assert 'data-invited="yes"' in page and "已邀请" in page


def test_contract_history_reads_as_the_roadshow_in_both_languages(client, app, world) -> None:
    from web import db

    with app.app_context():
        s = db.session()
        meeting = s.get(Meeting, world["meeting"])
        staff = s.query(User).filter_by(email=world["staff"]).one()
        with clock.frozen_at(s.get(Roadshow, world["rid"]).starts_at):
            roadshow_followup.record(
                s, staff, meeting, FollowUpIntent.CONTRACT, contract_value="30"
            )
        s.commit()
        match_id = s.get(Meeting, world["meeting"]).match_id
    login(client, world["staff"])
    page = client.get(f"/review/matches/{match_id}").get_data(as_text=True)
    history = page[page.index('data-testid="history"') :]
    assert "[roadshow_followup]" not in history and "roadshow:1" not in history
    assert "路演后续签约" in history and "《路演&lt;script&gt;" in history
    client.get("/lang/en")
    english = client.get(f"/review/matches/{match_id}").get_data(as_text=True)
    assert "Contract after the roadshow" in english


def test_my_requests_list_shows_the_meetings_current_state(client, app, world) -> None:
    login(client, world["enterprise"])
    page = client.get(f"/roadshows/{world['rid']}/meetings").get_data(as_text=True)
    listed = page[
        page.index('data-testid="request-list"') : page.index(
            "</ul>", page.index('data-testid="request-list"')
        )
    ]
    assert 'data-state="scheduled"' in listed and "已排期" in listed
    assert "已申请" not in listed


def test_schedule_conflict_message_names_the_people_and_table(client, app, world) -> None:
    from web import db

    with app.app_context():
        s = db.session()
        roadshow = s.get(Roadshow, world["rid"])
        other = factories.user(s, Role.ENTERPRISE, name="钱企业")
        reg = roadshow_desk.register(
            s, roadshow, roadshow_desk.Applicant(other.name, other.email), user=other
        )
        second = Meeting(
            roadshow_id=roadshow.id,
            registration_id=reg.id,
            lineup_item_id=world["item"],
            state=MeetingState.ACCEPTED,
        )
        s.add(second)
        s.commit()
        second_id = second.id
    login(client, world["staff"])
    moved = client.post(
        f"/roadshows/{world['rid']}/schedule/move",
        data={"meeting_id": second_id, "slot": "0", "table": "1"},
        follow_redirects=True,
    ).get_data(as_text=True)
    error = moved[moved.index("flash-error") :][:400]
    assert "赵企业" in error and "1" in error


def test_checkin_page_says_when_scanning_is_unavailable(client, world) -> None:
    login(client, world["staff"])
    page = client.get(f"/roadshows/{world['rid']}/checkin").get_data(as_text=True)
    # shown without script; checkin.js hides it only where a camera can be used
    assert re.search(r'<p[^>]*data-testid="scan-unavailable"(?![^>]*hidden)[^>]*>', page)


def test_latest_arrivals_refresh_with_the_counts(client, app, world) -> None:
    login(client, world["staff"])
    url = f"/roadshows/{world['rid']}/checkin"
    with clock.frozen_at(_starts_at(app, world["rid"])):
        client.post(url, data={"code": world["code"]})
    data = client.get(url + "/counts.json").get_json()
    assert data["checked_in"] == 1
    assert [a["name"] for a in data["arrivals"]] == ["赵企业"]


def test_cancelling_a_registration_asks_for_confirmation_without_script(client, app, world) -> None:
    from web import db

    login(client, world["enterprise"])
    url = f"/roadshows/{world['rid']}/ticket/{world['registration']}/cancel"
    first = client.post(url)
    assert first.status_code == 200 and 'data-action="confirm-cancel"' in first.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session().get(Registration, world["registration"]).status == "registered"
    client.post(url, data={"confirmed": "1"})
    with app.app_context():
        assert db.session().get(Registration, world["registration"]).status == "cancelled"


def test_staff_cancel_from_the_registration_list_with_confirmation(client, app, world) -> None:
    from web import db

    login(client, world["staff"])
    page = client.get(f"/roadshows/{world['rid']}/registrations").get_data(as_text=True)
    assert 'data-action="cancel-registration"' in page
    url = f"/roadshows/{world['rid']}/registrations/{world['registration']}/cancel"
    asked = client.post(url)
    assert asked.status_code == 200 and 'data-action="confirm-cancel"' in asked.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session().get(Registration, world["registration"]).status == "registered"
    done = client.post(url, data={"confirmed": "1"})
    assert done.status_code == 302
    with app.app_context():
        assert db.session().get(Registration, world["registration"]).status == "cancelled"


def test_published_lineup_needs_the_edit_step(client, app, world) -> None:
    from web import db

    with app.app_context():
        roadshow = db.session().get(Roadshow, world["rid"])
        free = next(i.id for i in roadshow.lineup if i.id != world["item"])  # no meetings
    login(client, world["staff"])
    lineup = f"/roadshows/{world['rid']}/lineup"
    page = client.get(lineup).get_data(as_text=True)
    assert 'data-action="edit-lineup"' in page and 'data-action="remove"' not in page
    refused = client.post(f"{lineup}/{free}/remove", follow_redirects=True)
    assert "flash-error" in refused.get_data(as_text=True)
    client.post(f"{lineup}/edit")
    editing = client.get(lineup).get_data(as_text=True)
    assert 'data-action="remove"' in editing and 'data-action="finish-edit"' in editing
    client.post(f"{lineup}/{free}/remove")
    client.post(f"{lineup}/finish")
    with app.app_context():
        roadshow = db.session().get(Roadshow, world["rid"])
        assert roadshow.lineup_snapshot is None
        assert free not in {i.id for i in roadshow.lineup}


def test_the_roadshow_form_shows_every_problem_at_once_beside_its_field(client, world) -> None:
    """Staff fix a form in one go: all problems listed at the top and each beside its field,
    not one per submit."""
    login(client, world["staff"])
    page = client.post(
        "/roadshows/new",
        data={
            "title": "",
            "starts_at": "2030-05-10T09:00",
            "ends_at": "2030-05-10T08:00",
            "timezone": "Asia/Shanghai",
            "capacity": "0",
            "presentation_slots": "99",
            "online_url": "ftp://example.com",
        },
    ).get_data(as_text=True)
    problems = page.split('data-testid="form-problems"')[1].split("</div>")[0]
    assert problems.count("<li>") == 5
    for name in ("title", "ends_at", "capacity", "presentation_slots", "online_url"):
        assert f'data-error-for="{name}"' in page
    assert "请修正以下 5 处问题" in page


def test_the_event_state_row_agrees_with_registration_and_names_the_zone(
    client, app, world
) -> None:
    """A published event whose deadline passed must not say 报名中 above 报名已截止, and the time
    zone reads 北京时间, not Asia/Shanghai."""
    from datetime import timedelta

    from matchmaker.db import utcnow

    url = f"/roadshows/{world['rid']}"
    page = client.get(url).get_data(as_text=True)
    state = page.split('data-testid="event-state">')[1].split("<")[0]
    assert state == "报名中"
    assert "北京时间" in page and "Asia/Shanghai" not in page
    _edit(app, world["rid"], registration_deadline=utcnow() - timedelta(hours=1))
    page = client.get(url).get_data(as_text=True)
    assert page.split('data-testid="event-state">')[1].split("<")[0] == "报名已截止"
    _edit(app, world["rid"], registration_deadline=None, capacity=1)
    page = client.get(url).get_data(as_text=True)
    assert page.split('data-testid="event-state">')[1].split("<")[0] == "已满，可候补"
