"""Flask application factory: a thin web layer over matchmaker's services."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, g, render_template, request
from flask_login import current_user
from werkzeug.routing import IntegerConverter
from werkzeug.wrappers import Response

from indexer import bilingual
from matchmaker import logs, runtime
from matchmaker.accounts import operations as accounts
from matchmaker.config import Settings
from matchmaker.core.numbers import MAX_ID
from matchmaker.models import User

HERE = Path(__file__).parent


class DatabaseId(IntegerConverter):
    """`<int:…>` in every route: beyond 2⁶³ − 1 the database cannot look it up, so 404."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def create_app(settings: Settings | None = None, **flask_overrides: Any) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(__name__, instance_path=str(settings.instance_dir))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.upload_max_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_DURATION=timedelta(days=30),
        REMEMBER_COOKIE_SECURE=settings.session_cookie_secure,
        BABEL_DEFAULT_LOCALE=settings.default_locale,
        BABEL_TRANSLATION_DIRECTORIES=str(HERE / "translations"),
        BABEL_DEFAULT_TIMEZONE="Asia/Shanghai",
        WTF_CSRF_TIME_LIMIT=None,
        MATCHMAKER_SETTINGS=settings,
    )
    app.config.update(flask_overrides)
    settings.instance_dir.mkdir(parents=True, exist_ok=True)

    # before the blueprints: every <int:…> in a route takes only ids the database can hold
    app.url_map.converters["int"] = DatabaseId
    register_extensions(app, settings)
    register_blueprints(app)
    register_error_handlers(app)
    register_security_headers(app)
    register_request_log(app, settings)
    return app


def register_extensions(app: Flask, settings: Settings) -> None:
    from web import db, i18n
    from web.extensions import babel, csrf, login_manager

    db.init_app(app, runtime.configure(settings))
    if settings.search_enabled:
        # the dictionaries are kept for the process's life: full collections skip them after
        bilingual.warm_in_background(then=runtime.settle_long_lived_objects)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    from flask_babel import lazy_gettext

    login_manager.login_message = lazy_gettext("Please sign in to see this page.")

    @login_manager.user_loader
    def _load_user(session_id: str) -> User | None:
        return accounts.user_for_session(db.session(), session_id)


def register_blueprints(app: Flask) -> None:
    from web.admin import bp as admin_bp
    from web.api import bp as api_bp
    from web.api_docs import bp as api_docs_bp
    from web.api_tokens import bp as api_tokens_bp
    from web.auth import bp as auth_bp
    from web.conversations import bp as conversations_bp
    from web.duplicates import bp as duplicates_bp
    from web.experts import bp as experts_bp
    from web.health import bp as health_bp
    from web.interest import bp as interest_bp
    from web.listings import bp as listings_bp
    from web.main import bp as main_bp
    from web.notifications import bp as notifications_bp
    from web.notifications.views import init_app as init_notifications
    from web.review import bp as review_bp
    from web.roadshows import bp as roadshows_bp
    from web.saved_searches import bp as saved_searches_bp
    from web.search import bp as search_bp
    from web.submissions import bp as submissions_bp

    blueprints = (
        main_bp,
        auth_bp,
        listings_bp,
        search_bp,
        submissions_bp,
        review_bp,
        roadshows_bp,
        interest_bp,
        conversations_bp,
        experts_bp,
        notifications_bp,
        admin_bp,
        saved_searches_bp,
        duplicates_bp,
        health_bp,
        api_bp,
        api_docs_bp,
        api_tokens_bp,
    )
    for bp in blueprints:
        app.register_blueprint(bp)
    from web.extensions import csrf

    csrf.exempt(api_bp)  # bearer tokens, no cookies: nothing for a forged request to ride on
    init_notifications(app)


def register_error_handlers(app: Flask) -> None:
    from werkzeug.exceptions import HTTPException

    from web.api.errors import from_exception, is_api_request, json_error

    pages = (403, 404, 413, 500)  # the codes with a page of their own

    def render_error(code: int) -> tuple[str, int] | Response:
        if is_api_request():
            return json_error(code)
        return render_template(f"errors/{code}.html"), code

    def handle(exc: HTTPException) -> tuple[str, int] | Response | HTTPException:
        if is_api_request():
            return from_exception(exc)
        return render_error(exc.code or 500) if exc.code in pages else exc

    for code in (400, 403, 404, 405, 413, 500):
        app.register_error_handler(code, handle)

    from flask_wtf.csrf import CSRFError

    app.register_error_handler(CSRFError, lambda _e: render_error(400))


def register_request_log(app: Flask, settings: Settings) -> None:
    """One line per request: method, path, status, time taken, who (ids only, no personal data)."""
    if not app.testing:  # under pytest, its own capture handles the records
        logs.configure(settings.log_format)
    log = logging.getLogger("matchmaker.request")

    @app.before_request
    def _start_clock() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_request(response: Response) -> Response:
        started = g.get("request_started")
        if started is not None and request.endpoint != "static":
            # the id only: get_id() also holds the session token, which must not reach logs
            user = current_user.id if current_user and current_user.is_authenticated else None
            log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "fields": {
                        "method": request.method,
                        "path": request.path,
                        "endpoint": request.endpoint,
                        "status": response.status_code,
                        "ms": round((time.perf_counter() - started) * 1000, 1),
                        "user_id": user,
                    }
                },
            )
        return response


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        # Everything is served by the app itself, so the policy can forbid other origins.
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response
