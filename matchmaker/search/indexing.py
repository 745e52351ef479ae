"""Keeping the index in step with the database.

Writes are queued by `queue_sync` and sent to the worker only after the database transaction
commits; if the broker or the index is down the listing is still saved, the task retries, and
`drift` / `repair` find and fix whatever is left over.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from indexer.backends import IndexDocument
from indexer.documents import PreparedText
from matchmaker.core.dispatch import enqueue
from matchmaker.models import Achievement, ExpertProfile, ExpertState, ListingState, Need
from matchmaker.search.documents import (
    EXPERT_KIND,
    KINDS,
    Indexed,
    Listing,
    doc_id,
    expert_filters,
    expert_is_indexable,
    filters_for,
    is_indexable,
    parse_doc_id,
    prepare,
    prepared,
    record_text,
)
from matchmaker.search.engine import SearchEngine

log = logging.getLogger(__name__)
PENDING_KEY = "matchmaker.pending_index"
SYNC_TASK = "matchmaker.sync_listing_index"
BATCH = 64


_enabled = True


def configure(search_enabled: bool) -> None:
    """Called once by the composition root (`runtime.configure`): with search off, changes are
    not sent to the worker (the index is rebuilt from the database when it is turned on)."""
    global _enabled
    _enabled = search_enabled


def queue_sync(session: Session, listing: Indexed) -> None:
    """Ask for this listing (or expertise profile) to be (re)indexed or removed once the
    transaction commits."""
    session.info.setdefault(PENDING_KEY, set()).add((listing.kind, listing.id))


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    pending = session.info.pop(PENDING_KEY, None)
    if not pending or not _enabled:
        return

    for kind, listing_id in sorted(pending):
        try:
            enqueue(SYNC_TASK, kind, listing_id)
        except Exception:
            log.exception(
                "could not queue indexing of %s:%s; drift repair will catch up", kind, listing_id
            )


@event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)


def build_documents(engine: SearchEngine, listings: list[Listing]) -> list[IndexDocument]:
    texts = [prepared(listing) for listing in listings]
    vectors = engine.embedder.encode([t.text for t in texts])
    # rankings read these instead of cutting every candidate's text (search/profiles.py)
    engine.profiles.many([t.text for t in texts])
    engine.analyses.many([t.text for t in texts])
    return [
        IndexDocument(
            id=doc_id(listing.kind, listing.id),
            kind=listing.kind,
            tokens=prep.tokens,
            vector=vector,
            filters=filters_for(listing),
            fingerprint=prep.fingerprint(engine.index.model_id),
        )
        for listing, prep, vector in zip(listings, texts, vectors, strict=True)
    ]


def build_expert_documents(
    session: Session, engine: SearchEngine, profiles: list[ExpertProfile]
) -> list[IndexDocument]:
    """Index documents of expertise profiles (kind "expert"; documents.expert_text)."""
    texts = [prepare(record_text(session, profile)) for profile in profiles]
    if not texts:
        return []
    vectors = engine.embedder.encode([t.text for t in texts])
    return [
        IndexDocument(
            id=doc_id(EXPERT_KIND, profile.id),
            kind=EXPERT_KIND,
            tokens=prep.tokens,
            vector=vector,
            filters=expert_filters(profile),
            fingerprint=prep.fingerprint(engine.index.model_id),
        )
        for profile, prep, vector in zip(profiles, texts, vectors, strict=True)
    ]


def _documents(
    session: Session, engine: SearchEngine, records: list[Indexed]
) -> list[IndexDocument]:
    listings = [r for r in records if not isinstance(r, ExpertProfile)]
    experts = [r for r in records if isinstance(r, ExpertProfile)]
    documents = build_documents(engine, listings) if listings else []
    if experts:
        documents += build_expert_documents(session, engine, experts)
    return documents


def _load(session: Session, kind: str, record_id: int) -> Indexed | None:
    if kind == EXPERT_KIND:
        return session.get(ExpertProfile, record_id)
    return session.get(KINDS[kind], record_id)  # type: ignore[return-value]


def _indexable(record: Indexed | None) -> bool:
    if isinstance(record, ExpertProfile):
        return expert_is_indexable(record)
    return is_indexable(record)


def sync_listing(session: Session, engine: SearchEngine, kind: str, listing_id: int) -> str:
    """Index a listing (or expert) if it is searchable, remove it otherwise. Safe to run any
    number of times."""
    if kind == EXPERT_KIND:
        profile = session.get(ExpertProfile, listing_id)
        if expert_is_indexable(profile):
            assert profile is not None
            engine.index.upsert(build_expert_documents(session, engine, [profile]))
            return "indexed"
        engine.index.delete([doc_id(kind, listing_id)])
        return "removed"
    listing = session.get(KINDS[kind], listing_id)
    if is_indexable(listing):
        assert listing is not None
        engine.index.upsert(build_documents(engine, [listing]))
        return "indexed"
    engine.index.delete([doc_id(kind, listing_id)])
    return "removed"


def indexable_listings(session: Session) -> Iterator[Listing]:
    for model in (Achievement, Need):
        stmt = (
            sa.select(model)
            .where(model.state == ListingState.PUBLISHED)
            .order_by(model.id)
            .execution_options(yield_per=500)
        )
        yield from session.scalars(stmt)


def indexable_experts(session: Session) -> Iterator[ExpertProfile]:
    stmt = (
        sa.select(ExpertProfile)
        .where(ExpertProfile.state == ExpertState.PUBLISHED)
        .order_by(ExpertProfile.id)
        .execution_options(yield_per=500)
    )
    yield from session.scalars(stmt)


def indexable_records(session: Session) -> Iterator[Indexed]:
    """Everything the index should hold: published listings, then published experts."""
    yield from indexable_listings(session)
    yield from indexable_experts(session)


def count_indexable(session: Session) -> int:
    listings = sum(
        session.scalar(
            sa.select(sa.func.count()).select_from(m).where(m.state == ListingState.PUBLISHED)
        )
        or 0
        for m in (Achievement, Need)
    )
    experts = session.scalar(
        sa.select(sa.func.count())
        .select_from(ExpertProfile)
        .where(ExpertProfile.state == ExpertState.PUBLISHED)
    )
    return listings + (experts or 0)


def _batched(items: Iterable[Indexed], size: int) -> Iterator[list[Indexed]]:
    batch: list[Indexed] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def rebuild(
    session: Session, engine: SearchEngine, progress: Callable[[int], None] | None = None
) -> int:
    """Rebuild the whole index from the database; readers keep the old index until the swap."""
    done = 0
    # the listings' current texts are stored again below
    engine.profiles.clear()
    engine.analyses.clear()

    def documents() -> Iterator[IndexDocument]:
        nonlocal done
        for batch in _batched(indexable_records(session), BATCH):
            yield from _documents(session, engine, batch)
            done += len(batch)
            if progress:
                progress(done)

    written = engine.index.rebuild(documents())
    # searches embed one text at a time on the ONNX graph: export it here, in the worker
    engine.embedder.prepare()
    return written


@dataclass
class Drift:
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    orphaned: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.missing) + len(self.stale) + len(self.orphaned)


def drift(session: Session, engine: SearchEngine) -> Drift:
    """Compare what the database says should be indexed with what the index holds."""
    indexed = engine.index.fingerprints()
    model_id = engine.index.model_id
    report = Drift()
    expected: set[str] = set()
    for listing in indexable_records(session):
        key = doc_id(listing.kind, listing.id)
        expected.add(key)
        if key not in indexed:
            report.missing.append(key)
        else:
            composed = record_text(session, listing).compose()
            fingerprint = PreparedText(composed, []).fingerprint(model_id)
            if indexed[key] != fingerprint:
                report.stale.append(key)
    report.orphaned = sorted(set(indexed) - expected)
    return report


def repair(session: Session, engine: SearchEngine, report: Drift) -> int:
    """Index what is missing or stale and drop what should not be there."""
    to_index = report.missing + report.stale
    for start in range(0, len(to_index), BATCH):
        records: list[Indexed] = []
        for key in to_index[start : start + BATCH]:
            kind, listing_id = parse_doc_id(key)
            record = _load(session, kind, listing_id)
            if _indexable(record):
                assert record is not None
                records.append(record)
        engine.index.upsert(_documents(session, engine, records))
    engine.index.delete(report.orphaned)
    return report.total
