"""Finding listings by meaning and by words for the site's search page."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from indexer import text
from indexer.backends import IndexError_
from matchmaker import visibility
from matchmaker.models import User
from matchmaker.search import relevance as pair_relevance
from matchmaker.search.documents import KINDS, Listing, doc_id, listing_text, parse_doc_id
from matchmaker.search.engine import SearchEngine
from matchmaker.search.readiness import IndexBuild, building_first_index
from matchmaker.search.relevance import shared_words
from matchmaker.search.retrieval import retrieve

log = logging.getLogger(__name__)


CONFIDENT_BANDS = ("high", "medium")


@dataclass
class Result:
    listing: Listing
    matched_terms: list[str]
    # the same calibrated probability as a match proposal's (query as the need side); None
    # when the database answered instead of the index
    relevance: float | None = None

    @property
    def band(self) -> str | None:
        return None if self.relevance is None else pair_relevance.band(self.relevance)

    @property
    def confident(self) -> bool:
        return self.relevance is None or is_confident(self.relevance)


@dataclass
class SearchOutcome:
    results: list[Result] = field(default_factory=list)
    # True when the index could not be used and the database answered instead
    degraded: bool = False
    # the first index is still being built: the database answered, the page says how far it is
    building: IndexBuild | None = None

    @property
    def confident(self) -> list[Result]:
        """What the page shows first: results of medium relevance or more."""
        return [r for r in self.results if r.confident]

    @property
    def weak(self) -> list[Result]:
        """The weakly related tail, shown folded (or alone, with a notice, when nothing is
        confident)."""
        return [r for r in self.results if not r.confident]


def search(
    session: Session,
    engine: SearchEngine,
    viewer: User | None,
    kind: str,
    query: str,
    facets: Mapping[str, Any] | None = None,
    limit: int = 20,
) -> SearchOutcome:
    """Hybrid search (dense kNN ∪ BM25, fused by reciprocal rank) within the viewer's rights;
    falls back to a database search when the index or the model is unavailable."""
    query = text.normalise(query)[:500]
    tokens = text.lexical_tokens(query)
    filters: dict[str, Any] = {"kind": kind, **{k: v for k, v in (facets or {}).items() if v}}
    allowed = visibility.index_filter(viewer)
    if allowed is not None:
        filters["visibility"] = allowed
    build = building_first_index(session, engine)
    if build is not None:
        return SearchOutcome(
            _database_search(session, viewer, kind, query, tokens, facets, limit), True, build
        )
    try:
        found = retrieve(engine.index, engine.embedder, query, filters=filters)
    except (IndexError_, OSError) as exc:
        log.warning("search index unavailable, answering from the database: %s", exc)
        return SearchOutcome(
            _database_search(session, viewer, kind, query, tokens, facets, limit), True
        )
    model = KINDS[kind]
    results: list[Result] = []
    for hit in found.fused:
        _kind, listing_id = parse_doc_id(hit.id)
        listing = session.get(model, listing_id)
        # the database is the authority: skip anything the index has not caught up on
        if listing is None or visibility.access(viewer, listing) == visibility.Access.NONE:
            continue
        if not visibility.browsable_now(listing):
            continue
        results.append(Result(listing, []))  # shared terms: _rate, from the stored profiles
        if len(results) >= limit:
            break
    _rate(engine, query, found.query_vector, results, found.vectors)
    # the most relevant first: fusion ranks, the probability is what the page groups by
    results.sort(key=lambda r: not r.confident)
    return SearchOutcome(results)


def _rate(
    engine: SearchEngine,
    query: str,
    query_vector: Any,
    results: list[Result],
    known: dict[str, Any],
) -> None:
    listings = [r.listing for r in results]
    own, profiles = _profiles(engine, query, listings)
    probabilities = _probabilities(engine, own, profiles, query_vector, listings, known)
    for result, profile, probability in zip(results, profiles, probabilities, strict=True):
        result.relevance = probability
        result.matched_terms = pair_relevance.shared_words_of(own, profile) if query else []


def _profiles(
    engine: SearchEngine, query: str, listings: list[Listing]
) -> tuple[pair_relevance.Profile, list[pair_relevance.Profile]]:
    own, *profiles = engine.profiles.many([query, *(listing_text(i).compose() for i in listings)])
    return own, profiles


def relevance_of(
    engine: SearchEngine, query: str, query_vector: Any, listings: list[Listing]
) -> list[float]:
    """Each listing's relevance probability to the query text (the query as the need side),
    from its stored embedding and its words."""
    if not listings:
        return []
    own, profiles = _profiles(engine, query, listings)
    return _probabilities(engine, own, profiles, query_vector, listings)


def _probabilities(
    engine: SearchEngine,
    own: pair_relevance.Profile,
    profiles: list[pair_relevance.Profile],
    query_vector: Any,
    listings: list[Listing],
    known: dict[str, Any] | None = None,
) -> list[float]:
    ids = [doc_id(item.kind, item.id) for item in listings]
    cosines = engine.index.cosines(query_vector, ids, known) if query_vector is not None else {}
    return [
        pair_relevance.probability_of(own, profile, cosines.get(key, 0.0), model=engine.calibration)
        for key, profile in zip(ids, profiles, strict=True)
    ]


def is_confident(probability: float) -> bool:
    """Medium relevance or more: what is listed, mailed and counted without a caveat."""
    return pair_relevance.band(probability) in CONFIDENT_BANDS


def _shared_terms(query: str, listing: Listing) -> list[str]:
    """Whole words of the query (or, for an English query, their Chinese equivalents) that the
    listing has: never character pairs across words (池负, 器人)."""
    if not query:
        return []
    return shared_words(query, listing_text(listing).compose())


def _database_search(
    session: Session,
    viewer: User | None,
    kind: str,
    query: str,
    tokens: list[str],
    facets: Mapping[str, Any] | None,
    limit: int,
) -> list[Result]:
    model = KINDS[kind]
    stmt = visibility.browsable(model, viewer)
    for name, value in (facets or {}).items():
        if value and name in ("field", "region"):
            stmt = stmt.where(getattr(model, name) == value)
    if tokens:
        conditions = [
            sa.or_(model.title.contains(t), model.description.contains(t)) for t in tokens[:10]
        ]
        stmt = stmt.where(sa.or_(*conditions))
    listings = session.scalars(stmt.order_by(model.published_at.desc()).limit(limit)).all()
    return [Result(listing, _shared_terms(query, listing)) for listing in listings]
