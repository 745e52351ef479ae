"""The association's confidentiality agreement (保密协议): versioned texts, the requester's
acceptance in the app or a signed copy verified by staff, and the acceptance as a PDF.

Texts are only ever added (a new version never changes what was accepted: an acceptance points
at its version) and acceptances are never changed or deleted (refused at flush, like the audit
log).
"""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from matchmaker.core import audit
from matchmaker.core.errors import PermissionDenied, ValidationFailed
from matchmaker.interest import requests as interest
from matchmaker.listings.uploads import display_name
from matchmaker.models import (
    AgreementAcceptance,
    AgreementText,
    InterestRequest,
    InterestState,
    User,
)
from matchmaker.notifications import notify

TITLE_MAX = 200
BODY_MAX = 20_000
# a signed copy is a PDF or a photo of the paper; the type is read from the bytes, not the name
SIGNED_TYPES = {b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG": "image/png"}


@event.listens_for(Session, "before_flush")
def _refuse_acceptance_changes(session: Session, _context: Any, _instances: Any) -> None:
    """An acceptance is a record of what someone agreed to: append-only."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AgreementAcceptance | AgreementText) and (
            obj in session.deleted or session.is_modified(obj)
        ):
            raise PermissionError("agreements and their acceptances cannot be changed")


def current(session: Session) -> AgreementText | None:
    """The newest version of the agreement text."""
    return session.scalar(sa.select(AgreementText).order_by(AgreementText.version.desc()).limit(1))


def versions(session: Session) -> list[AgreementText]:
    return list(session.scalars(sa.select(AgreementText).order_by(AgreementText.version.desc())))


def publish_version(session: Session, actor: User, title: str, body: str) -> AgreementText:
    """Admins add a new version; earlier acceptances keep pointing at theirs."""
    if actor.role != "admin":
        raise PermissionDenied("admin_only")
    problems = []
    title = (title or "").strip()
    body = (body or "").replace("\x00", "").strip()
    if not title:
        problems.append(ValidationFailed("agreement_title_required", field="title"))
    elif len(title) > TITLE_MAX:
        problems.append(ValidationFailed("too_long", field="title", max=TITLE_MAX))
    if not body:
        problems.append(ValidationFailed("agreement_body_required", field="body"))
    elif len(body) > BODY_MAX:
        problems.append(ValidationFailed("too_long", field="body", max=BODY_MAX))
    if problems:
        from matchmaker.core.errors import raise_all

        raise_all(problems)
    latest = current(session)
    text = AgreementText(
        version=(latest.version + 1) if latest else 1,
        title=title,
        body=body,
        created_by_id=actor.id,
    )
    session.add(text)
    session.flush()
    audit.record(
        session, actor, "agreement.published", "agreement_text", text.id, version=text.version
    )
    return text


def acceptances(session: Session, request: InterestRequest) -> list[AgreementAcceptance]:
    return list(
        session.scalars(
            sa.select(AgreementAcceptance)
            .where(AgreementAcceptance.request_id == request.id)
            .order_by(AgreementAcceptance.id)
        )
    )


def _require_requester(actor: User, request: InterestRequest) -> None:
    if actor.id != request.requester_id:
        raise PermissionDenied("interest_requester_only")


def accept_in_app(
    session: Session,
    actor: User,
    request: InterestRequest,
    *,
    typed_name: str,
    agreement_id: int | None,
    ip_address: str | None,
) -> AgreementAcceptance:
    """The requester accepts the agreement they were shown by typing their name: name, time,
    address and the text's version are recorded, and access opens."""
    _require_requester(actor, request)
    text = current(session)
    if text is None:
        raise ValidationFailed("agreement_missing")
    # the version on the page they read; a newer one published meanwhile must be read first
    if agreement_id is not None and agreement_id != text.id:
        raise ValidationFailed("agreement_changed")
    name = " ".join((typed_name or "").split())
    if not name:
        raise ValidationFailed("agreement_name_required", field="typed_name")
    if name != " ".join(actor.name.split()):
        raise ValidationFailed("agreement_name_mismatch", field="typed_name", name=actor.name)
    if request.state != InterestState.AGREEMENT_PENDING:
        raise ValidationFailed("transition_not_allowed")
    acceptance = AgreementAcceptance(
        request_id=request.id,
        agreement_id=text.id,
        user_id=actor.id,
        method="in_app",
        typed_name=name[:100],
        ip_address=(ip_address or "")[:45] or None,
    )
    session.add(acceptance)
    session.flush()
    interest.grant_after_agreement(session, actor, request)
    audit.record(
        session,
        actor,
        "agreement.accepted",
        "interest_request",
        request.id,
        version=text.version,
        ip=acceptance.ip_address,
    )
    session.flush()
    return acceptance


def upload_signed(
    session: Session,
    actor: User,
    request: InterestRequest,
    upload_dir: Path,
    data: bytes,
    filename: str | None,
    max_bytes: int,
) -> AgreementAcceptance:
    """The requester uploads a signed copy (PDF, JPEG or PNG) for staff to verify."""
    _require_requester(actor, request)
    if request.state != InterestState.AGREEMENT_PENDING:
        raise ValidationFailed("transition_not_allowed")
    text = current(session)
    if text is None:
        raise ValidationFailed("agreement_missing")
    if not data:
        raise ValidationFailed("agreement_file_required", field="file")
    if len(data) > max_bytes:
        raise ValidationFailed("agreement_file_too_large", field="file", max=max_bytes // 2**20)
    kind = next((t for magic, t in SIGNED_TYPES.items() if data.startswith(magic)), None)
    if kind is None:
        raise ValidationFailed("agreement_file_type", field="file")
    key = secrets.token_urlsafe(24)
    folder = upload_dir / "agreements"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / key).write_bytes(data)
    acceptance = AgreementAcceptance(
        request_id=request.id,
        agreement_id=text.id,
        user_id=actor.id,
        method="upload",
        file_key=key,
        file_name=display_name(filename),
        file_type=kind,
        file_sha256=hashlib.sha256(data).hexdigest(),
    )
    session.add(acceptance)
    locked = interest.lock(session, request)
    locked.state = InterestState.AWAITING_VERIFICATION
    session.flush()
    listing = interest.listing_of(session, request)
    for person in interest._staff(session):
        notify.notify(
            session,
            person,
            "interest_signed_uploaded",
            interest.link(request),
            email=False,
            about=listing,
        )
    audit.record(session, actor, "agreement.uploaded", "interest_request", request.id)
    return acceptance


def verify_signed(session: Session, actor: User, request: InterestRequest, approve: bool) -> None:
    """Staff check an uploaded signed copy: approved opens access, refused asks again."""
    if not actor.is_staff:
        raise PermissionDenied("staff_only")
    if approve:
        interest.grant_after_agreement(session, actor, request)
    else:
        locked = interest.lock(session, request)
        if locked.state != InterestState.AWAITING_VERIFICATION:
            raise ValidationFailed("transition_not_allowed")
        locked.state = InterestState.AGREEMENT_PENDING
        listing = interest.listing_of(session, request)
        notify.notify(
            session,
            request.requester,
            "interest_signed_refused",
            interest.link(request),
            email=False,
            about=listing,
        )
    audit.record(
        session, actor, "agreement.verified", "interest_request", request.id, approved=approve
    )
    session.flush()


def signed_file(upload_dir: Path, acceptance: AgreementAcceptance) -> Path | None:
    if acceptance.file_key is None:
        return None
    path = upload_dir / "agreements" / acceptance.file_key
    return path if path.is_file() else None


def record_pdf(
    acceptance: AgreementAcceptance, organisation: str, listing_label: str, labels: dict[str, str]
) -> bytes:
    """The accepted text with its acceptance record as a PDF. `labels` are the record's
    captions in the reader's language; `listing_label` is the listing as the reader may see it
    (the title, or the confidential placeholder)."""
    from zoneinfo import ZoneInfo

    from matchmaker.interest import pdf

    text = acceptance.agreement
    when = acceptance.accepted_at.astimezone(ZoneInfo("Asia/Shanghai"))
    lines = [f"{text.title}（{labels['version']} {text.version}）", ""]
    lines += pdf.wrap(text.body)
    lines += ["", labels["record"]]
    record = [
        (labels["name"], acceptance.typed_name or acceptance.user.name),
        (labels["organisation"], organisation),
        (labels["time"], when.strftime("%Y-%m-%d %H:%M:%S") + " (UTC+8)"),
        (labels["ip"], acceptance.ip_address or "-"),
        (labels["listing"], listing_label),
        (labels["request"], str(acceptance.request_id)),
    ]
    for caption, value in record:
        lines += pdf.wrap(f"{caption}：{value}")
    return pdf.document(lines)
