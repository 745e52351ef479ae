"""Proposed achievement–need pairs and everything that happens to them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.db import Base, JSONType, utcnow
from matchmaker.models._types import Money, enum_type
from matchmaker.models.accounts import User
from matchmaker.models.enums import MatchState
from matchmaker.models.experts import ExpertProfile
from matchmaker.models.listings import Achievement, Need


class Match(Base):
    __tablename__ = "matches"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id", ondelete="CASCADE"))
    # exactly one of the two: an achievement for the need, or an expert who could help with it
    # (issue 22: experts go through the same review queue and pipeline as achievements)
    achievement_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("achievements.id", ondelete="CASCADE"), index=True
    )
    expert_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("expert_profiles.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[float] = mapped_column(sa.Float, index=True)
    # e.g. {"lexical": .., "dense": .., "fusion": .., "field": .., "trl": ..}
    components: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    explanation: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    state: Mapped[MatchState] = mapped_column(
        enum_type(MatchState), default=MatchState.PROPOSED, index=True
    )
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    reject_reason: Mapped[str | None] = mapped_column(sa.String(40))
    reject_note: Mapped[str | None] = mapped_column(sa.Text)
    drop_reason: Mapped[str | None] = mapped_column(sa.String(40))
    contract_value: Mapped[float | None] = mapped_column(Money)
    signed_on: Mapped[date | None] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    state_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # when staff first approved or rejected it: "time to first decision" on the dashboard
    first_decided_at: Mapped[datetime | None] = mapped_column()
    version: Mapped[int] = mapped_column(default=1)

    need: Mapped[Need] = relationship()
    achievement: Mapped[Achievement] = relationship()  # None when the match is an expert's
    expert: Mapped[ExpertProfile | None] = relationship()
    assignee: Mapped[User | None] = relationship()
    events: Mapped[list[MatchEvent]] = relationship(
        back_populates="match", order_by="MatchEvent.id", cascade="all, delete-orphan"
    )

    @property
    def kind(self) -> str:
        """What the need is paired with: "achievement" or "expert"."""
        return "expert" if self.expert_id is not None else "achievement"

    def move_to(
        self, target: MatchState, actor: User | None, note: str | None = None
    ) -> MatchEvent:
        """The one way a match changes state: the state, its timestamps and the history entry.
        Who may move it where is decided by the callers' rules (review.pipeline for people,
        the matcher for its own proposals), not here."""
        previous = self.state
        now = utcnow()
        self.state = target
        self.state_changed_at = now
        if previous == MatchState.PROPOSED and actor is not None and self.first_decided_at is None:
            self.first_decided_at = now  # a person's first decision (dashboard); not the matcher's
        return MatchEvent(match=self, actor=actor, from_state=previous, to_state=target, note=note)

    def record(self, actor: User | None, note: str) -> MatchEvent:
        """A history entry that leaves the state as it is (a note, an assignment, an answer)."""
        return MatchEvent(
            match=self, actor=actor, from_state=self.state, to_state=self.state, note=note
        )

    # One row per pair: re-matching upserts, and a rejected pair is never proposed again.
    # The queue lists one state ordered by score: one index serves filter, order and keyset paging.
    __table_args__ = (
        sa.UniqueConstraint("need_id", "achievement_id"),
        sa.UniqueConstraint("need_id", "expert_id"),
        sa.CheckConstraint(
            "(achievement_id IS NULL) <> (expert_id IS NULL)", name="achievement_or_expert"
        ),
        sa.Index("ix_matches_state_score_id", "state", "score", "id"),
        # the queue's other sorts: newest/oldest and longest waiting
        sa.Index("ix_matches_state_created_id", "state", "created_at", "id"),
        sa.Index("ix_matches_state_changed_id", "state", "state_changed_at", "id"),
    )
    __mapper_args__ = {"version_id_col": version}


class MatchEvent(Base):
    """History of a match: who moved it from which state to which, and why."""

    __tablename__ = "match_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(
        sa.ForeignKey("matches.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    from_state: Mapped[MatchState | None] = mapped_column(enum_type(MatchState))
    to_state: Mapped[MatchState | None] = mapped_column(enum_type(MatchState))
    note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    match: Mapped[Match] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
