"""Organisations and the people who sign in."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.db import Base, utcnow
from matchmaker.models._types import enum_type
from matchmaker.models.enums import OrganisationKind, Role


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), index=True)
    name_en: Mapped[str | None] = mapped_column(sa.String(200))
    kind: Mapped[OrganisationKind] = mapped_column(enum_type(OrganisationKind))
    # 统一社会信用代码: 18 characters, validated with its check digit before it gets here
    credit_code: Mapped[str | None] = mapped_column(sa.String(18), unique=True)
    region: Mapped[str | None] = mapped_column(sa.String(40))
    city: Mapped[str | None] = mapped_column(sa.String(40))
    description: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[User]] = relationship(back_populates="organisation")

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name}>"


STAFF_ROLES = (Role.STAFF, Role.ADMIN)  # admins can do everything staff can


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    name: Mapped[str] = mapped_column(sa.String(100))
    title: Mapped[str | None] = mapped_column(sa.String(100))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    role: Mapped[Role] = mapped_column(enum_type(Role), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column()

    organisation: Mapped[Organisation | None] = relationship(back_populates="members")

    __table_args__ = (sa.CheckConstraint("email = lower(email)", name="email_lowercase"),)

    # rotated at sign-out; see get_id
    session_token: Mapped[str | None] = mapped_column(
        sa.String(32), default=lambda: secrets.token_hex(16)
    )

    # the protocol session managers (e.g. Flask-Login) expect of a signed-in user
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        # the session and remember-me cookies carry the token too: a new token (sign-out)
        # turns every copy of an old cookie into a stranger's
        return f"{self.id}:{self.session_token or ''}"

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_active_staff(self) -> bool:
        return self.is_staff and self.is_active

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"
