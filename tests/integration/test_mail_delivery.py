"""The outbox is delivered to a real SMTP server (aiosmtpd on loopback)."""

from __future__ import annotations

import socket
from dataclasses import replace

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from matchmaker.models import OutboxMail
from matchmaker.notifications import mailer

pytestmark = pytest.mark.integration


class Collect(Message):
    def __init__(self) -> None:
        super().__init__()
        self.received = []

    def handle_message(self, message) -> None:
        self.received.append(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_outbox_is_sent_once_and_marked(session, settings) -> None:
    handler = Collect()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        session.add(
            OutboxMail(
                recipient="li@example.com", subject="[科创对接] 已发布", body="您提交的成果已发布。"
            )
        )
        session.commit()
        configured = replace(settings, mail_server=f"127.0.0.1:{port}")
        assert mailer.deliver_pending(session, configured) == 1
        assert mailer.deliver_pending(session, configured) == 0  # nothing sent twice
    finally:
        controller.stop()
    assert len(handler.received) == 1
    message = handler.received[0]
    assert message["To"] == "li@example.com"
    assert "已发布" in str(message["Subject"]) or "=?utf-8?" in str(message["Subject"])
    assert session.query(OutboxMail).one().sent_at is not None


def test_without_a_server_mail_stays_in_the_outbox(session, settings) -> None:
    session.add(OutboxMail(recipient="li@example.com", subject="s", body="b"))
    session.commit()
    assert mailer.deliver_pending(session, settings) == 0
    assert session.query(OutboxMail).one().sent_at is None
