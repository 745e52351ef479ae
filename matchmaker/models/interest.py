"""Interest requests (申请查看详情), access grants and confidentiality agreements (保密协议).

A request names a listing by kind and id (achievements and needs share one table of requests, so
"one live request per organisation and listing" is one unique index). Access is granted to the
requester's organisation, never to one person: colleagues of the signer see what was opened.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.db import Base, utcnow
from matchmaker.models._types import enum_type
from matchmaker.models.accounts import Organisation, User
from matchmaker.models.enums import InterestState

# states in which a request is still alive: a second request of the same organisation for the
# same listing is refused while one of these exists
LIVE_INTEREST_STATES = (
    InterestState.OPEN,
    InterestState.MEDIATION,
    InterestState.AGREEMENT_PENDING,
    InterestState.AWAITING_VERIFICATION,
    InterestState.GRANTED,
)
_LIVE_SQL = "state IN ({})".format(", ".join(f"'{s.value}'" for s in LIVE_INTEREST_STATES))


class InterestRequest(Base):
    __tablename__ = "interest_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_kind: Mapped[str] = mapped_column(sa.String(12))  # "achievement" | "need"
    listing_id: Mapped[int] = mapped_column()
    requester_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    message: Mapped[str] = mapped_column(sa.Text, default="")
    state: Mapped[InterestState] = mapped_column(
        enum_type(InterestState), default=InterestState.OPEN, index=True
    )
    agreement_required: Mapped[bool] = mapped_column(default=False)
    decline_reason: Mapped[str | None] = mapped_column(sa.String(40))
    decline_note: Mapped[str | None] = mapped_column(sa.Text)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column()
    # the pipeline match this request became when the requester tied it to one of their own
    # listings (interest.deals): its meeting, agreement and contract steps move that match
    match_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("matches.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    requester: Mapped[User] = relationship(foreign_keys=[requester_id])
    organisation: Mapped[Organisation] = relationship()

    __table_args__ = (
        sa.CheckConstraint("listing_kind IN ('achievement', 'need')", name="listing_kind"),
        sa.Index("ix_interest_requests_listing", "listing_kind", "listing_id"),
        # one live request per organisation and listing, even when two arrive at once
        sa.Index(
            "uq_interest_requests_live",
            "organisation_id",
            "listing_kind",
            "listing_id",
            unique=True,
            sqlite_where=sa.text(_LIVE_SQL),
            postgresql_where=sa.text(_LIVE_SQL),
        ),
    )


class AccessGrant(Base):
    """The protected parts of a listing opened to an organisation; revoking closes them."""

    __tablename__ = "access_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_kind: Mapped[str] = mapped_column(sa.String(12))
    listing_id: Mapped[int] = mapped_column()
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("interest_requests.id"), index=True)
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column()
    revoke_note: Mapped[str | None] = mapped_column(sa.Text)

    __table_args__ = (
        sa.CheckConstraint("listing_kind IN ('achievement', 'need')", name="listing_kind"),
        # at most one active grant per organisation and listing (two staff accepting at once)
        sa.Index(
            "uq_access_grants_active",
            "organisation_id",
            "listing_kind",
            "listing_id",
            unique=True,
            sqlite_where=sa.text("revoked_at IS NULL"),
            postgresql_where=sa.text("revoked_at IS NULL"),
        ),
    )


class AgreementText(Base):
    """One version of the association's confidentiality agreement. Versions are only added:
    an acceptance points at the version it accepted, so a new text never changes it."""

    __tablename__ = "agreement_texts"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AgreementAcceptance(Base):
    """A requester's acceptance of an agreement: typed in the app (name, time, address and the
    text's version) or a signed copy uploaded for staff to verify. Never changed once written."""

    __tablename__ = "agreement_acceptances"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("interest_requests.id"), index=True)
    agreement_id: Mapped[int] = mapped_column(sa.ForeignKey("agreement_texts.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    method: Mapped[str] = mapped_column(sa.String(12))  # "in_app" | "upload"
    typed_name: Mapped[str | None] = mapped_column(sa.String(100))
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow)
    # an uploaded signed copy: stored outside the web root like every upload
    file_key: Mapped[str | None] = mapped_column(sa.String(100))
    file_name: Mapped[str | None] = mapped_column(sa.String(255))
    file_type: Mapped[str | None] = mapped_column(sa.String(100))
    file_sha256: Mapped[str | None] = mapped_column(sa.String(64))

    agreement: Mapped[AgreementText] = relationship()
    user: Mapped[User] = relationship()

    __table_args__ = (
        sa.CheckConstraint("method IN ('in_app', 'upload')", name="acceptance_method"),
    )
