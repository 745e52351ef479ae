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
from matchmaker.models import Achievement, ListingState, Need
from matchmaker.search.documents import (
    KINDS,
    Listing,
    doc_id,
    filters_for,
    is_indexable,
    listing_text,
    parse_doc_id,
    prepared,
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


def queue_sync(session: Session, listing: Listing) -> None:
    """Ask for this listing to be (re)indexed or removed once the transaction commits."""
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


def sync_listing(session: Session, engine: SearchEngine, kind: str, listing_id: int) -> str:
    """Index a listing if it is searchable, remove it otherwise. Safe to run any number of times."""
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


def count_indexable(session: Session) -> int:
    return sum(
        session.scalar(
            sa.select(sa.func.count()).select_from(m).where(m.state == ListingState.PUBLISHED)
        )
        or 0
        for m in (Achievement, Need)
    )


def _batched(items: Iterable[Listing], size: int) -> Iterator[list[Listing]]:
    batch: list[Listing] = []
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

    def documents() -> Iterator[IndexDocument]:
        nonlocal done
        for batch in _batched(indexable_listings(session), BATCH):
            yield from build_documents(engine, batch)
            done += len(batch)
            if progress:
                progress(done)

    return engine.index.rebuild(documents())


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
    for listing in indexable_listings(session):
        key = doc_id(listing.kind, listing.id)
        expected.add(key)
        if key not in indexed:
            report.missing.append(key)
        else:
            fingerprint = PreparedText(listing_text(listing).compose(), []).fingerprint(model_id)
            if indexed[key] != fingerprint:
                report.stale.append(key)
    report.orphaned = sorted(set(indexed) - expected)
    return report


def repair(session: Session, engine: SearchEngine, report: Drift) -> int:
    """Index what is missing or stale and drop what should not be there."""
    to_index = report.missing + report.stale
    for start in range(0, len(to_index), BATCH):
        listings: list[Listing] = []
        for key in to_index[start : start + BATCH]:
            kind, listing_id = parse_doc_id(key)
            listing = session.get(KINDS[kind], listing_id)
            if is_indexable(listing):
                assert listing is not None
                listings.append(listing)
        engine.index.upsert(build_documents(engine, listings))
    engine.index.delete(report.orphaned)
    return report.total
