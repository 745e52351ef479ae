"""Roadshows (路演 / 成果推介会): lineup, registrations, check-in, 1:1 meetings, follow-up."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.db import Base, JSONType, utcnow
from matchmaker.models._types import Money, enum_type
from matchmaker.models.accounts import Organisation, User
from matchmaker.models.enums import (
    FollowUpIntent,
    MeetingState,
    RegistrationStatus,
    RoadshowState,
)
from matchmaker.models.listings import Achievement


class Roadshow(Base):
    __tablename__ = "roadshows"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    theme_fields: Mapped[list[str]] = mapped_column(JSONType, default=list)
    region: Mapped[str | None] = mapped_column(sa.String(40))
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    # IANA zone the event is held in; stored instants stay UTC
    timezone: Mapped[str] = mapped_column(sa.String(50), default="Asia/Shanghai")
    venue: Mapped[str | None] = mapped_column(sa.String(300))
    online_url: Mapped[str | None] = mapped_column(sa.String(500))
    capacity: Mapped[int] = mapped_column(default=100)
    presentation_slots: Mapped[int] = mapped_column(default=8)
    registration_deadline: Mapped[datetime | None] = mapped_column()
    # when the 1:1 meetings begin; None: right after the presentations
    meetings_start_at: Mapped[datetime | None] = mapped_column()
    # achievements staff took out of the lineup: a re-run of the recommendation leaves them out
    lineup_removed: Mapped[list[int]] = mapped_column(JSONType, default=list)
    # the lineup (achievement ids) when staff began editing it after publishing; None otherwise
    lineup_snapshot: Mapped[list[int] | None] = mapped_column(JSONType)
    state: Mapped[RoadshowState] = mapped_column(
        enum_type(RoadshowState), default=RoadshowState.PLANNING
    )
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    lineup: Mapped[list[LineupItem]] = relationship(
        back_populates="roadshow", order_by="LineupItem.position", cascade="all, delete-orphan"
    )
    registrations: Mapped[list[Registration]] = relationship(
        back_populates="roadshow", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint("capacity > 0", name="capacity_positive"),
        sa.CheckConstraint("ends_at >= starts_at", name="ends_after_start"),
    )


class LineupItem(Base):
    __tablename__ = "roadshow_lineup"

    id: Mapped[int] = mapped_column(primary_key=True)
    roadshow_id: Mapped[int] = mapped_column(sa.ForeignKey("roadshows.id", ondelete="CASCADE"))
    achievement_id: Mapped[int] = mapped_column(sa.ForeignKey("achievements.id"))
    position: Mapped[int] = mapped_column(default=0)
    is_pinned: Mapped[bool] = mapped_column(default=False)
    covered_need_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)

    roadshow: Mapped[Roadshow] = relationship(back_populates="lineup")
    achievement: Mapped[Achievement] = relationship()

    __table_args__ = (sa.UniqueConstraint("roadshow_id", "achievement_id"),)


class Registration(Base):
    __tablename__ = "roadshow_registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    roadshow_id: Mapped[int] = mapped_column(sa.ForeignKey("roadshows.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))
    name: Mapped[str] = mapped_column(sa.String(100))
    email: Mapped[str] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    # what a public registrant typed; signed-in users have `organisation`
    organisation_name: Mapped[str | None] = mapped_column(sa.String(200))
    status: Mapped[RegistrationStatus] = mapped_column(
        enum_type(RegistrationStatus), default=RegistrationStatus.REGISTERED
    )
    # short code typed at the door when the QR code cannot be scanned
    check_in_code: Mapped[str] = mapped_column(sa.String(12), unique=True)
    checked_in_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    roadshow: Mapped[Roadshow] = relationship(back_populates="registrations")
    user: Mapped[User | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("roadshow_id", "email"),)


class Meeting(Base):
    """A 1:1 meeting between a registered enterprise and a presenting achievement."""

    __tablename__ = "roadshow_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    roadshow_id: Mapped[int] = mapped_column(
        sa.ForeignKey("roadshows.id", ondelete="CASCADE"), index=True
    )
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("roadshow_registrations.id"))
    lineup_item_id: Mapped[int] = mapped_column(sa.ForeignKey("roadshow_lineup.id"))
    match_id: Mapped[int | None] = mapped_column(sa.ForeignKey("matches.id"))
    state: Mapped[MeetingState] = mapped_column(
        enum_type(MeetingState), default=MeetingState.REQUESTED
    )
    slot_index: Mapped[int | None] = mapped_column()
    table_number: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("registration_id", "lineup_item_id"),)


class FollowUp(Base):
    __tablename__ = "roadshow_followups"

    id: Mapped[int] = mapped_column(primary_key=True)
    roadshow_id: Mapped[int] = mapped_column(sa.ForeignKey("roadshows.id", ondelete="CASCADE"))
    meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("roadshow_meetings.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    intent: Mapped[FollowUpIntent] = mapped_column(enum_type(FollowUpIntent))
    contract_value: Mapped[float | None] = mapped_column(Money)
    note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
