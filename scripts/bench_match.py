"""Matcher benchmark (numbers go into README; never a timed test).

    python scripts/bench_match.py --achievements 100000 --needs 50 [--batch-needs 1000]
        [--backend local|elasticsearch] [--es-url URL] [--profile] [--pytorch-queries]

Builds a SQLite database of synthetic achievements (texts recombined from the CSL abstracts in
../shared/eval/csl, random vectors of the model's dimension: the index-side cost is what is
measured) and times need → top-20 with explanations, including the query embedding, next to a
bare kNN query for the same needs (the embedding plus one top-20 kNN call). The batch re-match
runs in a fresh process, as a worker would, so that its peak memory is its own; with random
vectors few pairs reach the proposal floor, so it ranks every need but stores next to nothing.
A second fresh process does what the site's process does (the Flask app, searches in Chinese
and English, need pages) and reports its own peak memory: web + worker is what a machine needs.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_index import own_peak_rss_mb  # noqa: E402

from indexer import text  # noqa: E402
from indexer.backends import IndexDocument  # noqa: E402
from indexer.documents import PreparedText  # noqa: E402
from matchmaker import migrate, runtime  # noqa: E402
from matchmaker.config import Settings  # noqa: E402
from matchmaker.db import Database  # noqa: E402
from matchmaker.matching import operations as matching  # noqa: E402
from matchmaker.matching import ranker  # noqa: E402
from matchmaker.models import Achievement, ListingState, Need, Organisation, Role, User  # noqa: E402
from matchmaker.search import analysis  # noqa: E402
from matchmaker.search import query as search_query  # noqa: E402
from matchmaker.search.documents import doc_id, filters_for, listing_text  # noqa: E402
from matchmaker.search.engine import SearchEngine  # noqa: E402

CSL = ROOT.parent / "shared" / "eval" / "csl" / "corpus.jsonl"
FIELDS = ["new_materials", "smart_manufacturing", "biomedicine", "new_energy", "electronics"]
DEFAULT_ES = os.environ.get("MATCHMAKER_TEST_ES_URL", "http://127.0.0.1:59200")


def settings_for(instance: Path, backend: str, es_url: str, prefix: str) -> Settings:
    return replace(
        Settings.from_env(instance_dir=instance),
        load_demo_data=False,
        celery_always_eager=True,
        search_enabled=False,
        index_backend=backend,
        elasticsearch_url=es_url,
        elasticsearch_index_prefix=prefix,
    )


def fill(db: Database, abstracts: list[str], achievements: int, needs: int) -> None:
    rng = random.Random(7)
    with db.transaction() as session:
        university = Organisation(name="基准大学", kind="university")
        company = Organisation(name="基准公司", kind="enterprise")
        researcher = User(
            email="r@bench",
            password_hash="x",
            name="r",
            role=Role.RESEARCHER,
            organisation=university,
        )
        enterprise = User(
            email="e@bench", password_hash="x", name="e", role=Role.ENTERPRISE, organisation=company
        )
        session.add_all([university, company, researcher, enterprise])
        session.flush()
        rows = [
            {
                "owner_id": researcher.id,
                "organisation_id": university.id,
                "title": abstracts[i % len(abstracts)][:30],
                "summary": "",
                "description": abstracts[i % len(abstracts)],
                "field": FIELDS[i % len(FIELDS)],
                "keywords": [],
                "cooperation_modes": ["license"],
                "trl": 1 + i % 9,
                "state": ListingState.PUBLISHED,
                "visibility": "public",
                "patent_numbers": [],
                "version": 1,
            }
            for i in range(achievements)
        ]
        session.execute(Achievement.__table__.insert(), rows)
        for i, body in enumerate(rng.sample(abstracts, needs)):
            session.add(
                Need(
                    owner_id=enterprise.id,
                    organisation_id=company.id,
                    title=body[:30],
                    description=body,
                    field=FIELDS[i % len(FIELDS)],
                    state=ListingState.PUBLISHED,
                    keywords=[],
                    cooperation_modes=[],
                )
            )


def index_document(listing: Achievement | Need, vector: np.ndarray) -> IndexDocument:
    composed = listing_text(listing).compose()
    return IndexDocument(
        doc_id(listing.kind, listing.id),
        listing.kind,
        text.lexical_tokens(composed),
        vector,
        filters_for(listing),
        PreparedText(composed, []).fingerprint("bench"),
    )


def build_index(db: Database, engine: SearchEngine, count: int) -> None:
    """Achievements only: needs are embedded at query time, as the goal asks."""
    vectors = (
        np.random.default_rng(7)
        .standard_normal((count, engine.embedder.dimension))
        .astype(np.float32)
    )
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    with db.session() as session:
        documents = (
            index_document(achievement, vectors[number])
            for number, achievement in enumerate(session.query(Achievement).yield_per(1000))
        )
        engine.index.rebuild(documents, batch_size=2000)
        # as the worker does when it indexes a listing (search/profiles.py)
        started = time.perf_counter()
        texts = [listing_text(a).compose() for a in session.query(Achievement).yield_per(1000)]
        # in chunks, as the worker does (64 at a time): holding 100k of them at once would
        # make this process's peak, which a forked worker's peak RSS starts from
        for begin in range(0, len(texts), 1000):
            engine.profiles.many(texts[begin : begin + 1000])
            engine.analyses.many(texts[begin : begin + 1000])
        print(f"word profiles and sentence cuts stored in {time.perf_counter() - started:.0f}s")


def percentiles(label: str, timings: list[float]) -> str:
    return (
        f"{label}: p50 {statistics.median(timings):.0f} ms, "
        f"p95 {np.percentile(timings, 95):.0f} ms ({len(timings)} needs)"
    )


def time_rankings(session: Session, engine: SearchEngine, needs: list[Need]) -> list[float]:
    """Milliseconds per need → top-20, every explanation read, as `matchmaker match` shows
    them (a re-match explains only what it proposes)."""
    timings = []
    for need in needs:
        started = time.perf_counter()
        assert all(item.explanation for item in ranker.for_need(session, engine, need, 20))
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def time_queries(db: Database, engine: SearchEngine, count: int, profile: bool) -> None:
    with db.session() as session:
        needs = session.query(Need).order_by(Need.id).limit(count + 1).all()
        warm, needs = needs[0], needs[1:]
        ranker.for_need(session, engine, warm, 20)  # model, matrix, connections
        runtime.settle_long_lived_objects()  # as the site does once it has warmed up
        # the bare query embeds without the disk cache, which then holds none of these texts
        model = getattr(engine.embedder, "embedder", engine.embedder)
        bare, knn_only, embedding = [], [], []
        need_vectors = []
        for need in needs:
            started = time.perf_counter()
            vector = model.encode_one(listing_text(need).compose())
            need_vectors.append(vector)
            embedded = time.perf_counter()
            embedding.append((embedded - started) * 1000)
            engine.index.knn(
                vector,
                20,
                filters={"kind": "achievement"},
                exclude={"organisation_id": need.organisation_id},
            )
            bare.append((time.perf_counter() - started) * 1000)
            knn_only.append((time.perf_counter() - embedded) * 1000)
        profiler = cProfile.Profile() if profile else None
        if profiler:
            profiler.enable()
        timings = time_rankings(session, engine, needs)
        if profiler:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        # A need's own page and a re-match rank a need that is already indexed: the ranker
        # takes its stored vector and embeds nothing.
        engine.index.upsert(
            [index_document(n, v) for n, v in zip(needs, need_vectors, strict=True)]
        )
        analysis.analyse.cache_clear()  # as cold as the first loop
        engine.profiles.forget_memory()
        engine.analyses.forget_memory()
        indexed = time_rankings(session, engine, needs)
    print(percentiles("need → top-20 with explanations", timings))
    print(percentiles("the same, the need already indexed (its page, a re-match)", indexed))
    print(percentiles("bare kNN (embedding + one top-20 kNN query)", bare))
    print(percentiles("kNN query alone", knn_only))
    print(percentiles("the need's embedding alone", embedding))
    ratio = statistics.median(timings) / statistics.median(bare)
    print(f"matcher / bare kNN at p50: {ratio:.2f}×")


def single_texts_in_pytorch(engine: SearchEngine) -> None:
    """As before ONNX Runtime ran single texts: for comparing the two in one run."""
    engine.embedder.embedder.use_onnx = False


def rematch(settings: Settings, profile: bool, pytorch_queries: bool) -> None:
    """The batch job in this (fresh) process: time and peak memory are the worker's."""
    db = runtime.configure(settings)
    if pytorch_queries:
        single_texts_in_pytorch(runtime.search_engine())
    started = time.perf_counter()
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    with db.session() as session:
        totals = matching.match_all(session, runtime.search_engine())
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(50)
    print(
        f"batch re-match of {totals['created'] + totals['updated'] + totals['kept']} matches: "
        f"{time.perf_counter() - started:.0f}s {totals}, worker peak RSS {own_peak_rss_mb():.0f} MB"
    )


def serve(settings: Settings, count: int) -> None:
    """What the site's process holds once it has served: the app, searches, need pages."""
    from web import create_app

    app = create_app(settings)
    engine = runtime.search_engine()
    started = time.perf_counter()
    with app.app_context(), runtime.database().session() as session:
        needs = session.query(Need).order_by(Need.id).limit(count).all()
        for need in needs:
            words = listing_text(need).compose()[:40]
            search_query.search(session, engine, None, "achievement", words)
            ranker.for_need(session, engine, need, 20)
        search_query.search(session, engine, None, "achievement", "porous titanium cage")
    print(
        f"web process, {count} searches and need pages in {time.perf_counter() - started:.0f}s: "
        f"peak RSS {own_peak_rss_mb():.0f} MB"
    )


def fresh_process(role: str, instance: str, args: argparse.Namespace, *options: str) -> None:
    """This script again, in a process of its own (its peak memory its own), on the data built."""
    command = [sys.executable, __file__, role, instance, "--prefix", args.prefix]
    command += ["--backend", args.backend, "--es-url", args.es_url, *options]
    subprocess.run(command, check=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--achievements", type=int, default=100_000)
    parser.add_argument("--needs", type=int, default=50)
    parser.add_argument("--batch-needs", type=int, default=0)
    parser.add_argument("--backend", default="local", choices=["local", "elasticsearch"])
    parser.add_argument("--es-url", default=DEFAULT_ES)
    parser.add_argument(
        "--profile", action="store_true", help="print the top functions of the timed loop"
    )
    parser.add_argument(
        "--pytorch-queries", action="store_true", help="embed single texts in PyTorch, as before"
    )
    parser.add_argument("--rematch-in", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--serve-in", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--prefix", default=f"bench_perf_{uuid.uuid4().hex[:8]}")
    args = parser.parse_args()
    if args.rematch_in:
        settings = settings_for(args.rematch_in, args.backend, args.es_url, args.prefix)
        rematch(settings, args.profile, args.pytorch_queries)
        return
    if args.serve_in:
        serve(settings_for(args.serve_in, args.backend, args.es_url, args.prefix), args.needs)
        return
    abstracts = [json.loads(line)["text"] for line in CSL.open(encoding="utf-8")]

    with tempfile.TemporaryDirectory() as tmp:
        settings = settings_for(Path(tmp), args.backend, args.es_url, args.prefix)
        migrate.upgrade(settings.database_url)
        db = runtime.configure(settings)
        engine = runtime.search_engine()
        if args.pytorch_queries:
            single_texts_in_pytorch(engine)
        try:
            started = time.perf_counter()
            fill(db, abstracts, args.achievements, max(args.needs + 1, args.batch_needs))
            print(f"database filled in {time.perf_counter() - started:.0f}s")
            started = time.perf_counter()
            build_index(db, engine, args.achievements)
            print(
                f"{args.backend} index of {args.achievements} built in "
                f"{time.perf_counter() - started:.0f}s"
            )
            time_queries(db, engine, args.needs, args.profile)
            fresh_process("--serve-in", tmp, args, "--needs", str(args.needs))
            if args.batch_needs:
                options = ["--profile"] if args.profile else []
                options += ["--pytorch-queries"] if args.pytorch_queries else []
                fresh_process("--rematch-in", tmp, args, *options)
        finally:
            if hasattr(engine.index, "drop"):
                engine.index.drop()
        print(f"peak RSS of the benchmark process {own_peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
