"""Interest requests through the site: the whole path, and who may open what at each step
(requester before and after acceptance, after revoking; owner; another enterprise; staff;
anonymous)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from matchmaker.models import (
    AgreementAcceptance,
    AuditEntry,
    InterestRequest,
    InterestState,
    Role,
    Visibility,
)
from tests import factories

DETAILS = "详细技术方案TECHDETAIL42"
TITLE = "保密成果TITLE42"


@pytest.fixture
def world(app):
    from web import db

    with app.app_context():
        s = db.session()
        owner = factories.user(s, Role.RESEARCHER, email="owner@x.cn", name="李研究")
        asker = factories.user(s, Role.ENTERPRISE, email="asker@x.cn", name="王企业")
        factories.user(s, Role.ENTERPRISE, email="other@x.cn")
        factories.user(s, Role.STAFF, email="staff@x.cn")
        factories.user(s, Role.ADMIN, email="admin@x.cn")
        secret = factories.achievement(
            s,
            owner,
            title=TITLE,
            description=DETAILS,
            visibility=Visibility.CONFIDENTIAL,
            protected_parts=["details"],
        )
        members = factories.achievement(
            s,
            owner,
            title="会员可见成果",
            description="会员技术细节MEMBERDETAIL",
            visibility=Visibility.MEMBERS,
            protected_parts=["details", "price"],
            price_min=10,
            price_max=20,
        )
        s.commit()
        return {"secret": secret.id, "members": members.id, "asker_org": asker.organisation_id}


def login(app, email):
    client = app.test_client()
    if email:
        client.post("/login", data={"email": email, "password": factories.PASSWORD})
    return client


def _request_id(app) -> int:
    from web import db

    with app.app_context():
        return db.session().scalar(
            sa.select(InterestRequest.id).order_by(InterestRequest.id.desc())
        )


def test_the_whole_path_with_the_agreement_and_revoke(app, world) -> None:
    asker, owner = login(app, "asker@x.cn"), login(app, "owner@x.cn")
    sid = world["secret"]
    assert asker.get(f"/achievements/{sid}").status_code == 404
    ask = asker.get(f"/interest/ask/achievement/{sid}")
    assert ask.status_code == 200
    assert TITLE not in ask.get_data(as_text=True)
    # an empty message is refused beside its field, a script is kept as text
    refused = asker.post(f"/interest/ask/achievement/{sid}", data={"message": "  "})
    assert refused.status_code == 200 and 'id="message"' in refused.get_data(as_text=True)
    sent = asker.post(
        f"/interest/ask/achievement/{sid}", data={"message": "<script>alert(1)</script>想了解"}
    )
    assert sent.status_code == 302
    rid = _request_id(app)
    twice = asker.post(f"/interest/ask/achievement/{sid}", data={"message": "再问一次"})
    assert 'data-testid="already-asked"' in twice.get_data(as_text=True)

    incoming = owner.get("/interest/incoming").get_data(as_text=True)
    assert TITLE in incoming
    page = owner.get(f"/interest/{rid}").get_data(as_text=True)
    assert "&lt;script&gt;" in page and "<script>alert" not in page
    assert 'data-testid="credit-code"' in page
    assert owner.post(f"/interest/{rid}/accept", data={"agreement": "1"}).status_code == 302
    again = owner.post(f"/interest/{rid}/accept", data={"agreement": "1"})
    assert again.status_code == 200 and 'data-testid="form-problems"' in again.get_data(
        as_text=True
    )
    assert asker.get(f"/achievements/{sid}").status_code == 404  # not before the agreement

    form = asker.get(f"/interest/{rid}/agreement").get_data(as_text=True)
    assert "科技成果对接保密协议" in form
    wrong = asker.post(f"/interest/{rid}/agreement", data={"typed_name": "别人"})
    assert wrong.status_code == 200 and 'value="别人"' in wrong.get_data(as_text=True)
    done = asker.post(
        f"/interest/{rid}/agreement",
        data={"typed_name": "王企业"},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    assert done.status_code == 302
    listing = asker.get(f"/achievements/{sid}").get_data(as_text=True)
    assert DETAILS in listing and TITLE in listing

    from web import db

    with app.app_context():
        acceptance = db.session().scalar(sa.select(AgreementAcceptance))
        assert acceptance.ip_address == "203.0.113.9" and acceptance.agreement.version == 1
        acceptance_id = acceptance.id
    pdf = asker.get(f"/interest/{rid}/agreement/{acceptance_id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    assert (
        login(app, "other@x.cn").get(f"/interest/{rid}/agreement/{acceptance_id}.pdf").status_code
        == 404
    )

    assert owner.post(f"/interest/{rid}/revoke", data={"note": "终止"}).status_code == 302
    assert asker.get(f"/achievements/{sid}").status_code == 404
    assert DETAILS not in asker.get(f"/interest/{rid}").get_data(as_text=True)
    with app.app_context():
        actions = set(db.session().scalars(sa.select(AuditEntry.action)))
    assert {
        "interest.requested",
        "interest.accepted",
        "agreement.accepted",
        "interest.revoked",
    } <= actions


def test_who_may_open_one_request_at_each_step(app, world) -> None:
    asker = login(app, "asker@x.cn")
    asker.post(f"/interest/ask/achievement/{world['secret']}", data={"message": "有意向"})
    rid = _request_id(app)
    people = {
        "asker": asker,
        "owner": login(app, "owner@x.cn"),
        "other": login(app, "other@x.cn"),
        "staff": login(app, "staff@x.cn"),
        "anonymous": login(app, None),
    }

    def codes(path: str, method: str = "GET", data: dict | None = None) -> dict[str, int]:
        return {
            name: client.open(path, method=method, data=data or {}).status_code
            for name, client in people.items()
        }

    detail = codes(f"/interest/{rid}")
    assert detail == {"asker": 200, "owner": 200, "other": 404, "staff": 200, "anonymous": 302}
    # the other enterprise and the requester cannot answer; nothing changes
    for name in ("other", "asker"):
        response = people[name].post(f"/interest/{rid}/accept", data={})
        assert response.status_code in (200, 404)
    from web import db

    with app.app_context():
        assert db.session().get(InterestRequest, rid).state == InterestState.OPEN
    assert people["staff"].get("/interest/all?state=open").status_code == 200
    assert people["asker"].get("/interest/all").status_code == 403
    assert people["staff"].post(f"/interest/{rid}/accept", data={}).status_code == 302
    listing = f"/achievements/{world['secret']}"
    assert codes(listing) == {
        "asker": 200,
        "owner": 200,
        "other": 404,
        "staff": 200,
        "anonymous": 404,
    }
    assert people["owner"].post(f"/interest/{rid}/revoke", data={}).status_code == 302
    assert codes(listing)["asker"] == 404


def test_asking_about_ones_own_listing_says_why(app, world) -> None:
    owner = login(app, "owner@x.cn")
    page = owner.get(f"/interest/ask/achievement/{world['members']}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-testid="refused"' in text
    assert 'data-testid="ask-form"' not in text
    posted = owner.post(f"/interest/ask/achievement/{world['members']}", data={"message": "x"})
    assert posted.status_code == 200 and 'data-testid="refused"' in posted.get_data(as_text=True)


def test_members_listing_keeps_protected_parts_until_a_grant(app, world) -> None:
    mid = world["members"]
    other = login(app, "other@x.cn").get(f"/achievements/{mid}").get_data(as_text=True)
    assert "MEMBERDETAIL" not in other and 'data-testid="after-agreement"' in other
    assert 'data-testid="price-locked"' in other and 'data-action="ask-interest"' in other
    owner = login(app, "owner@x.cn").get(f"/achievements/{mid}").get_data(as_text=True)
    assert "MEMBERDETAIL" in owner and 'data-action="ask-interest"' not in owner


def test_decline_needs_a_reason_and_keeps_the_note(app, world) -> None:
    asker = login(app, "asker@x.cn")
    asker.post(f"/interest/ask/achievement/{world['members']}", data={"message": "有意向"})
    rid = _request_id(app)
    owner = login(app, "owner@x.cn")
    refused = owner.post(f"/interest/{rid}/decline", data={"reason": "", "note": "我的说明"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "我的说明" in text and 'href="#reason"' in text
    assert owner.post(f"/interest/{rid}/decline", data={"reason": "not_fit"}).status_code == 302
    assert "不匹配" in asker.get(f"/interest/{rid}").get_data(as_text=True) or "Not a fit" in (
        asker.get(f"/interest/{rid}").get_data(as_text=True)
    )


def test_admin_publishes_a_new_agreement_version(app, world) -> None:
    admin = login(app, "admin@x.cn")
    refused = admin.post("/interest/agreement-texts", data={"title": "", "body": "正文"})
    assert refused.status_code == 200 and "正文" in refused.get_data(as_text=True)
    ok = admin.post("/interest/agreement-texts", data={"title": "第二版", "body": "新正文"})
    assert ok.status_code == 302
    assert "第二版" in admin.get("/interest/agreement-texts").get_data(as_text=True)
    assert login(app, "staff@x.cn").get("/interest/agreement-texts").status_code == 403
