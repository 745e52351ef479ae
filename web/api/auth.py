"""Bearer-token authentication for API views; the user is in `g.api_user`."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, g, request

from matchmaker.accounts import api_tokens
from matchmaker.models import User
from web import db
from web.api.errors import json_error

F = TypeVar("F", bound=Callable[..., Any])


def bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def token_required(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        secret = bearer_secret()
        if secret is None:
            return json_error(401, "missing_token")
        s = db.session()
        limit = current_app.config["MATCHMAKER_SETTINGS"].api_rate_limit
        try:
            user = api_tokens.authenticate(s, secret, limit)
        except api_tokens.RateLimited as exc:
            s.commit()
            response = json_error(429, "rate_limited", extra={"retry_after": exc.retry_after})
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        if user is None:
            s.rollback()
            return json_error(401, "invalid_token")
        s.commit()  # keeps last_used_at
        g.api_user = user
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def api_user() -> User:
    user: User = g.api_user
    return user
