"""Saved searches: a query or a need whose new results are sent as digests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.db import Base, JSONType, utcnow
from matchmaker.models._types import enum_type
from matchmaker.models.accounts import User
from matchmaker.models.enums import DigestFrequency


class SavedSearch(Base):
    """A search a user wants to hear about: query text + facets, or "achievements for my need"
    (need_id set: created when the need is published, on by default)."""

    __tablename__ = "saved_searches"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(20))  # what it finds: achievement or need
    query: Mapped[str] = mapped_column(sa.Text, default="")
    facets: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    frequency: Mapped[DigestFrequency] = mapped_column(
        enum_type(DigestFrequency), default=DigestFrequency.DAILY
    )
    need_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("needs.id", ondelete="CASCADE"), unique=True
    )
    active: Mapped[bool] = mapped_column(default=True)
    # listings published or updated after this are "new" for the next digest
    last_run_at: Mapped[datetime | None] = mapped_column()
    # what the last digest listed, shown in the app: [{"kind", "id", "title", "terms"}]
    last_digest: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()

    __table_args__ = (sa.Index("ix_saved_searches_active_frequency", "active", "frequency"),)
