"""Guards against saving the same thing twice.

- A double click: the same owner, the same title, minutes apart (`recent_same_title`).
- A near-duplicate from the same organisation: the form warns before saving and offers to edit
  the existing listing instead (`same_organisation`).
- A near-duplicate from another organisation: flagged for staff when it is submitted
  (`flag_for_staff`, the few most similar only); staff merge it or mark the pair "not a
  duplicate", which is final. Staff see flags grouped into clusters, a page at a time.
Similarity itself is in similarity.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from indexer.backends import IndexError_
from matchmaker.config import Settings
from matchmaker.core import audit
from matchmaker.core.errors import NotFound, ValidationFailed
from matchmaker.db import utcnow
from matchmaker.duplicates import similarity as near_duplicates
from matchmaker.models import (
    Achievement,
    DuplicateFlag,
    DuplicateStatus,
    ListingState,
    Need,
    User,
)
from matchmaker.search.documents import KINDS, doc_id, listing_text, parse_doc_id
from matchmaker.search.engine import SearchEngine
from matchmaker.search.retrieval import retrieve

Listing = Achievement | Need
RESUBMIT_WINDOW = timedelta(minutes=10)
# never compared: merged duplicates (their survivor is) and drafts of other organisations
_PRIVATE = (ListingState.DRAFT,)
INDEX_CANDIDATES = 50
# listings read directly per check (the index finds published ones): a bound on the work of
# one submission, paid again by every row of an import
SCAN_LIMIT = 500
# below this n-gram overlap no embedding can lift a pair to the threshold (0.6 × 0.15 + 0.4 < 0.5)
PLAUSIBLE = 0.15
# a listing copied a hundred times needs one cluster for staff, not 100 × 99 / 2 pairs
FLAGS_PER_LISTING = 3
CLUSTERS_PER_PAGE = 20
PAIRS_PER_CLUSTER = 10  # pairs shown of one cluster (its representative's first)


def recent_same_title(
    session: Session, model: type[Achievement] | type[Need], owner: User, title: str
) -> Achievement | Need | None:
    """The listing this owner saved with the same title in the last minutes (double submit)."""
    return session.scalar(
        sa.select(model)
        .where(
            model.owner_id == owner.id,
            model.title == title.strip(),
            model.created_at >= utcnow() - RESUBMIT_WINDOW,
        )
        .limit(1)
    )


def available_engine(settings: Settings, engine: SearchEngine) -> SearchEngine | None:
    """The search engine when search is on and its index answers; comparing without it (n-grams
    only, by reading the database) is slower and blunter but never blocks a submission."""
    if not settings.search_enabled:
        return None
    try:
        engine.index.count()
    except (IndexError_, OSError):
        return None
    return engine


def comparable_text(listing: Listing) -> str:
    """What is compared: the text the index embeds (title, summary, keywords, body)."""
    return listing_text(listing).compose()


@dataclass
class Candidate:
    listing: Listing
    similarity: near_duplicates.Similarity

    @property
    def score(self) -> float:
        return self.similarity.score


def _scan(
    session: Session, listing: Listing, states: Sequence[ListingState], mine_only: bool
) -> list[Listing]:
    """The newest listings in `states` of the organisation (`mine_only`) or of the others,
    chosen in SQL: an organisation importing thousands of rows never reads its own."""
    model = KINDS[listing.kind]
    organisation = listing.organisation_id
    stmt = sa.select(model).where(model.state.in_(states), model.merged_into_id.is_(None))
    if listing.id is not None:
        stmt = stmt.where(model.id != listing.id)
    if mine_only:
        if not organisation:
            return []
        stmt = stmt.where(model.organisation_id == organisation)
    else:
        stmt = stmt.where(model.state.not_in(_PRIVATE))
        if organisation:
            stmt = stmt.where(
                sa.or_(model.organisation_id != organisation, model.organisation_id.is_(None))
            )
    return list(session.scalars(stmt.order_by(model.id.desc()).limit(SCAN_LIMIT)).all())


def _candidates(
    session: Session, listing: Listing, engine: SearchEngine | None, mine_only: bool
) -> list[Listing]:
    """Published listings come from the index (nearest by meaning and by words); the rest
    (under review, returned, expired, same-organisation drafts) are read directly, the newest
    SCAN_LIMIT of them."""
    model = KINDS[listing.kind]
    live = [ListingState.SUBMITTED, ListingState.RETURNED, ListingState.EXPIRED]
    if engine is None:
        found = _scan(
            session, listing, [*live, ListingState.PUBLISHED, ListingState.DRAFT], mine_only
        )
    else:
        result = retrieve(
            engine.index,
            engine.embedder,
            comparable_text(listing),
            filters={"kind": listing.kind},
            k=INDEX_CANDIDATES,
        )
        ids = [parse_doc_id(hit.id)[1] for hit in result.fused]
        found = [row for row in (session.get(model, i) for i in ids) if row is not None]
        found = [row for row in found if row.id != listing.id and row.merged_into_id is None]
        found += _scan(session, listing, [*live, ListingState.DRAFT], mine_only)
    organisation = listing.organisation_id
    if mine_only:
        return [row for row in found if organisation and row.organisation_id == organisation]
    return [
        row
        for row in found
        if row.state not in _PRIVATE and (not organisation or row.organisation_id != organisation)
    ]


def _vectors(engine: SearchEngine | None, listings: Sequence[Listing]) -> list[np.ndarray | None]:
    if engine is None or not listings:
        return [None] * len(listings)
    stored = engine.index.get(
        [doc_id(item.kind, item.id) for item in listings if item.id is not None]
    )
    missing = [
        item for item in listings if item.id is None or doc_id(item.kind, item.id) not in stored
    ]
    encoded = (
        dict(
            zip(
                [id(item) for item in missing],
                engine.embedder.encode([comparable_text(item) for item in missing]),
                strict=True,
            )
        )
        if missing
        else {}
    )
    vectors: list[np.ndarray | None] = []
    for item in listings:
        document = stored.get(doc_id(item.kind, item.id)) if item.id is not None else None
        vectors.append(document.vector if document is not None else encoded[id(item)])
    return vectors


def near_duplicates_of(
    session: Session,
    listing: Listing,
    engine: SearchEngine | None = None,
    *,
    mine_only: bool,
    threshold: float = near_duplicates.THRESHOLD,
) -> list[Candidate]:
    """Listings of the same kind that read almost the same, most similar first: of the same
    organisation (`mine_only`) or of other organisations. `listing` may be unsaved."""
    others = _candidates(session, listing, engine, mine_only)
    mine_text = comparable_text(listing)
    # cheap n-gram check first: vectors only for texts that share something at all
    plausible = [
        other
        for other in others
        if near_duplicates.lexical_similarity(mine_text, comparable_text(other)) >= PLAUSIBLE
    ]
    vectors = _vectors(engine, [listing, *plausible])
    found: list[Candidate] = []
    for other, vector in zip(plausible, vectors[1:], strict=True):
        similarity = near_duplicates.compare(mine_text, comparable_text(other), vectors[0], vector)
        if similarity.is_duplicate(threshold):
            found.append(Candidate(other, similarity))
    return sorted(found, key=lambda c: (-c.score, c.listing.id))


def same_organisation(
    session: Session, listing: Listing, engine: SearchEngine | None = None
) -> list[Candidate]:
    return near_duplicates_of(session, listing, engine, mine_only=True)


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def flag_for_staff(
    session: Session,
    listing: Listing,
    engine: SearchEngine | None = None,
    *,
    found: list[Candidate] | None = None,
) -> list[DuplicateFlag]:
    """Record the few most similar listings of other organisations for staff (each is enough
    to put the listing in the cluster of its copies). A pair is recorded once, whatever
    happens to it later, so "not a duplicate" is never asked again. `found`: the candidates,
    when they were looked up before the write transaction began (bulk import)."""
    created: list[DuplicateFlag] = []
    if found is None:
        found = near_duplicates_of(session, listing, engine, mine_only=False)
    for candidate in found[:FLAGS_PER_LISTING]:
        first, second = _pair(listing.id, candidate.listing.id)
        exists = session.scalar(
            sa.select(DuplicateFlag.id).where(
                DuplicateFlag.kind == listing.kind,
                DuplicateFlag.first_id == first,
                DuplicateFlag.second_id == second,
            )
        )
        if exists is not None:
            continue
        flag = DuplicateFlag(
            kind=listing.kind,
            first_id=first,
            second_id=second,
            score=round(candidate.score, 4),
            lexical=round(candidate.similarity.lexical, 4),
            dense=round(candidate.similarity.dense, 4)
            if candidate.similarity.dense is not None
            else None,
            status=DuplicateStatus.OPEN,
        )
        session.add(flag)
        created.append(flag)
    session.flush()
    return created


# --- the staff page ------------------------------------------------------------------------


@dataclass
class Cluster:
    """Listings joined by open flags. `flags` and `listings` are the pairs shown (the
    representative's first, at most PAIRS_PER_CLUSTER); `size` and `flag_count` count all."""

    kind: str
    listings: list[Listing]
    flags: list[DuplicateFlag]
    representative: Listing | None = None
    size: int = 0
    flag_count: int = 0

    @property
    def hidden_pairs(self) -> int:
        return self.flag_count - len(self.flags)


@dataclass
class ClusterPage:
    clusters: list[Cluster]
    page: int
    pages: int
    total: int  # clusters
    open_flags: int


def _groups(session: Session) -> list[tuple[str, list[tuple[int, int, int, float]]]]:
    """Open flags (id, first, second, score) grouped into connected sets of listings (A~B and
    B~C is one cluster), the group with the most similar pair first."""
    rows = session.execute(
        sa.select(
            DuplicateFlag.id,
            DuplicateFlag.kind,
            DuplicateFlag.first_id,
            DuplicateFlag.second_id,
            DuplicateFlag.score,
        ).where(DuplicateFlag.status == DuplicateStatus.OPEN)
    ).all()
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def root(node: tuple[str, int]) -> tuple[str, int]:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]  # halve the path
            node = parent[node]
        return node

    for _id, kind, first, second, _score in rows:
        a, b = root((kind, first)), root((kind, second))
        if a != b:
            parent[a] = b
    members: dict[tuple[str, int], list[tuple[int, int, int, float]]] = {}
    for flag_id, kind, first, second, score in rows:
        members.setdefault(root((kind, first)), []).append((flag_id, first, second, score))
    groups = [(kind, flags) for (kind, _), flags in members.items()]
    groups.sort(key=lambda g: (-max(f[3] for f in g[1]), min(f[0] for f in g[1])))
    return groups


def _cluster(session: Session, kind: str, rows: list[tuple[int, int, int, float]]) -> Cluster:
    degree: dict[int, int] = {}
    for _id, first, second, _score in rows:
        degree[first] = degree.get(first, 0) + 1
        degree[second] = degree.get(second, 0) + 1
    representative_id = min(degree, key=lambda i: (-degree[i], i))
    # the representative's pairs first, most similar first
    ordered = sorted(rows, key=lambda f: (representative_id not in (f[1], f[2]), -f[3], f[0]))[
        :PAIRS_PER_CLUSTER
    ]
    shown = sorted(
        session.scalars(
            sa.select(DuplicateFlag).where(DuplicateFlag.id.in_([f[0] for f in ordered]))
        ).all(),
        key=lambda flag: [f[0] for f in ordered].index(flag.id),
    )
    model = KINDS[kind]
    ids = sorted({representative_id} | {i for f in ordered for i in (f[1], f[2])})
    loaded = {row.id: row for row in session.scalars(sa.select(model).where(model.id.in_(ids)))}
    return Cluster(
        kind,
        [loaded[i] for i in ids if i in loaded],
        shown,
        representative=loaded.get(representative_id),
        size=len(degree),
        flag_count=len(rows),
    )


def cluster_page(session: Session, page: int = 1, per_page: int = CLUSTERS_PER_PAGE) -> ClusterPage:
    """One page of clusters of open flags, each under a representative (the listing most
    flagged), with at most PAIRS_PER_CLUSTER of its pairs loaded."""
    groups = _groups(session)
    pages = max((len(groups) + per_page - 1) // per_page, 1)
    page = min(max(page, 1), pages)
    chosen = groups[(page - 1) * per_page : page * per_page]
    return ClusterPage(
        [_cluster(session, kind, rows) for kind, rows in chosen],
        page=page,
        pages=pages,
        total=len(groups),
        open_flags=sum(len(rows) for _kind, rows in groups),
    )


def open_clusters(session: Session) -> list[Cluster]:
    """The first page of clusters of open flags."""
    return cluster_page(session).clusters


def open_count(session: Session) -> int:
    return int(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(DuplicateFlag)
            .where(DuplicateFlag.status == DuplicateStatus.OPEN)
        )
        or 0
    )


def get_flag(session: Session, flag_id: int) -> DuplicateFlag:
    flag = session.get(DuplicateFlag, flag_id)
    if flag is None:
        raise NotFound("not_found")
    return flag


def mark_not_duplicate(session: Session, actor: User, flag: DuplicateFlag) -> DuplicateFlag:
    if flag.status != DuplicateStatus.OPEN:
        raise ValidationFailed("flag_closed")
    flag.status = DuplicateStatus.NOT_DUPLICATE
    flag.resolved_by_id = actor.id
    flag.resolved_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        "duplicate.not_duplicate",
        flag.kind,
        flag.first_id,
        other_id=flag.second_id,
        flag_id=flag.id,
    )
    return flag
