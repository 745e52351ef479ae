"""Near-duplicate flags for staff: a pair of listings that read alike."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from matchmaker.db import Base, utcnow
from matchmaker.models._types import enum_type
from matchmaker.models.enums import DuplicateStatus


class DuplicateFlag(Base):
    """Two listings of the same kind from different organisations that read almost the same.

    One row per pair (first_id < second_id), whatever its status: a pair staff called
    "not a duplicate" keeps its row, so it is never flagged again.
    """

    __tablename__ = "duplicate_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    first_id: Mapped[int] = mapped_column()
    second_id: Mapped[int] = mapped_column()
    score: Mapped[float] = mapped_column(sa.Float)
    lexical: Mapped[float] = mapped_column(sa.Float)
    dense: Mapped[float | None] = mapped_column(sa.Float)
    status: Mapped[DuplicateStatus] = mapped_column(
        enum_type(DuplicateStatus), default=DuplicateStatus.OPEN, index=True
    )
    kept_id: Mapped[int | None] = mapped_column()
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("kind", "first_id", "second_id"),
        sa.CheckConstraint("first_id < second_id", name="ordered_pair"),
    )
