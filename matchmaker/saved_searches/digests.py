"""Digests of saved searches: which new listings match, ranked and explained, sent in-app and
by e-mail with a link that unsubscribes without signing in.

"New" means published after the search's previous run. Query searches go through the same
retrieval and fusion as the search page and the matcher (matching/retrieval.py), once per
distinct (kind, query, facets, audience) however many users saved it; a need's own alert is
ranked by the matcher itself (ranker.for_listing) with the matcher's shared terms.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from indexer import text
from matchmaker import visibility
from matchmaker.config import Settings
from matchmaker.db import utcnow
from matchmaker.matching import explain, ranker
from matchmaker.models import (
    DigestFrequency,
    ListingState,
    Need,
    OutboxMail,
    SavedSearch,
    User,
)
from matchmaker.notifications import notify
from matchmaker.saved_searches import operations as saved_searches
from matchmaker.search import query as search_query
from matchmaker.search.documents import KINDS, Listing, filters_for, listing_text, parse_doc_id
from matchmaker.search.engine import SearchEngine
from matchmaker.search.retrieval import retrieve

PERIOD = {DigestFrequency.DAILY: timedelta(days=1), DigestFrequency.WEEKLY: timedelta(days=7)}
# beat fires once a day at a fixed hour; a run that starts a little early still counts
SLACK = timedelta(hours=2)
MAX_ITEMS = 10
COMMIT_EVERY = 200

MAIL_TEXT: dict[str, tuple[str, str]] = {
    "subject": (
        "[科创对接] 订阅「{name}」有 {count} 条新结果",
        "[TechMatch] {count} new for “{name}”",
    ),
    "intro": ("您订阅的「{name}」有以下新结果：", "New results for your saved search “{name}”:"),
    "why": ("匹配原因：{terms}", "Why matched: {terms}"),
    "manage": ("管理全部订阅：{link}", "Manage your saved searches: {link}"),
    "unsubscribe": (
        "退订此订阅（无需登录）：{link}",
        "Unsubscribe from this one (no sign-in): {link}",
    ),
}


@dataclass
class DigestItem:
    kind: str
    id: int
    title: str
    terms: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "title": self.title, "terms": self.terms}


@dataclass
class RunReport:
    searched: int = 0  # saved searches that were due
    retrievals: int = 0  # distinct searches actually run against the index
    sent: int = 0
    items: int = 0
    seconds: float = 0.0
    per_search: dict[int, list[DigestItem]] = field(default_factory=dict)


def is_due(saved: SavedSearch, now: datetime) -> bool:
    return saved.last_run_at is None or now - saved.last_run_at >= PERIOD[saved.frequency] - SLACK


def cutoff(saved: SavedSearch) -> datetime:
    return saved.last_run_at or saved.created_at


def _is_new(listing: Listing, since: datetime) -> bool:
    # content changes only in draft/returned and reach readers by publishing again, so the
    # publication time covers both "new" and "updated"; renewals do not count as news
    return (
        listing.state == ListingState.PUBLISHED
        and listing.published_at is not None
        and listing.published_at > since
    )


def _fresh(session: Session, kind: str, since: datetime) -> dict[int, Listing]:
    model = KINDS[kind]
    rows = session.scalars(
        sa.select(model).where(model.state == ListingState.PUBLISHED, model.published_at > since)
    ).all()
    return {row.id: row for row in rows}


def _audience(user: User) -> str:
    return "staff" if user.is_staff else "member"


def _group_key(saved: SavedSearch, user: User) -> tuple[str, str, str, str]:
    facets = json.dumps(saved.facets or {}, sort_keys=True)
    return (saved.kind, text.normalise(saved.query), facets, _audience(user))


class _Terms:
    """Why-matched terms for a query, tokenising each listing once per run."""

    def __init__(self) -> None:
        self._texts: dict[tuple[str, int], str] = {}
        self._tokens: dict[tuple[str, int], set[str]] = {}

    def __call__(self, query: str, listing: Listing, facets: dict[str, Any]) -> list[str]:
        if not query:
            # a facets-only search: the chosen facets are the reason
            return [str(facets[name]) for name in ("field", "region", "mode") if facets.get(name)]
        key = (listing.kind, listing.id)
        if key not in self._texts:
            self._texts[key] = listing_text(listing).compose()
            self._tokens[key] = set(text.lexical_tokens(self._texts[key]))
        terms = explain.shared_terms(query, self._texts[key])
        if not terms:
            wanted = set(text.lexical_tokens(query))
            terms = sorted(wanted & self._tokens[key], key=len, reverse=True)[:8]
        return terms


def _query_items(
    saved: SavedSearch,
    user: User,
    ranked_ids: list[int],
    fresh: dict[int, Listing],
    terms_for: _Terms,
    confident: set[int] | None = None,
) -> list[DigestItem]:
    """`confident`: the listings of medium relevance or more to the query (None: a
    facets-only search, where every listing with the facets counts)."""
    since = cutoff(saved)
    items: list[DigestItem] = []
    for listing_id in ranked_ids:
        listing = fresh.get(listing_id)
        if listing is None or not _is_new(listing, since) or listing.owner_id == user.id:
            continue
        if confident is not None and listing_id not in confident:
            continue  # weakly related: not worth a mail
        if not visibility.can_see(user, listing):
            continue
        terms = terms_for(saved.query, listing, saved.facets or {})
        if not terms:
            continue  # nothing to show as the reason: not a match worth a mail
        items.append(DigestItem(listing.kind, listing.id, listing.title, terms))
        if len(items) >= MAX_ITEMS:
            break
    return items


def _need_items(
    session: Session, engine: SearchEngine, saved: SavedSearch, now: datetime
) -> list[DigestItem]:
    need = session.get(Need, saved.need_id)
    if need is None or need.state != ListingState.PUBLISHED:
        return []  # an expired or archived need has no alert until it is renewed
    since = cutoff(saved)
    items: list[DigestItem] = []
    for item in ranker.for_listing(session, engine, need, limit=50, today=now.date()):
        achievement = item.achievement
        if not _is_new(achievement, since):
            continue
        if not item.proposable or not search_query.is_confident(item.score):
            continue  # what staff would not propose as a good match is not mailed either
        if not visibility.can_see(saved.user, achievement):
            continue  # matched, but only staff may introduce a confidential one
        terms = list(item.explanation.get("shared_terms") or [])
        items.append(DigestItem("achievement", achievement.id, achievement.title, terms))
        if len(items) >= MAX_ITEMS:
            break
    return items


def render_mail(
    settings: Settings, saved: SavedSearch, items: list[DigestItem], locale: str
) -> tuple[str, str]:
    """(subject, body) in the reader's language."""
    english = locale.startswith("en")

    def t(key: str, **params: Any) -> str:
        zh, en = MAIL_TEXT[key]
        return (en if english else zh).format(**params)

    separator = ", " if english else "、"
    lines = [t("intro", name=saved.name), ""]
    for number, item in enumerate(items, start=1):
        path = f"/{item.kind}s/{item.id}"
        lines.append(f"{number}. {item.title}")
        if item.terms:
            lines.append("   " + t("why", terms=separator.join(item.terms)))
        lines.append(f"   {settings.site_url}{path}")
    lines += [
        "",
        t("manage", link=f"{settings.site_url}/saved-searches"),
        t(
            "unsubscribe",
            link=settings.site_url + saved_searches.unsubscribe_link(settings, saved),
        ),
    ]
    return t("subject", name=saved.name[:60], count=len(items)), "\n".join(lines)


def deliver(
    session: Session, settings: Settings, saved: SavedSearch, items: list[DigestItem]
) -> None:
    user = saved.user
    saved.last_digest = [item.as_dict() for item in items]
    notify.notify(
        session,
        user,
        "digest_ready",
        f"/saved-searches/{saved.id}",
        email=False,
        name=saved.name,
        count=len(items),
    )
    if user.email and user.is_active:
        subject, body = render_mail(settings, saved, items, user.locale or "zh")
        session.add(OutboxMail(recipient=user.email, subject=subject[:300], body=body))


def _newest_matching(listings: Iterable[Listing], filters: dict[str, Any]) -> list[int]:
    """Facets-only searches have nothing to rank by: the newest listings with those facets."""

    def fits(listing: Listing) -> bool:
        stored = filters_for(listing)
        for name, wanted in filters.items():
            have = stored.get(name)
            wanted_values = wanted if isinstance(wanted, list) else [wanted]
            have_values = have if isinstance(have, list) else [have]
            if not set(map(str, wanted_values)) & set(map(str, have_values)):
                return False
        return True

    chosen = [listing for listing in listings if fits(listing)]
    chosen.sort(key=lambda item: item.published_at or item.created_at, reverse=True)
    return [listing.id for listing in chosen]


def _vectors(engine: SearchEngine, queries: list[str]) -> dict[str, np.ndarray]:
    """Encode every distinct query in batches (the embedding cache makes later days cheap)."""
    unique = sorted({q for q in queries if q})
    if not unique:
        return {}
    encoded = engine.embedder.encode(unique)
    return dict(zip(unique, encoded, strict=True))


def _due_searches(session: Session, now: datetime) -> Iterable[SavedSearch]:
    stmt = (
        sa.select(SavedSearch)
        .join(User, User.id == SavedSearch.user_id)
        .where(SavedSearch.active.is_(True), User.is_active.is_(True))
        .order_by(SavedSearch.id)
    )
    return [s for s in session.scalars(stmt).all() if is_due(s, now)]


def run(
    session: Session, engine: SearchEngine, settings: Settings, now: datetime | None = None
) -> RunReport:
    """Send every due digest. Each group's mails and its `last_run_at` commit together, so a
    crash never sends a digest twice and never skips one."""
    started = time.perf_counter()
    now = now or utcnow()
    report = RunReport()
    due = list(_due_searches(session, now))
    report.searched = len(due)
    if not due:
        return report
    oldest = min(cutoff(s) for s in due)
    fresh = {kind: _fresh(session, kind, oldest) for kind in KINDS}

    groups: dict[tuple[str, str, str, str], list[SavedSearch]] = defaultdict(list)
    need_alerts: list[SavedSearch] = []
    for saved in due:
        if saved.need_id is not None:
            need_alerts.append(saved)
        else:
            groups[_group_key(saved, saved.user)].append(saved)

    vectors = _vectors(engine, [key[1] for key, members in groups.items() if fresh[key[0]]])
    terms_for = _Terms()
    pending = 0

    def finish(saved: SavedSearch, items: list[DigestItem]) -> None:
        nonlocal pending
        if items:
            deliver(session, settings, saved, items)
            report.sent += 1
            report.items += len(items)
            report.per_search[saved.id] = items
        saved.last_run_at = now
        pending += 1

    for (kind, query, facets_json, _audience_key), members in groups.items():
        newest_cut = min(cutoff(s) for s in members)
        if not any(_is_new(listing, newest_cut) for listing in fresh[kind].values()):
            for saved in members:
                finish(saved, [])
            continue
        filters: dict[str, Any] = {
            "kind": kind,
            **saved_searches.index_filters(json.loads(facets_json)),
        }
        allowed = visibility.index_filter(members[0].user)  # one audience per group
        if allowed is not None:
            filters["visibility"] = allowed
        confident: set[int] | None = None
        if query:
            result = retrieve(
                engine.index, engine.embedder, query, filters=filters, vector=vectors.get(query)
            )
            report.retrievals += 1
            ranked_ids = [parse_doc_id(hit.id)[1] for hit in result.fused]
            candidates = [fresh[kind][i] for i in ranked_ids if i in fresh[kind]]
            rated = search_query.relevance_of(engine, query, result.query_vector, candidates)
            confident = {
                item.id
                for item, probability in zip(candidates, rated, strict=True)
                if search_query.is_confident(probability)
            }
        else:
            ranked_ids = _newest_matching(fresh[kind].values(), filters)
        for saved in members:
            finish(
                saved,
                _query_items(saved, saved.user, ranked_ids, fresh[kind], terms_for, confident),
            )
        if pending >= COMMIT_EVERY:
            session.commit()
            pending = 0

    for saved in need_alerts:
        if fresh["achievement"]:
            finish(saved, _need_items(session, engine, saved, now))
            report.retrievals += 1
        else:
            finish(saved, [])
        session.commit()
        pending = 0
    session.commit()
    report.seconds = time.perf_counter() - started
    return report
