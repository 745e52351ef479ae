"""Signed links that work without signing in (renewal, unsubscribe).

Each purpose has its own salt, so a token made for one purpose is worthless for another, and
the payload names the user it was made for: a link cannot be edited to act for someone else.
"""

from __future__ import annotations

from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

from matchmaker.core.errors import ValidationFailed

RENEWAL = "listing-renewal"
UNSUBSCRIBE = "saved-search-unsubscribe"
REGISTRATION = "roadshow-registration"  # confirm, see the ticket, cancel: without an account
CONVERSATION_UNSUBSCRIBE = "conversation-unsubscribe"  # one thread's e-mail digest
EXPERT_INVITATION = "expert-invitation"  # an invited expert confirms their profile
# long enough for a reminder read late; an unsubscribe link must keep working for months
MAX_AGE_DAYS = {
    RENEWAL: 60,
    UNSUBSCRIBE: 400,
    REGISTRATION: 400,
    CONVERSATION_UNSUBSCRIBE: 400,
    EXPERT_INVITATION: 30,
}


def sign(secret: str, purpose: str, payload: dict[str, Any]) -> str:
    return URLSafeTimedSerializer(secret, salt=purpose).dumps(payload)


def read(secret: str, purpose: str, token: str) -> dict[str, Any]:
    """The payload of a genuine, unexpired token; ValidationFailed("token_invalid") otherwise."""
    serializer = URLSafeTimedSerializer(secret, salt=purpose)
    try:
        payload = serializer.loads(token, max_age=MAX_AGE_DAYS[purpose] * 86400)
    except BadSignature as exc:  # also covers SignatureExpired
        raise ValidationFailed("token_invalid") from exc
    if not isinstance(payload, dict):
        raise ValidationFailed("token_invalid")
    return payload
