"""Interest requests, access grants and the agreement: the rules, on SQLite."""

from __future__ import annotations

import io
from datetime import timedelta

import pypdf
import pytest
import sqlalchemy as sa

from matchmaker import clock, visibility
from matchmaker.core.errors import PermissionDenied, ValidationFailed
from matchmaker.interest import agreements, digest
from matchmaker.interest import requests as interest
from matchmaker.models import (
    AccessGrant,
    AgreementAcceptance,
    InterestState,
    Notification,
    OutboxMail,
    ProtectedPart,
    Role,
    Visibility,
)
from matchmaker.notifications.notify import render
from tests import factories

SECRET = "保密标题XYZ"


@pytest.fixture
def world(session):
    owner = factories.user(session, Role.RESEARCHER, name="李研究")
    enterprise = factories.user(session, Role.ENTERPRISE, name="王企业")
    colleague = factories.user(session, Role.ENTERPRISE, organisation=enterprise.organisation)
    other = factories.user(session, Role.ENTERPRISE)
    staff = factories.user(session, Role.STAFF)
    secret = factories.achievement(
        session,
        owner,
        title=SECRET,
        visibility=Visibility.CONFIDENTIAL,
        protected_parts=["details", "price"],
    )
    return {
        "owner": owner,
        "enterprise": enterprise,
        "colleague": colleague,
        "other": other,
        "staff": staff,
        "secret": secret,
    }


def test_a_grant_opens_a_confidential_listing_to_the_organisation_and_revoking_closes_it(
    session, world
) -> None:
    secret, enterprise = world["secret"], world["enterprise"]
    assert not visibility.can_see(enterprise, secret)
    req = interest.create(session, enterprise, secret, "我们想了解技术细节")
    assert req.state == InterestState.OPEN
    assert not visibility.can_see(enterprise, secret)
    interest.accept(session, world["owner"], req, agreement_required=False)
    assert req.state == InterestState.GRANTED
    for person in (enterprise, world["colleague"]):
        assert visibility.access(person, secret) == visibility.Access.FULL
        assert visibility.can_see_protected(person, secret, ProtectedPart.DETAILS)
        # stored messages never rely on a grant
        assert not visibility.can_name(person, secret)
    assert not visibility.can_see(world["other"], secret)
    interest.revoke(session, world["owner"], req, "合作终止")
    assert req.state == InterestState.REVOKED
    assert not visibility.can_see(enterprise, secret)
    grant = session.scalar(sa.select(AccessGrant))
    assert grant.revoked_at is not None and grant.revoked_by_id == world["owner"].id


def test_protected_parts_of_a_members_listing_open_only_with_a_grant(session, world) -> None:
    listing = factories.achievement(
        session, world["owner"], visibility=Visibility.MEMBERS, protected_parts=["price"]
    )
    enterprise = world["enterprise"]
    assert visibility.can_see(enterprise, listing)
    assert visibility.can_see_protected(enterprise, listing, ProtectedPart.DETAILS)
    assert not visibility.can_see_protected(enterprise, listing, ProtectedPart.PRICE)
    assert visibility.can_see_protected(world["owner"], listing, ProtectedPart.PRICE)
    assert visibility.can_see_protected(world["staff"], listing, ProtectedPart.PRICE)
    assert not visibility.can_see_protected(None, listing, ProtectedPart.DETAILS)
    req = interest.create(session, enterprise, listing, "请问价格")
    interest.accept(session, world["owner"], req, agreement_required=False)
    assert visibility.can_see_protected(enterprise, listing, ProtectedPart.PRICE)


def test_refusals_say_why(session, world) -> None:
    secret, enterprise = world["secret"], world["enterprise"]
    with pytest.raises(ValidationFailed) as own:
        interest.create(session, world["owner"], secret, "x")
    assert own.value.code == "interest_own_listing"
    with pytest.raises(PermissionDenied):
        interest.create(session, world["staff"], secret, "x")
    researcher = factories.user(session, Role.RESEARCHER)
    with pytest.raises(PermissionDenied):
        interest.create(session, researcher, secret, "x")  # the same side does not ask
    with pytest.raises(ValidationFailed) as empty:
        interest.create(session, enterprise, secret, "   ")
    assert empty.value.field == "message"
    with pytest.raises(ValidationFailed) as long:
        interest.create(session, enterprise, secret, "长" * (interest.MESSAGE_MAX + 1))
    assert long.value.code == "too_long"
    interest.create(session, enterprise, secret, "第一次")
    with pytest.raises(ValidationFailed) as dup:
        interest.create(session, world["colleague"], secret, "同单位第二次")
    assert dup.value.code == "interest_duplicate"


def test_requests_are_rate_limited_per_person(session, world) -> None:
    listings = [
        factories.achievement(session, world["owner"]) for _ in range(interest.MAX_PER_DAY + 1)
    ]
    for listing in listings[:-1]:
        interest.create(session, world["enterprise"], listing, "有意向")
    with pytest.raises(ValidationFailed) as limited:
        interest.create(session, world["enterprise"], listings[-1], "有意向")
    assert limited.value.code == "interest_rate_limited"
    clock.set_now(clock.now() + timedelta(hours=25))
    try:
        interest.create(session, world["enterprise"], listings[-1], "有意向")
    finally:
        clock.set_now(None)


def test_accepting_twice_and_answering_by_others_is_refused(session, world) -> None:
    req = interest.create(session, world["enterprise"], world["secret"], "有意向")
    with pytest.raises(PermissionDenied):
        interest.accept(session, world["other"], req, agreement_required=False)
    interest.accept(session, world["staff"], req, agreement_required=False)
    with pytest.raises(ValidationFailed) as twice:
        interest.accept(session, world["owner"], req, agreement_required=False)
    assert twice.value.code == "interest_already_accepted"
    with pytest.raises(ValidationFailed):
        interest.decline(session, world["owner"], req, "not_fit", None)
    assert session.scalar(sa.select(sa.func.count()).select_from(AccessGrant)) == 1


def test_decline_needs_a_listed_reason_and_a_note_for_other(session, world) -> None:
    req = interest.create(session, world["enterprise"], world["secret"], "有意向")
    with pytest.raises(ValidationFailed) as bad:
        interest.decline(session, world["owner"], req, "whatever", None)
    assert bad.value.field == "reason"
    with pytest.raises(ValidationFailed) as note:
        interest.decline(session, world["owner"], req, "other", "")
    assert note.value.field == "note"
    interest.decline(session, world["owner"], req, "already_partner", None)
    assert req.state == InterestState.DECLINED
    # a declined request no longer blocks a new one
    again = interest.create(session, world["enterprise"], world["secret"], "再次申请")
    assert again.state == InterestState.OPEN
    note_row = session.scalar(
        sa.select(Notification).where(Notification.message_key == "interest_declined")
    )
    assert "已有合作方" in render(note_row.message_key, note_row.params, "zh")


def test_mediation_tells_staff_and_staff_may_answer(session, world) -> None:
    req = interest.create(session, world["enterprise"], world["secret"], "有意向")
    with pytest.raises(PermissionDenied):
        interest.ask_mediation(session, world["staff"], req, None)
    interest.ask_mediation(session, world["owner"], req, "请协调")
    assert req.state == InterestState.MEDIATION
    assert session.scalar(
        sa.select(Notification).where(
            Notification.user_id == world["staff"].id,
            Notification.message_key == "interest_mediation",
        )
    )
    interest.accept(session, world["staff"], req, agreement_required=True)
    assert req.state == InterestState.AGREEMENT_PENDING


def test_agreement_acceptance_records_name_time_ip_and_version_and_opens_access(
    session, world
) -> None:
    secret, enterprise = world["secret"], world["enterprise"]
    req = interest.create(session, enterprise, secret, "有意向")
    interest.accept(session, world["owner"], req, agreement_required=True)
    assert not visibility.can_see(enterprise, secret)  # not before the agreement
    text = agreements.current(session)
    assert text is not None and text.version == 1
    with pytest.raises(ValidationFailed) as wrong_name:
        agreements.accept_in_app(
            session, enterprise, req, typed_name="别人", agreement_id=text.id, ip_address="1.2.3.4"
        )
    assert wrong_name.value.code == "agreement_name_mismatch"
    with pytest.raises(PermissionDenied):
        agreements.accept_in_app(
            session,
            world["other"],
            req,
            typed_name=world["other"].name,
            agreement_id=text.id,
            ip_address=None,
        )
    acceptance = agreements.accept_in_app(
        session, enterprise, req, typed_name="王企业", agreement_id=text.id, ip_address="1.2.3.4"
    )
    assert req.state == InterestState.GRANTED
    assert visibility.can_see(enterprise, secret)
    assert (acceptance.typed_name, acceptance.ip_address) == ("王企业", "1.2.3.4")
    # a new version never changes what was accepted, and acceptances cannot be edited
    admin = factories.user(session, Role.ADMIN)
    newer = agreements.publish_version(session, admin, "保密协议（修订）", "新条款")
    assert newer.version == 2
    session.flush()
    session.expire_all()
    kept = session.get(AgreementAcceptance, acceptance.id)
    assert kept.agreement.version == 1
    kept.typed_name = "篡改"
    with pytest.raises(PermissionError):
        session.flush()
    session.rollback()


def test_an_agreement_of_an_old_version_on_the_page_is_refused(session, world) -> None:
    req = interest.create(session, world["enterprise"], world["secret"], "有意向")
    interest.accept(session, world["owner"], req, agreement_required=True)
    old = agreements.current(session)
    agreements.publish_version(session, factories.user(session, Role.ADMIN), "新版", "新条款")
    with pytest.raises(ValidationFailed) as changed:
        agreements.accept_in_app(
            session,
            world["enterprise"],
            req,
            typed_name="王企业",
            agreement_id=old.id,
            ip_address=None,
        )
    assert changed.value.code == "agreement_changed"


def test_a_signed_copy_waits_for_staff(session, world, tmp_path) -> None:
    req = interest.create(session, world["enterprise"], world["secret"], "有意向")
    interest.accept(session, world["owner"], req, agreement_required=True)
    with pytest.raises(ValidationFailed) as wrong_type:
        agreements.upload_signed(
            session, world["enterprise"], req, tmp_path, b"<script>", "a.pdf", 10_000
        )
    assert wrong_type.value.code == "agreement_file_type"
    with pytest.raises(ValidationFailed) as too_big:
        agreements.upload_signed(
            session, world["enterprise"], req, tmp_path, b"%PDF-" + b"0" * 20, "a.pdf", 10
        )
    assert too_big.value.code == "agreement_file_too_large"
    agreements.upload_signed(
        session, world["enterprise"], req, tmp_path, b"%PDF-1.4 signed", "../签字.pdf", 10_000
    )
    assert req.state == InterestState.AWAITING_VERIFICATION
    assert not visibility.can_see(world["enterprise"], world["secret"])
    with pytest.raises(PermissionDenied):
        agreements.verify_signed(session, world["owner"], req, True)
    agreements.verify_signed(session, world["staff"], req, True)
    assert req.state == InterestState.GRANTED
    assert visibility.can_see(world["enterprise"], world["secret"])
    stored = agreements.acceptances(session, req)[0]
    assert stored.file_name == "签字.pdf"
    assert agreements.signed_file(tmp_path, stored).read_bytes() == b"%PDF-1.4 signed"


def test_the_acceptance_pdf_holds_the_text_and_the_record(session, world) -> None:
    req = interest.create(session, world["enterprise"], world["secret"], "有意向")
    interest.accept(session, world["owner"], req, agreement_required=True)
    acceptance = agreements.accept_in_app(
        session,
        world["enterprise"],
        req,
        typed_name="王企业",
        agreement_id=None,
        ip_address="10.0.0.8",
    )
    labels = dict.fromkeys(
        ("version", "record", "name", "organisation", "time", "ip", "listing", "request"), "项"
    )
    data = agreements.record_pdf(acceptance, "测试企业", "（保密内容）", labels)
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)
    assert "王企业" in text and "10.0.0.8" in text and "科技成果对接保密协议" in text


def test_notifications_about_a_confidential_listing_never_name_it(session, world) -> None:
    req = interest.create(session, world["enterprise"], world["secret"], "有意向")
    interest.accept(session, world["owner"], req, agreement_required=False)
    interest.revoke(session, world["owner"], req, None)
    to_requester = session.scalars(
        sa.select(Notification).where(Notification.user_id == world["enterprise"].id)
    ).all()
    assert {n.message_key for n in to_requester} == {"interest_granted", "interest_revoked"}
    for note in to_requester:
        for lang in ("zh", "en"):
            assert SECRET not in render(note.message_key, note.params, lang)
        assert note.link == f"/interest/{req.id}"
    to_owner = session.scalar(
        sa.select(Notification).where(Notification.user_id == world["owner"].id)
    )
    assert SECRET in render(to_owner.message_key, to_owner.params, "zh")


def test_the_daily_digest_sends_one_mail_per_person_once(session, world) -> None:
    req = interest.create(session, world["enterprise"], world["secret"], "有意向")
    interest.accept(session, world["owner"], req, agreement_required=False)
    assert (
        session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)) == 0
    )  # no per-event mail
    today = clock.now()
    clock.set_now(today + timedelta(days=1))
    try:
        assert digest.send(session) == 2  # the owner and the requester
        assert digest.send(session) == 0  # safe to run twice
    finally:
        clock.set_now(None)
    mails = {m.recipient: m for m in session.scalars(sa.select(OutboxMail))}
    assert SECRET in mails[world["owner"].email].body
    assert SECRET not in mails[world["enterprise"].email].body
    assert "/interest/" in mails[world["enterprise"].email].body


def test_match_strength_is_the_band_of_the_best_match_with_the_requesters_listings(
    session, world
) -> None:
    need = factories.need(session, world["enterprise"])
    factories.match(session, need, world["secret"], score=0.99)
    req = interest.create(session, world["enterprise"], world["secret"], "有意向")
    assert interest.match_strength(session, req, world["secret"]) == "high"
    req2 = interest.create(session, world["other"], world["secret"], "有意向")
    assert interest.match_strength(session, req2, world["secret"]) is None
    assert [
        r.request.id for r in interest.rows(session, interest.incoming(session, world["owner"]))
    ] == [req2.id, req.id]
    assert [r.id for r in interest.mine(session, world["enterprise"])] == [req.id]
