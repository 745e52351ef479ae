"""Language choice and labels for closed vocabularies."""

from __future__ import annotations

import re
from datetime import datetime

from flask import Flask, request, session
from flask_babel import format_date, get_locale, gettext
from flask_login import current_user
from markupsafe import Markup, escape

from matchmaker import taxonomy

SUPPORTED_LOCALES = ("zh", "en")
LOCALE_NAMES = {"zh": "简体中文", "en": "English"}


def select_locale() -> str:
    requested = request.args.get("lang")
    if requested in SUPPORTED_LOCALES:
        return requested
    chosen = session.get("lang")
    if chosen in SUPPORTED_LOCALES:
        return str(chosen)
    if current_user.is_authenticated and current_user.locale in SUPPORTED_LOCALES:
        return str(current_user.locale)
    # Chinese first: only a browser that prefers English over Chinese gets English
    best = request.accept_languages.best_match(["zh", "zh-CN", "en"], default="zh")
    return "en" if best and best.startswith("en") else "zh"


def highlight(value: object, terms: list[str]) -> Markup:
    """Escape the text, then wrap each shared term in <mark> (terms are escaped too)."""
    html = str(escape(str(value or "")))
    wanted = sorted({str(escape(t)) for t in terms if t}, key=len, reverse=True)
    if not wanted:
        return Markup(html)
    # one pass with alternation, longest first, so marks never nest or split entities
    pattern = re.compile("|".join(re.escape(t) for t in wanted), re.IGNORECASE)
    return Markup(pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", html))


def current_locale() -> str:
    locale = get_locale()
    return locale.language if locale else "zh"


def term_label(vocabulary: dict[str, taxonomy.Term], code: str | None) -> str:
    """A vocabulary code in the reader's language (templates use the *_label filters)."""
    return taxonomy.label(vocabulary, code, current_locale())


def local_date(value: datetime | None) -> str:
    """A stored UTC time as the association's calendar date (BABEL_DEFAULT_TIMEZONE)."""
    return format_date(value, "yyyy-MM-dd") if value else ""


def init_app(app: Flask) -> None:
    def vocab_filter(vocabulary: dict[str, taxonomy.Term]):  # type: ignore[no-untyped-def]
        return lambda code: term_label(vocabulary, code)

    app.jinja_env.filters["field_label"] = vocab_filter(taxonomy.FIELDS)
    app.jinja_env.filters["mode_label"] = vocab_filter(taxonomy.COOPERATION_MODES)
    app.jinja_env.filters["ip_label"] = vocab_filter(taxonomy.IP_TYPES)
    app.jinja_env.filters["org_kind_label"] = vocab_filter(taxonomy.ORGANISATION_KINDS)
    app.jinja_env.filters["offer_label"] = vocab_filter(taxonomy.EXPERT_OFFERS)
    app.jinja_env.filters["availability_label"] = vocab_filter(taxonomy.EXPERT_AVAILABILITY)
    app.jinja_env.filters["trl_label"] = lambda level: (
        taxonomy.TRL_LEVELS[level].label(current_locale()) if level in taxonomy.TRL_LEVELS else ""
    )

    from flask_babel import format_datetime

    from matchmaker.matching import scoring
    from web.interest import labels as interest_labels
    from web.messages import (
        check_label,
        check_result_label,
        health_label,
        job_state_label,
        match_state_label,
        money_range,
        reason_label,
        role_label,
        state_label,
    )

    app.jinja_env.filters["datetimeformat"] = lambda value: (
        format_datetime(value, "yyyy-MM-dd HH:mm") if value else ""
    )
    app.jinja_env.filters["dateformat"] = local_date
    app.jinja_env.filters["highlight"] = highlight
    app.jinja_env.globals.update(
        state_label=state_label,
        role_label=role_label,
        money_range=money_range,
        match_state_label=match_state_label,
        job_state_label=job_state_label,
        health_label=health_label,
        check_label=check_label,
        check_result_label=check_result_label,
        reason_label=reason_label,
        match_strength=scoring.strength,
        shown_title=shown_title,
        protected_open=protected_open,
        interest_state_label=interest_labels.state_label,
    )

    @app.context_processor
    def _inject_locale() -> dict[str, object]:
        return {
            "current_locale": current_locale(),
            "locale_names": LOCALE_NAMES,
            "html_lang": "en" if current_locale() == "en" else "zh-CN",
        }


def protected_open(listing: object, part: str) -> bool:
    """Whether the reader may see a part the owner kept for after an agreement (the visibility
    rule decides)."""
    from matchmaker import visibility

    viewer = current_user if current_user.is_authenticated else None
    return visibility.can_see_protected(viewer, listing, part)  # type: ignore[arg-type]


def shown_title(listing: object) -> str:
    """A listing's title as the signed-in reader may see it (the visibility rule decides)."""
    from matchmaker import visibility

    viewer = current_user if current_user.is_authenticated else None
    if listing is not None and visibility.can_see(viewer, listing):  # type: ignore[arg-type]
        return str(listing.title)  # type: ignore[attr-defined]
    return gettext("(confidential: ask the association)")
