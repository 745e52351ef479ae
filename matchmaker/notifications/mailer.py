"""Delivering the outbox through SMTP when a mail server is configured."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matchmaker.config import Settings
from matchmaker.core.numbers import whole_number
from matchmaker.db import utcnow
from matchmaker.models import OutboxMail

log = logging.getLogger(__name__)
BATCH = 100


def _server(setting: str) -> tuple[str, int]:
    host, _, port = setting.rpartition(":")
    number = whole_number(port, maximum=65535)
    return (host, number) if host and number is not None else (setting, 25)


def deliver_pending(session: Session, settings: Settings) -> int:
    """Send unsent mails; each is marked sent only after the server accepted it, so a failure
    leaves it in the outbox for the next run."""
    if not settings.mail_server:
        return 0
    pending = session.scalars(
        sa.select(OutboxMail)
        .where(OutboxMail.sent_at.is_(None))
        .order_by(OutboxMail.id)
        .limit(BATCH)
    ).all()
    if not pending:
        return 0
    host, port = _server(settings.mail_server)
    sent = 0
    with smtplib.SMTP(host, port, timeout=30) as smtp:
        for mail in pending:
            message = EmailMessage()
            message["From"] = settings.mail_sender
            message["To"] = mail.recipient
            message["Subject"] = mail.subject
            message.set_content(mail.body)
            try:
                smtp.send_message(message)
            except smtplib.SMTPRecipientsRefused:
                log.warning("recipient refused: %s", mail.recipient)
                continue
            mail.sent_at = utcnow()
            session.commit()
            sent += 1
    return sent
