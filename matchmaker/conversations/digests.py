"""E-mail digests of new messages: one mail per person per run, covering all their threads,
never one mail per message. Each thread in it has a link that stops that thread's mails.

A reader is mailed what others wrote after what they last read or were last mailed, only while
they may still read the thread (checked again here), and never what they wrote themselves.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matchmaker import visibility
from matchmaker.config import Settings
from matchmaker.conversations import operations, subjects
from matchmaker.models import ConversationReader, Message, MessageKind, OutboxMail, User
from matchmaker.notifications import notify

EXCERPT = 200  # characters of a message quoted in the mail
MAX_PER_THREAD = 5

MAIL_TEXT: dict[str, tuple[str, str]] = {
    "subject": ("[科创对接] 您有 {count} 条新的洽谈消息", "[TechMatch] {count} new messages"),
    "intro": ("您参与的洽谈有新消息：", "There are new messages in your conversations:"),
    "thread": ("关于「{title}」（{count} 条新消息）", "About “{title}” ({count} new)"),
    "more": ("……另有 {count} 条，请在网站上查看。", "… and {count} more on the site."),
    "open": ("查看洽谈：{link}", "Open the conversation: {link}"),
    "unsubscribe": (
        "不再接收此洽谈的邮件（无需登录）：{link}",
        "Stop e-mails for this conversation (no sign-in): {link}",
    ),
    "association": ("科协", "The association"),
    "step": ("（洽谈进展，请在网站上查看）", "(a step in the conversation: see the site)"),
}


@dataclass
class DigestReport:
    mailed: int = 0
    messages: int = 0
    per_user: dict[int, list[int]] = field(default_factory=dict)  # user → message ids mailed


def _t(key: str, english: bool, **params: Any) -> str:
    zh, en = MAIL_TEXT[key]
    return (en if english else zh).format(**params)


def _author(message: Message, english: bool) -> str:
    if message.is_from_association:
        return _t("association", english)
    return message.author.name


def _line(message: Message, english: bool) -> str:
    if message.kind != MessageKind.TEXT:
        return f"- {_author(message, english)}: {_t('step', english)}"
    text = " ".join(message.body.split())
    if len(text) > EXCERPT:
        text = text[:EXCERPT] + "…"
    return f"- {_author(message, english)}: {text}"


def run(session: Session, settings: Settings) -> DigestReport:
    """Mail every reader what is new for them; marks what was mailed in the same transaction
    as the outbox rows, so running twice sends nothing twice."""
    report = DigestReport()
    rows = session.execute(
        sa.select(ConversationReader, Message)
        .join(Message, Message.conversation_id == ConversationReader.conversation_id)
        .where(
            ConversationReader.is_muted.is_(False),
            Message.author_id != ConversationReader.user_id,
            Message.id > ConversationReader.last_read_message_id,
            Message.id > ConversationReader.last_mailed_message_id,
        )
        .order_by(ConversationReader.user_id, ConversationReader.conversation_id, Message.id)
    ).all()
    by_user: dict[int, dict[int, tuple[ConversationReader, list[Message]]]] = defaultdict(dict)
    for reader, message in rows:
        entry = by_user[reader.user_id].setdefault(reader.conversation_id, (reader, []))
        entry[1].append(message)
    for user_id, threads in by_user.items():
        user = session.get(User, user_id)
        sections: list[tuple[ConversationReader, list[Message]]] = []
        for reader, messages in threads.values():
            newest = max(m.id for m in messages)
            reader.last_mailed_message_id = newest  # also when not allowed: never retried
            if user is None or not user.is_active or not user.email:
                continue
            if not visibility.can_read_conversation(user, reader.conversation):
                continue  # no longer a reader: not a word of the thread reaches them
            sections.append((reader, messages))
        if user is None or not sections:
            continue
        session.add(_mail(session, settings, user, sections))
        report.mailed += 1
        mailed = [m.id for _, messages in sections for m in messages]
        report.messages += len(mailed)
        report.per_user[user.id] = mailed
    session.flush()
    return report


def _mail(
    session: Session,
    settings: Settings,
    user: User,
    sections: list[tuple[ConversationReader, list[Message]]],
) -> OutboxMail:
    english = (user.locale or "zh").startswith("en")
    count = sum(len(messages) for _, messages in sections)
    lines = [_t("intro", english), ""]
    for reader, messages in sections:
        conversation = reader.conversation
        about = subjects.about_for(session, conversation, user)
        title = (
            notify.title_params(user, about).get("title") if about is not None else None
        ) or notify.HIDDEN_TITLE["en" if english else "zh"]
        lines.append(_t("thread", english, title=title, count=len(messages)))
        lines += [_line(m, english) for m in messages[-MAX_PER_THREAD:]]
        if len(messages) > MAX_PER_THREAD:
            lines.append(_t("more", english, count=len(messages) - MAX_PER_THREAD))
        lines.append(_t("open", english, link=settings.site_url + operations.link(conversation)))
        lines.append(
            _t(
                "unsubscribe",
                english,
                link=settings.site_url + operations.unsubscribe_link(settings, user, conversation),
            )
        )
        lines.append("")
    return OutboxMail(
        recipient=user.email,
        subject=_t("subject", english, count=count)[:300],
        body="\n".join(lines),
    )
