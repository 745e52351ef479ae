"""In-app notifications and e-mail through the outbox.

Messages are stored as a key plus parameters and rendered in the reader's language when shown,
so a notification written by the worker reads right in Chinese and in English.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from matchmaker.models import Notification, OutboxMail, User

# key → (Chinese, English); parameters in {braces}
TEMPLATES: dict[str, tuple[str, str]] = {
    "listing_published": (
        "您提交的「{title}」已审核通过并发布。",
        "“{title}” has been approved and published.",
    ),
    "listing_returned": (
        "您提交的「{title}」被退回修改：{comment}",
        "“{title}” was returned for changes: {comment}",
    ),
    "listing_submitted": ("新的待审核内容：「{title}」", "New submission to review: “{title}”"),
    "match_introduced": (
        "科协为您推荐了对接对象：「{title}」",
        "A match was introduced to you: “{title}”",
    ),
    "match_response": (
        "「{title}」的对接方回复：{response}",
        "A party replied on “{title}”: {response}",
    ),
    "match_assigned": (
        "您被指派跟进对接：「{title}」",
        "You were assigned the match for “{title}”",
    ),
    "stuck_digest": (
        "待跟进提醒：您负责的 {mine} 个对接、未指派的 {unassigned} 个对接"
        "已超过 {days} 天没有进展。",
        "Needs attention: {mine} of your matches and {unassigned} unassigned ones have not moved "
        "for more than {days} days.",
    ),
    "import_finished": (
        "批量导入完成：{imported} 项已导入，{failed} 行未导入。",
        "Bulk import finished: {imported} imported, {failed} rows not imported.",
    ),
}


def render(key: str, params: dict[str, Any], locale: str) -> str:
    zh, en = TEMPLATES.get(key, (key, key))
    template = en if locale.startswith("en") else zh
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template


def notify(
    session: Session,
    user: User,
    key: str,
    link: str | None = None,
    *,
    email: bool = True,
    **params: Any,
) -> Notification:
    """Tell `user` something: always in the app, and by e-mail unless `email=False`."""
    note = Notification(user_id=user.id, message_key=key, params=params, link=link)
    session.add(note)
    if email and user.email:
        locale = user.locale or "zh"
        text = render(key, params, locale)
        subject = ("[科创对接] " if not locale.startswith("en") else "[TechMatch] ") + text[:80]
        session.add(
            OutboxMail(
                recipient=user.email, subject=subject, body=text + (f"\n\n{link}" if link else "")
            )
        )
    return note
