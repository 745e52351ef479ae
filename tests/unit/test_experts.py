"""Expertise profiles: the visibility rule, invite → confirm by signed link, own profiles, form
problems, the index document kind and need ↔ expert matching, and the pages over HTTP."""

from __future__ import annotations

import dataclasses
import io
import re

import pytest
import sqlalchemy as sa

from matchmaker import runtime, visibility
from matchmaker.core.errors import FormInvalid, PermissionDenied, ValidationFailed
from matchmaker.experts import matching as expert_matching
from matchmaker.experts import operations as experts
from matchmaker.models import (
    AuditEntry,
    ExpertProfile,
    ExpertState,
    OutboxMail,
    Role,
    User,
    Visibility,
)
from matchmaker.search import indexing, relevance
from matchmaker.search.documents import EXPERT_KIND, doc_id
from tests import factories, fakes
from tests.unit.test_submissions_web import login

SECRET = "test-secret"
NEED = "我司生产动力电池，硅碳负极材料首次效率低、循环寿命短，希望引进负极预锂化技术。"
DIRECTIONS = "长期研究硅碳负极预锂化技术，提升动力电池首次效率和循环寿命，负极材料改性。"
UNRELATED = "耐盐碱粳稻新品种选育，亩产提高15%，适合滨海盐碱地种植与水稻栽培。"
XSS = "<script>alert(1)</script>"


def _form(**kw: object) -> experts.ExpertForm:
    values: dict[str, object] = {
        "name": "王专家",
        "directions": DIRECTIONS,
        "fields": ("new_energy",),
        "offers": ("consulting", "onsite"),
        "organisation_name": "某大学",
        "email": "expert@example.com",
    }
    values.update(kw)
    return experts.ExpertForm(**values)  # type: ignore[arg-type]


def _profile(session, **kw) -> ExpertProfile:  # type: ignore[no-untyped-def]
    profile = ExpertProfile(
        name=kw.pop("name", "李专家"),
        directions=kw.pop("directions", DIRECTIONS),
        fields=kw.pop("fields", ["new_energy"]),
        offers=kw.pop("offers", ["consulting"]),
        state=kw.pop("state", ExpertState.PUBLISHED),
        visibility=kw.pop("visibility", Visibility.PUBLIC),
        email=kw.pop("email", "li@example.com"),
        phone=kw.pop("phone", "13800000000"),
        **kw,
    )
    session.add(profile)
    session.flush()
    return profile


# --- visibility ------------------------------------------------------------------------------


def test_profile_visibility_follows_the_listing_rules(session) -> None:
    staff = factories.user(session, Role.STAFF)
    expert_user = factories.user(session, Role.RESEARCHER)
    member = factories.user(session, Role.ENTERPRISE)
    public = _profile(session, user_id=expert_user.id)
    members = _profile(session, visibility=Visibility.MEMBERS, email="m@example.com")
    secret = _profile(session, visibility=Visibility.CONFIDENTIAL, email="c@example.com")
    invited = _profile(session, state=ExpertState.INVITED, email="i@example.com")
    A = visibility.Access
    assert visibility.expert_access(None, public) == A.SUMMARY
    assert visibility.expert_access(member, public) == A.FULL
    assert visibility.expert_access(expert_user, public) == A.OWNER
    assert visibility.expert_access(None, members) == A.NONE
    assert visibility.expert_access(member, members) == A.FULL
    assert visibility.expert_access(member, secret) == A.NONE
    assert visibility.expert_access(staff, secret) == A.OWNER
    assert visibility.expert_access(member, invited) == A.NONE
    # contact through the association: nobody but staff and the expert sees e-mail or phone
    assert not visibility.can_see_expert_contact(member, public)
    assert not visibility.can_see_expert_contact(None, public)
    assert visibility.can_see_expert_contact(staff, public)
    assert visibility.can_see_expert_contact(expert_user, public)
    found = set(session.scalars(visibility.browsable_experts(None)))
    assert found == {public}
    assert set(session.scalars(visibility.browsable_experts(member))) == {public, members}
    assert set(session.scalars(visibility.browsable_experts(staff))) == {public, members, secret}


# --- invite and confirm ------------------------------------------------------------------------


def _audit_actions(session, profile_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    return list(
        session.scalars(
            sa.select(AuditEntry.action)
            .where(AuditEntry.entity_type == "expert", AuditEntry.entity_id == profile_id)
            .order_by(AuditEntry.id)
        )
    )


def test_staff_invite_and_the_expert_confirms_by_link(session) -> None:
    staff = factories.user(session, Role.STAFF, name="张干事")
    profile = experts.invite(session, staff, _form(), secret=SECRET)
    assert profile.state == ExpertState.INVITED and profile.user_id is None
    assert not visibility.can_see_expert(None, profile)
    mail = session.scalars(sa.select(OutboxMail).where(OutboxMail.recipient == profile.email)).one()
    token = re.search(r"/experts/confirm/(\S+)", mail.body).group(1)  # type: ignore[union-attr]
    assert experts.profile_for_token(session, SECRET, token) is profile
    with pytest.raises(ValidationFailed):
        experts.profile_for_token(session, "other-secret", token)
    with pytest.raises(ValidationFailed, match="password_too_short"):
        experts.confirm(session, profile, user=None, password="short")
    experts.confirm(session, profile, user=None, password="secret123")
    assert profile.state == ExpertState.PUBLISHED and profile.published_at is not None
    account = session.get(User, profile.user_id)
    assert account is not None and account.role == Role.RESEARCHER
    assert account.email == "expert@example.com"
    assert _audit_actions(session, profile.id) == [
        "expert.invited",
        "expert.created",
        "expert.confirmed",
        "expert.published",
    ]
    # confirming again changes nothing
    experts.confirm(session, profile, user=None, password="secret123")
    assert _audit_actions(session, profile.id).count("expert.published") == 1


def test_a_link_dies_when_staff_change_the_email(session) -> None:
    staff = factories.user(session, Role.STAFF)
    profile = experts.invite(session, staff, _form(), secret=SECRET)
    link = experts.invitation_link(SECRET, profile)
    experts.update(session, staff, profile, _form(email="other@example.com"))
    with pytest.raises(ValidationFailed, match="token_invalid"):
        experts.profile_for_token(session, SECRET, link.rsplit("/", 1)[1])


def test_an_existing_account_must_sign_in_to_confirm(session) -> None:
    staff = factories.user(session, Role.STAFF)
    existing = factories.user(session, Role.RESEARCHER, email="expert@example.com")
    profile = experts.invite(session, staff, _form(), secret=SECRET)
    with pytest.raises(ValidationFailed, match="sign_in_to_confirm"):
        experts.confirm(session, profile, user=None, password="secret123")
    experts.confirm(session, profile, user=existing)
    assert profile.user_id == existing.id and profile.state == ExpertState.PUBLISHED


def test_only_staff_invite_and_only_researchers_file_their_own(session) -> None:
    researcher = factories.user(session, Role.RESEARCHER)
    enterprise = factories.user(session, Role.ENTERPRISE)
    with pytest.raises(PermissionDenied):
        experts.invite(session, researcher, _form(), secret=SECRET)
    with pytest.raises(PermissionDenied):
        experts.create_own(session, enterprise, _form())
    mine = factories.achievement(session, researcher)
    theirs = factories.achievement(session)
    with pytest.raises(ValidationFailed, match="not_own_achievement"):
        experts.create_own(session, researcher, _form(achievement_ids=(theirs.id,)))
    profile = experts.create_own(session, researcher, _form(achievement_ids=(mine.id,)))
    assert profile.state == ExpertState.PUBLISHED and profile.user_id == researcher.id
    assert profile.achievement_ids == [mine.id]
    assert _audit_actions(session, profile.id) == ["expert.created", "expert.published"]
    with pytest.raises(ValidationFailed, match="profile_exists"):
        experts.create_own(session, researcher, _form())


def test_every_problem_of_the_form_at_once(session) -> None:
    staff = factories.user(session, Role.STAFF)
    with pytest.raises(FormInvalid) as caught:
        experts.invite(
            session,
            staff,
            _form(name="", directions="", fields=(), offers=("flying",), email="nope"),
            secret=SECRET,
        )
    fields = {p.field for p in caught.value.problems}
    assert {"name", "directions", "fields", "offers", "email"} <= fields


# --- index and matching ------------------------------------------------------------------------


@pytest.fixture
def hashing_calibration(monkeypatch):  # type: ignore[no-untyped-def]
    model = fakes.calibration()
    monkeypatch.setattr(relevance, "calibration", lambda: model)
    return model


def _indexed(session, tmp_path):  # type: ignore[no-untyped-def]
    engine = fakes.engine(tmp_path / "index.sqlite")
    indexing.rebuild(session, engine)
    return engine


def test_experts_are_indexed_rebuilt_and_not_orphaned(session, tmp_path) -> None:
    good = _profile(session)
    invited = _profile(session, state=ExpertState.INVITED, email="x@example.com")
    factories.need(session, description=NEED)
    engine = _indexed(session, tmp_path)
    keys = engine.index.fingerprints()
    assert doc_id(EXPERT_KIND, good.id) in keys
    assert doc_id(EXPERT_KIND, invited.id) not in keys
    assert indexing.drift(session, engine).total == 0
    assert indexing.count_indexable(session) == engine.index.count()
    good.state = ExpertState.ARCHIVED
    assert indexing.sync_listing(session, engine, EXPERT_KIND, good.id) == "removed"
    assert doc_id(EXPERT_KIND, good.id) not in engine.index.fingerprints()


def test_need_gets_the_fitting_expert_with_a_reason_and_back(
    session, tmp_path, hashing_calibration
) -> None:
    enterprise = factories.user(session, Role.ENTERPRISE)
    need = factories.need(session, enterprise, title="硅碳负极首次效率低", description=NEED)
    good = _profile(session)
    other = _profile(session, name="赵专家", directions=UNRELATED, email="z@example.com")
    hidden = _profile(
        session, visibility=Visibility.CONFIDENTIAL, email="h@example.com", name="保密专家"
    )
    engine = _indexed(session, tmp_path)
    found = expert_matching.experts_for_need(session, engine, need, enterprise)
    ids = [pair.expert.id for pair in found]
    assert good.id in ids and other.id not in ids and hidden.id not in ids
    pair = found[0]
    assert pair.expert.id == good.id and pair.strength in ("high", "medium")
    assert "负极" in "".join(pair.explanation["shared_terms"])
    assert {c["name"] for c in pair.explanation["checks"]} == {"field", "region"}
    # staff see the confidential expert too
    staff = factories.user(session, Role.STAFF)
    assert hidden.id in [
        p.expert.id for p in expert_matching.experts_for_need(session, engine, need, staff)
    ]
    # and the other way: the expert's open needs, the same probability
    back = expert_matching.needs_for_expert(session, engine, good, staff)
    assert [p.need.id for p in back] == [need.id]
    assert back[0].score == pytest.approx(pair.score, abs=1e-6)
    assert expert_matching.needs_for_expert(session, engine, other, staff) == []


# --- pages ------------------------------------------------------------------------------------


@pytest.fixture
def world(app):  # type: ignore[no-untyped-def]
    from web import db

    with app.app_context():
        s = db.session()
        factories.user(s, Role.STAFF, email="staff@example.com")
        researcher = factories.user(s, Role.RESEARCHER, email="researcher@example.com")
        enterprise = factories.user(s, Role.ENTERPRISE, email="ent@example.com")
        need = factories.need(s, enterprise, title="硅碳负极首次效率低", description=NEED)
        public = _profile(s, name=f"公开专家{XSS}", user_id=researcher.id, publications=XSS)
        secret = _profile(
            s, name="保密专家", visibility=Visibility.CONFIDENTIAL, email="sec@example.com"
        )
        s.commit()
        return {"need": need.id, "public": public.id, "secret": secret.id}


def test_pages_respect_visibility_and_hide_contact(client, world) -> None:
    page = client.get(f"/experts/{world['public']}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "li@example.com" not in body and "13800000000" not in body
    assert XSS not in body and "&lt;script&gt;" in body
    assert client.get(f"/experts/{world['secret']}").status_code == 404
    login(client, "ent@example.com")
    body = client.get(f"/experts/{world['public']}").get_data(as_text=True)
    assert "li@example.com" not in body
    assert client.get(f"/experts/{world['secret']}").status_code == 404
    assert client.get("/experts/invite").status_code == 403
    login(client, "staff@example.com")
    assert "li@example.com" in client.get(f"/experts/{world['public']}").get_data(as_text=True)
    assert client.get(f"/experts/{world['secret']}").status_code == 200


def test_invite_confirm_and_the_need_page_over_http(
    app, client, world, tmp_path, monkeypatch, hashing_calibration
) -> None:
    from web import db

    login(client, "staff@example.com")
    bad = client.post("/experts/invite", data={"name": "", "directions": "x", "email": "bad"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 200 and 'data-error-for="name"' in text
    assert 'data-error-for="email"' in text and ">x</textarea>" in text  # nothing lost
    made = client.post(
        "/experts/invite",
        data={
            "name": "陈专家",
            "directions": DIRECTIONS,
            "fields": "new_energy",
            "offers": "consulting",
            "email": "chen@example.com",
            "visibility": "public",
        },
    )
    assert made.status_code == 302
    with app.app_context():
        mail = (
            db.session()
            .scalars(sa.select(OutboxMail).where(OutboxMail.recipient == "chen@example.com"))
            .one()
        )
    path = re.search(r"(/experts/confirm/\S+)", mail.body).group(1)  # type: ignore[union-attr]
    client.post("/logout")
    assert "陈专家" in client.get(path).get_data(as_text=True)
    assert client.post(path, data={"password": "secret123"}).status_code == 302
    with app.app_context():
        profile = (
            db.session()
            .scalars(sa.select(ExpertProfile).where(ExpertProfile.email == "chen@example.com"))
            .one()
        )
        assert profile.state == ExpertState.PUBLISHED
        engine = fakes.engine(tmp_path / "index.sqlite")
        indexing.rebuild(db.session(), engine)
    monkeypatch.setattr(runtime, "search_engine", lambda: engine)
    searching = dataclasses.replace(runtime.settings(), search_enabled=True)
    monkeypatch.setattr(runtime, "settings", lambda: searching)
    login(client, "ent@example.com")
    page = client.get(f"/needs/{world['need']}").get_data(as_text=True)
    assert 'data-testid="helping-experts"' in page and "陈专家" in page
    assert "chen@example.com" not in page
    client.post("/logout")
    # other readers of the need do not get the expert list
    assert 'data-testid="helping-experts"' not in client.get(f"/needs/{world['need']}").get_data(
        as_text=True
    )


# --- expert proposals through the review queue and the pipeline ------------------------------


def test_expert_proposals_go_through_the_same_queue_and_pipeline(
    app, client, world, tmp_path, hashing_calibration
) -> None:
    from matchmaker.experts import proposals
    from matchmaker.models import Match, MatchState, Need, Notification
    from matchmaker.review import pipeline
    from matchmaker.review import queue as review_queue
    from web import db

    with app.app_context():
        s = db.session()
        need = s.get(Need, world["need"])
        expert = s.get(ExpertProfile, world["public"])
        engine = fakes.engine(tmp_path / "index.sqlite")
        indexing.rebuild(s, engine)
        counts = proposals.propose_for_need(s, engine, need)
        assert counts["created"] >= 1
        # running it again changes nothing but the scores
        assert proposals.propose_for_need(s, engine, need)["created"] == 0
        match = s.scalars(
            sa.select(Match).where(Match.need_id == need.id, Match.expert_id == expert.id)
        ).one()
        assert match.kind == "expert" and match.achievement_id is None
        assert match.explanation["shared_terms"]
        # the staff queue: the kind filter tells the two apart
        experts_only = review_queue.page(s, review_queue.QueueFilter(kind="expert"))
        assert match in experts_only.matches
        listings_only = review_queue.page(s, review_queue.QueueFilter(kind="achievement"))
        assert match not in listings_only.matches
        assert review_queue.counts_by_tab(s)["proposed"] >= 1
        s.commit()
        match_id = match.id

    login(client, "staff@example.com")
    queue_page = client.get("/review/matches?kind=expert").get_data(as_text=True)
    assert f'data-match="{match_id}"' in queue_page and 'data-kind="expert"' in queue_page
    card = client.get(f"/review/matches/{match_id}").get_data(as_text=True)
    assert 'data-testid="expert-side"' in card and "&lt;script&gt;" in card and XSS not in card
    for target, extra in (
        ("approved", {}),
        ("introduced", {}),
        ("meeting", {}),
        ("negotiating", {}),
        ("signed", {"contract_value": "35", "signed_on": "2026-12-01"}),
    ):
        with app.app_context():
            version = db.session().get(Match, match_id).version
        response = client.post(
            f"/review/matches/{match_id}/decide",
            data={"target": target, "version": version, **extra},
        )
        assert response.status_code == 302, target
    with app.app_context():
        s = db.session()
        match = s.get(Match, match_id)
        assert match.state == MatchState.SIGNED and match.contract_value == 35
        assert [e.to_state for e in match.events][-5:] == list(pipeline.PIPELINE)
        keys = {(n.user_id, n.message_key) for n in s.scalars(sa.select(Notification)).all()}
        assert (match.need.owner_id, "expert_introduced") in keys
        assert (match.expert.user_id, "match_introduced") in keys
    exported = client.get("/review/matches/export.xlsx?kind=expert&state=all")
    assert exported.status_code == 200
    # both parties see the match; the enterprise gets no contact details of the expert
    login(client, "ent@example.com")
    mine = client.get("/my/matches").get_data(as_text=True)
    assert f'data-match="{match_id}"' in mine and "li@example.com" not in mine
    login(client, "researcher@example.com")
    assert f'data-match="{match_id}"' in client.get("/my/matches").get_data(as_text=True)
    # the introduction opened a conversation for the enterprise and the expert
    expert_side = client.get(f"/threads/match/{match_id}", follow_redirects=True)
    assert expert_side.status_code == 200
    thread_url = expert_side.request.path
    assert thread_url in client.get("/threads/").get_data(as_text=True)
    login(client, "ent@example.com")
    page = client.get(thread_url).get_data(as_text=True)
    assert "&lt;script&gt;" in page and XSS not in page  # titled by the expert's (escaped) name
    posted = client.post(f"{thread_url}/messages", data={"body": "请问何时方便来厂里看看？"})
    assert posted.status_code in (302, 303)
    login(client, "researcher@example.com")
    assert "请问何时方便来厂里看看" in client.get(thread_url).get_data(as_text=True)


# --- expert service teams ------------------------------------------------------------------------


def test_team_recommended_adjusted_visited_and_reported(app, client, world) -> None:
    from openpyxl import load_workbook

    from matchmaker.experts import teams
    from matchmaker.models import Match, Need, ServiceTeam
    from web import db

    with app.app_context():
        s = db.session()
        need = s.get(Need, world["need"])
        need.region = "江苏省"
        second = factories.need(s, title="钠电正极", region="江苏省", description="钠离子电池")
        other_region = factories.need(s, title="外省需求", region="山东省")
        covering = _profile(s, name="覆盖两项的专家", email="two@example.com")
        one = s.get(ExpertProfile, world["public"])
        spare = _profile(s, name="备选专家", email="spare@example.com")
        for expert, needs_ in ((covering, (need, second, other_region)), (one, (need,))):
            for n in needs_:
                s.add(Match(need_id=n.id, expert_id=expert.id, score=0.97))
        s.commit()
        ids = {"covering": covering.id, "one": one.id, "spare": spare.id}

    login(client, "staff@example.com")
    bad = client.post("/experts/teams", data={"name": "", "size": "0", "region": "江苏省"})
    assert 'data-error-for="name"' in bad.get_data(as_text=True)
    assert 'data-error-for="size"' in bad.get_data(as_text=True)
    made = client.post(
        "/experts/teams", data={"name": "江苏新能源专家服务团", "region": "江苏省", "size": "1"}
    )
    assert made.status_code == 302
    team_url = made.headers["Location"]
    team_id = int(team_url.rstrip("/").rsplit("/", 1)[1])
    client.post(f"/experts/teams/{team_id}/recommend")
    with app.app_context():
        team = db.session().get(ServiceTeam, team_id)
        # the greedy coverage picks the expert covering both open needs of the region
        assert [m.expert_id for m in team.members] == [ids["covering"]]
        assert len(team.members[0].covered_need_ids) == 2
    # staff adjust: add one by hand; it stays when the recommendation runs again
    client.post(f"/experts/teams/{team_id}/members", data={"expert_id": ids["spare"]})
    client.post(f"/experts/teams/{team_id}/recommend")
    client.post(
        f"/experts/teams/{team_id}/members", data={"expert_id": ids["covering"], "action": "remove"}
    )
    with app.app_context():
        team = db.session().get(ServiceTeam, team_id)
        assert [m.expert_id for m in team.members] == [ids["spare"]]
    bad_visit = client.post(
        f"/experts/teams/{team_id}/visits",
        data={"visit_on": "nope", "enterprises": "", "problems_solved": "-1", "notes": "保留"},
    )
    text = bad_visit.get_data(as_text=True)
    for name in ("visit_on", "enterprises", "problems_solved"):
        assert f'data-error-for="{name}"' in text
    assert ">保留</textarea>" in text
    client.post(
        f"/experts/teams/{team_id}/visits",
        data={
            "visit_on": "2026-12-01",
            "enterprises": f"甲公司\n乙公司{XSS}",
            "problems_solved": "3",
            "followup_needs": "2",
            "contracts": "1",
            "contract_value": "50",
        },
    )
    page = client.get(team_url).get_data(as_text=True)
    assert "甲公司" in page and XSS not in page
    with app.app_context():
        per_team, per_region = teams.report(db.session())
        row = next(r for r in per_team if r.team.id == team_id)
        assert (row.visits, row.enterprises, row.problems_solved, row.contracts) == (1, 2, 3, 1)
        assert row.contract_value == 50
        assert next(r for r in per_region if r["region"] == "江苏省")["followup_needs"] == 2
    assert "江苏新能源专家服务团" in client.get("/experts/teams/report").get_data(as_text=True)
    workbook = load_workbook(io.BytesIO(client.get("/experts/teams/report.xlsx").data))
    rows = list(workbook.worksheets[0].values)
    assert rows[1][0] == "江苏新能源专家服务团" and rows[1][6] == 3
    login(client, "ent@example.com")
    assert client.get("/experts/teams").status_code == 403


# --- unmet demand -------------------------------------------------------------------------------


def test_unmet_demand_counts_needs_neither_an_achievement_nor_an_expert_fits(
    app, client, world
) -> None:
    from datetime import timedelta

    from matchmaker.db import utcnow
    from matchmaker.matching import operations as matching
    from matchmaker.matching import scoring
    from matchmaker.models import Match
    from web import db

    with app.app_context():
        s = db.session()
        old = utcnow() - timedelta(days=40)
        expert = s.get(ExpertProfile, world["public"])
        helped = factories.need(s, title="专家可解", region="江苏省")
        s.add(Match(need_id=helped.id, expert_id=expert.id, score=scoring.STRONG))
        served = factories.need(s, title="成果可解")
        factories.match(s, served, factories.achievement(s), score=scoring.STRONG)
        alone = factories.need(s, title="无人能解", field="marine", region="海南省")
        for need in (helped, served, alone):
            need.published_at = old  # matching has settled
        s.commit()
        unmet = matching.unmet_needs(s)
        titles = {n.title for n in unmet}
        assert "无人能解" in titles and "专家可解" not in titles and "成果可解" not in titles
        counts = matching.unmet_counts(unmet)
        assert ("marine", 1) in counts.by_field and ("海南省", 1) in counts.by_region
        assert (f"{alone.published_at:%Y-%m}", 1) in counts.by_month
    login(client, "staff@example.com")
    board = client.get("/dashboard").get_data(as_text=True)
    assert 'data-testid="unmet-by-region"' in board and "海南省" in board


# --- API -----------------------------------------------------------------------------------------


def test_api_reads_under_the_visibility_rule_and_staff_invite(app, client, world) -> None:
    from openapi_schema_validator import OAS30Validator

    from matchmaker.accounts import api_tokens
    from web import db
    from web.api import schemas

    with app.app_context():
        s = db.session()
        member = factories.user(s, Role.ENTERPRISE)
        staff = factories.user(s, Role.STAFF)
        tokens = {
            "member": api_tokens.create(s, member, "t").secret,
            "staff": api_tokens.create(s, staff, "t").secret,
        }
        s.commit()

    def get(path: str, who: str):  # type: ignore[no-untyped-def]
        return client.get(path, headers={"Authorization": f"Bearer {tokens[who]}"})

    page = get("/api/v1/experts?limit=1", "member").get_json()
    assert [e["id"] for e in page["items"]] == [world["public"]]
    assert page["next_cursor"] is None  # the confidential one is not there at all
    one = get(f"/api/v1/experts/{world['public']}", "member").get_json()
    OAS30Validator(schemas.EXPERT).validate(one)
    assert one["email"] is None and one["phone"] is None
    assert get(f"/api/v1/experts/{world['secret']}", "member").status_code == 404
    assert get(f"/api/v1/experts/{world['public']}", "staff").get_json()["email"]
    body = {
        "name": "API专家",
        "directions": DIRECTIONS,
        "fields": ["new_energy"],
        "offers": ["training"],
        "email": "api-expert@example.com",
    }
    refused = client.post(
        "/api/v1/experts", json=body, headers={"Authorization": f"Bearer {tokens['member']}"}
    )
    assert refused.status_code == 403
    bad = client.post(
        "/api/v1/experts",
        json={**body, "fields": [], "email": "x"},
        headers={"Authorization": f"Bearer {tokens['staff']}"},
    )
    assert bad.status_code == 422 and {"fields", "email"} <= set(bad.get_json()["fields"])
    made = client.post(
        "/api/v1/experts", json=body, headers={"Authorization": f"Bearer {tokens['staff']}"}
    )
    assert made.status_code == 201 and made.get_json()["state"] == "invited"
    OAS30Validator(schemas.EXPERT).validate(made.get_json())
    with app.app_context():
        assert (
            db.session()
            .scalars(sa.select(OutboxMail).where(OutboxMail.recipient == "api-expert@example.com"))
            .one()
        )


# --- bulk import ---------------------------------------------------------------------------------


def _sheet(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    from matchmaker.importing import experts as sheet

    workbook = Workbook()
    ws = workbook.active
    ws.append([zh for _k, zh, _en, _r in sheet.COLUMNS] + ["备注"])
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_bulk_import_previews_every_row_then_invites(app, client, world) -> None:
    from matchmaker.importing import experts as sheet
    from web import db

    good = [
        "周专家",
        "研究员",
        "某院",
        "浙江省",
        "新材料、新能源",
        DIRECTIONS,
        "",
        "技术咨询",
        "",
        "zhou@example.org",
        "",
    ]
    taken = ["李重复", "", "", "", "新能源", DIRECTIONS, "", "", "", "li@example.com", ""]
    bad = [f"坏行{XSS}", "", "", "火星", "魔法", "", "", "变魔术", "随时", "nope@example.org", ""]
    data = _sheet([good, taken, bad, sheet.EXAMPLE_ROW])
    login(client, "staff@example.com")
    assert client.get("/experts/import/template.xlsx").status_code == 200
    uploaded = client.post(
        "/experts/import",
        data={"table": (io.BytesIO(data), "experts.xlsx")},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 302
    job_url = uploaded.headers["Location"]
    preview = client.get(job_url).get_data(as_text=True)
    # nothing saved yet; each refused row says which column and why, quoting the cell
    with app.app_context():
        assert (
            db.session()
            .scalars(sa.select(ExpertProfile).where(ExpertProfile.name == "周专家"))
            .first()
            is None
        )
    assert "火星" in preview and "魔法" in preview and "变魔术" in preview
    assert XSS not in preview and 'data-status="refused"' in preview
    assert "备注" in preview  # the ignored column is named
    client.post(f"{job_url}/confirm")
    client.post(f"{job_url}/confirm")  # a second click changes nothing
    with app.app_context():
        s = db.session()
        invited = s.scalars(sa.select(ExpertProfile).where(ExpertProfile.name == "周专家")).all()
        assert len(invited) == 1 and invited[0].state == ExpertState.INVITED
        assert invited[0].fields == ["new_materials", "new_energy"]
        assert s.scalars(
            sa.select(OutboxMail).where(OutboxMail.recipient == "zhou@example.org")
        ).one()
        # the address already had a profile: refused at import, reported
        assert (
            len(s.scalars(sa.select(ExpertProfile).where(ExpertProfile.name == "李重复")).all())
            == 0
        )
    report = client.get(job_url).get_data(as_text=True)
    assert 'data-status="imported"' in report
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(client.get(f"{job_url}/report.xlsx").data))
    results = {row[0]: row[2] for row in list(workbook.active.values)[1:]}
    assert results[2] == "已邀请" or results[2] == "invited"
    assert "邮箱" in results[3] or "E-mail" in results[3]
    login(client, "researcher@example.com")
    assert client.get(job_url).status_code == 403


# --- tasks ---------------------------------------------------------------------------------------


def test_indexing_an_expert_or_a_need_queues_expert_matching_by_name(
    session, tmp_path, monkeypatch, hashing_calibration
) -> None:
    from matchmaker.experts import tasks as expert_tasks
    from matchmaker.models import Match
    from matchmaker.search import tasks as search_tasks

    enterprise = factories.user(session, Role.ENTERPRISE)
    need = factories.need(session, enterprise, title="硅碳负极首次效率低", description=NEED)
    expert = _profile(session)
    session.commit()
    engine = fakes.engine(tmp_path / "index.sqlite")
    monkeypatch.setattr(runtime, "search_engine", lambda: engine)
    queued: list[tuple[str, tuple[object, ...]]] = []
    monkeypatch.setattr(search_tasks, "enqueue", lambda name, *args: queued.append((name, args)))
    assert search_tasks.sync_listing_index("need", need.id) == "indexed"
    assert search_tasks.sync_listing_index(EXPERT_KIND, expert.id) == "indexed"
    assert ("matchmaker.match_need_experts", (need.id,)) in queued
    assert ("matchmaker.match_expert_needs", (expert.id,)) in queued
    # experts are not listings: no listing matching is queued for them
    assert ("matchmaker.match_listing", (EXPERT_KIND, expert.id)) not in queued
    assert expert_tasks.match_expert_needs(expert.id)["created"] == 1
    assert expert_tasks.match_need_experts(need.id)["created"] == 0  # the same pair
    session.expire_all()
    assert session.scalars(sa.select(Match).where(Match.expert_id == expert.id)).one()
