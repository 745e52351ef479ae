"""A conversation (洽谈记录) between the two parties of something and the association's staff.

A conversation hangs off a *subject* named by kind and id ("match" 12, later also an accepted
interest request): who its parties are is the subject's business (a resolver per kind,
registered with `matchmaker.visibility`), so the tables here know nothing of matches.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.db import Base, utcnow
from matchmaker.models._types import enum_type
from matchmaker.models.accounts import User
from matchmaker.models.enums import MeetingProposalState, MessageKind

MATCH_SUBJECT = "match"  # the subject kind of a match's thread


class Conversation(Base):
    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[str] = mapped_column(sa.String(20))
    subject_id: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # the newest message: "no reply for 7 days" in the review queue's attention tab
    last_message_at: Mapped[datetime | None] = mapped_column(index=True)
    # a party said "we reached agreement": staff are asked to record the contract
    agreement_reported_at: Mapped[datetime | None] = mapped_column()
    agreement_reported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation", order_by="Message.id", cascade="all, delete-orphan"
    )
    agreement_reported_by: Mapped[User | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("subject_kind", "subject_id"),)


class Message(Base):
    """A message, or a step shown in the thread (a meeting proposal, an agreement, a contract)."""

    __tablename__ = "conversation_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    # staff write as the association: parties see the association, not the person
    is_from_association: Mapped[bool] = mapped_column(default=False)
    kind: Mapped[MessageKind] = mapped_column(enum_type(MessageKind), default=MessageKind.TEXT)
    body: Mapped[str] = mapped_column(sa.Text, default="")
    meeting_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("conversation_meetings.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")
    author: Mapped[User] = relationship()
    attachments: Mapped[list[MessageAttachment]] = relationship(
        back_populates="message", order_by="MessageAttachment.id", cascade="all, delete-orphan"
    )
    meeting: Mapped[MeetingProposal | None] = relationship()


class MessageAttachment(Base):
    """A file sent in a thread, stored like listing attachments (outside the web root, under a
    random key); only readers of the thread may download it."""

    __tablename__ = "conversation_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversation_messages.id", ondelete="CASCADE"), index=True
    )
    original_name: Mapped[str] = mapped_column(sa.String(255))
    storage_key: Mapped[str] = mapped_column(sa.String(100), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    message: Mapped[Message] = relationship(back_populates="attachments")


class MeetingProposal(Base):
    """A proposed meeting; accepted by the other side, it moves the match to "meeting"."""

    __tablename__ = "conversation_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    proposed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    starts_at: Mapped[datetime] = mapped_column()
    is_online: Mapped[bool] = mapped_column(default=False)
    place: Mapped[str] = mapped_column(sa.String(300), default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    state: Mapped[MeetingProposalState] = mapped_column(
        enum_type(MeetingProposalState), default=MeetingProposalState.PROPOSED
    )
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # two parties answering at once: the second sees a conflict, not a double acceptance
    version: Mapped[int] = mapped_column(default=1)

    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id])
    __mapper_args__ = {"version_id_col": version}


class ConversationReader(Base):
    """What one person has read and been mailed of a thread, and whether they unsubscribed
    from its e-mails (the in-app notification stays)."""

    __tablename__ = "conversation_readers"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    last_read_message_id: Mapped[int] = mapped_column(default=0)
    last_mailed_message_id: Mapped[int] = mapped_column(default=0)
    is_muted: Mapped[bool] = mapped_column(default=False)

    conversation: Mapped[Conversation] = relationship()
    user: Mapped[User] = relationship()

    __table_args__ = (sa.UniqueConstraint("conversation_id", "user_id"),)
