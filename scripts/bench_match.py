"""Matcher benchmark on the embedded default (numbers go into README; never a timed test).

    python scripts/bench_match.py --achievements 100000 --needs 50 [--batch-needs 1000]

Builds a SQLite database of synthetic achievements (texts recombined from the CSL abstracts in
../shared/eval/csl, random vectors of the model's dimension: the index-side cost is what is
measured) and times need → top-20 with explanations, including the query embedding.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import random
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.backends import IndexDocument  # noqa: E402
from indexer.documents import PreparedText  # noqa: E402
from matchmaker import migrate, runtime  # noqa: E402
from matchmaker.config import Settings  # noqa: E402
from matchmaker.matching import ranker  # noqa: E402
from matchmaker.matching import service as matching  # noqa: E402
from matchmaker.models import Achievement, ListingState, Need, Organisation, Role, User  # noqa: E402
from matchmaker.search.documents import filters_for, listing_text  # noqa: E402

CSL = ROOT.parent / "shared" / "eval" / "csl" / "corpus.jsonl"
FIELDS = ["new_materials", "smart_manufacturing", "biomedicine", "new_energy", "electronics"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--achievements", type=int, default=100_000)
    parser.add_argument("--needs", type=int, default=50)
    parser.add_argument("--batch-needs", type=int, default=0)
    parser.add_argument(
        "--profile", action="store_true", help="print the top functions of the timed loop"
    )
    args = parser.parse_args()
    rng = random.Random(7)
    abstracts = [json.loads(line)["text"] for line in CSL.open(encoding="utf-8")]

    with tempfile.TemporaryDirectory() as tmp:
        settings = replace(
            Settings.from_env(instance_dir=Path(tmp)),
            load_demo_data=False,
            celery_always_eager=True,
            search_enabled=False,
        )
        migrate.upgrade(settings.database_url)
        db = runtime.configure(settings)
        engine = runtime.search_engine()
        dim = engine.embedder.dimension
        started = time.perf_counter()
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
                email="e@bench",
                password_hash="x",
                name="e",
                role=Role.ENTERPRISE,
                organisation=company,
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
                for i in range(args.achievements)
            ]
            session.execute(Achievement.__table__.insert(), rows)
            need_texts = rng.sample(abstracts, max(args.needs, args.batch_needs))
            for i, body in enumerate(need_texts):
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
        print(f"database filled in {time.perf_counter() - started:.0f}s")

        started = time.perf_counter()
        vectors = (
            np.random.default_rng(7).standard_normal((args.achievements, dim)).astype(np.float32)
        )
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        from indexer import text

        with db.session() as session:

            def documents():  # type: ignore[no-untyped-def]
                for number, achievement in enumerate(session.query(Achievement).yield_per(1000)):
                    composed = listing_text(achievement).compose()
                    yield IndexDocument(
                        f"achievement:{achievement.id}",
                        "achievement",
                        text.lexical_tokens(composed),
                        vectors[number],
                        filters_for(achievement),
                        PreparedText(composed, []).fingerprint("bench"),
                    )

            engine.index.rebuild(documents(), batch_size=2000)
        print(f"index of {args.achievements} built in {time.perf_counter() - started:.0f}s")

        timings = []
        with db.session() as session:
            needs = session.query(Need).order_by(Need.id).limit(args.needs).all()
            ranker.for_need(session, engine, needs[0], 20)  # warm up (model, matrix)
            profiler = cProfile.Profile() if args.profile else None
            if profiler:
                profiler.enable()
            for need in needs:
                started = time.perf_counter()
                ranker.for_need(session, engine, need, 20)
                timings.append((time.perf_counter() - started) * 1000)
            if profiler:
                profiler.disable()
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        print(
            f"need → top-20 with explanations over {args.achievements}: p50 "
            f"{statistics.median(timings):.0f} ms, p95 {np.percentile(timings, 95):.0f} ms "
            f"({len(timings)} needs)"
        )
        if args.batch_needs:
            started = time.perf_counter()
            with db.session() as session:
                totals = matching.match_all(session, engine)
            print(
                f"batch re-match of {args.batch_needs} needs: {time.perf_counter() - started:.0f}s "
                f"{totals}"
            )
        print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
