"""Expertise profiles (专家档案): people who can help an enterprise, with or without a listing."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.db import Base, JSONType, utcnow
from matchmaker.models._types import enum_type
from matchmaker.models.accounts import User
from matchmaker.models.enums import ExpertState, Visibility


class ExpertProfile(Base):
    __tablename__ = "expert_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    # the expert's own account; None while an invited expert has not confirmed
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), unique=True
    )
    name: Mapped[str] = mapped_column(sa.String(100))
    title: Mapped[str | None] = mapped_column(sa.String(100))  # 职称
    organisation_name: Mapped[str] = mapped_column(sa.String(200), default="")
    region: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    fields: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # research directions in the expert's own words: the main text matched against needs
    directions: Mapped[str] = mapped_column(sa.Text, default="")
    # representative achievements: ids of the expert's own achievement listings
    achievement_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    publications: Mapped[str] = mapped_column(sa.Text, default="")
    offers: Mapped[list[str]] = mapped_column(JSONType, default=list)
    availability: Mapped[str | None] = mapped_column(sa.String(20))
    visibility: Mapped[Visibility] = mapped_column(enum_type(Visibility), default=Visibility.PUBLIC)
    state: Mapped[ExpertState] = mapped_column(
        enum_type(ExpertState), default=ExpertState.INVITED, index=True
    )
    # contact details: shown to staff and the expert only ("contact through the association")
    email: Mapped[str | None] = mapped_column(sa.String(254), index=True)
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    invited_at: Mapped[datetime | None] = mapped_column()
    confirmed_at: Mapped[datetime | None] = mapped_column()
    published_at: Mapped[datetime | None] = mapped_column()

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])

    kind = "expert"
