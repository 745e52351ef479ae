"""What the two sides publish: research achievements (科技成果) and enterprise needs (技术需求)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.db import Base, JSONType, utcnow
from matchmaker.models._types import Money, enum_type
from matchmaker.models.accounts import Organisation, User
from matchmaker.models.enums import IPType, ListingState, Visibility


class _ListingColumns:
    """Columns both sides share, so both directions of matching see comparable records."""

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    field: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    keywords: Mapped[list[str]] = mapped_column(JSONType, default=list)
    cooperation_modes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    region: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    visibility: Mapped[Visibility] = mapped_column(enum_type(Visibility), default=Visibility.PUBLIC)
    state: Mapped[ListingState] = mapped_column(
        enum_type(ListingState), default=ListingState.DRAFT, index=True
    )
    review_comment: Mapped[str | None] = mapped_column(sa.Text)
    # parts kept for organisations holding an access grant (ProtectedPart values, 协议后可见)
    protected_parts: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # Seen only by the owner and staff, whatever the visibility.
    confidential_notes: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column()
    expires_at: Mapped[datetime | None] = mapped_column(index=True)
    # chosen on the form; None means the configured default for the kind
    validity_days: Mapped[int | None] = mapped_column()
    # the smallest "days before expiry" reminder already sent for the current expiry date
    renewal_nudged_days: Mapped[int | None] = mapped_column()


class Achievement(_ListingColumns, Base):
    __tablename__ = "achievements"

    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id"), index=True
    )
    # set when staff merged this duplicate into another listing (it is archived, not deleted)
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("achievements.id"))
    summary: Mapped[str] = mapped_column(sa.String(500), default="")
    trl: Mapped[int | None] = mapped_column()
    ip_type: Mapped[IPType | None] = mapped_column(enum_type(IPType))
    patent_numbers: Mapped[list[str]] = mapped_column(JSONType, default=list)
    price_min: Mapped[float | None] = mapped_column(Money)
    price_max: Mapped[float | None] = mapped_column(Money)

    owner: Mapped[User] = relationship()
    organisation: Mapped[Organisation | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("trl IS NULL OR (trl BETWEEN 1 AND 9)", name="trl_range"),
        sa.CheckConstraint(
            "price_min IS NULL OR price_max IS NULL OR price_min <= price_max",
            name="price_order",
        ),
        sa.CheckConstraint("price_min IS NULL OR price_min >= 0", name="price_non_negative"),
    )
    # optimistic locking: two editors never silently overwrite each other
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    kind = "achievement"


class Need(_ListingColumns, Base):
    __tablename__ = "needs"

    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id"), index=True
    )
    # set when staff merged this duplicate into another listing (it is archived, not deleted)
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("needs.id"))
    current_approach: Mapped[str] = mapped_column(sa.Text, default="")
    desired_outcome: Mapped[str] = mapped_column(sa.Text, default="")
    trl_min: Mapped[int | None] = mapped_column()
    budget_min: Mapped[float | None] = mapped_column(Money)
    budget_max: Mapped[float | None] = mapped_column(Money)
    deadline: Mapped[date | None] = mapped_column(sa.Date)
    lang: Mapped[str] = mapped_column(sa.String(8), default="zh")

    owner: Mapped[User] = relationship()
    organisation: Mapped[Organisation | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("trl_min IS NULL OR (trl_min BETWEEN 1 AND 9)", name="trl_range"),
        sa.CheckConstraint(
            "budget_min IS NULL OR budget_max IS NULL OR budget_min <= budget_max",
            name="budget_order",
        ),
        sa.CheckConstraint("budget_min IS NULL OR budget_min >= 0", name="budget_non_negative"),
    )
    # optimistic locking: two editors never silently overwrite each other
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    kind = "need"


class Attachment(Base):
    """An uploaded file, stored outside the web root under a random name."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    achievement_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("achievements.id", ondelete="CASCADE"), index=True
    )
    need_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("needs.id", ondelete="CASCADE"), index=True
    )
    original_name: Mapped[str] = mapped_column(sa.String(255))
    storage_key: Mapped[str] = mapped_column(sa.String(100), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    extracted_text: Mapped[str | None] = mapped_column(sa.Text)
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.CheckConstraint(
            "(achievement_id IS NULL) <> (need_id IS NULL)", name="exactly_one_owner"
        ),
    )
