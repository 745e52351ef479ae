"""Expertise profiles (专家档案): people who can help an enterprise, with or without a listing."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.db import Base, JSONType, utcnow
from matchmaker.models._types import Money, enum_type
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


class ServiceTeam(Base):
    """An expert service team (专家服务团) sent to a district, park or theme."""

    __tablename__ = "expert_teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    region: Mapped[str | None] = mapped_column(sa.String(40), index=True)  # province
    area: Mapped[str] = mapped_column(sa.String(200), default="")  # district or park, free text
    theme_fields: Mapped[list[str]] = mapped_column(JSONType, default=list)
    size: Mapped[int] = mapped_column(default=5)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[ServiceTeamMember]] = relationship(
        back_populates="team", order_by="ServiceTeamMember.id", cascade="all, delete-orphan"
    )
    visits: Mapped[list[ServiceVisit]] = relationship(
        back_populates="team", order_by="ServiceVisit.visit_on", cascade="all, delete-orphan"
    )


class ServiceTeamMember(Base):
    __tablename__ = "expert_team_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(
        sa.ForeignKey("expert_teams.id", ondelete="CASCADE"), index=True
    )
    expert_id: Mapped[int] = mapped_column(
        sa.ForeignKey("expert_profiles.id", ondelete="CASCADE"), index=True
    )
    # chosen by staff (kept when the recommendation runs again), not by the recommender
    is_pinned: Mapped[bool] = mapped_column(default=False)
    covered_need_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)

    team: Mapped[ServiceTeam] = relationship(back_populates="members")
    expert: Mapped[ExpertProfile] = relationship()

    __table_args__ = (sa.UniqueConstraint("team_id", "expert_id"),)


class ServiceVisit(Base):
    """One visit of a team: when, which enterprises, and what came of it."""

    __tablename__ = "expert_team_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(
        sa.ForeignKey("expert_teams.id", ondelete="CASCADE"), index=True
    )
    visit_on: Mapped[date] = mapped_column(sa.Date)
    enterprises: Mapped[list[str]] = mapped_column(JSONType, default=list)
    problems_solved: Mapped[int] = mapped_column(default=0)
    followup_needs: Mapped[int] = mapped_column(default=0)
    contracts: Mapped[int] = mapped_column(default=0)
    contract_value: Mapped[float | None] = mapped_column(Money)
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    team: Mapped[ServiceTeam] = relationship(back_populates="visits")

    __table_args__ = (
        sa.CheckConstraint(
            "problems_solved >= 0 AND followup_needs >= 0 AND contracts >= 0",
            name="counts_non_negative",
        ),
    )
