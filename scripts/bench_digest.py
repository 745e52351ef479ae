"""How long the daily digest run takes for many saved searches, with the real model and index.

    python scripts/bench_digest.py [--searches 10000] [--users 500] [--fresh 20]

Builds a throw-away instance (SQLite + local index) with the demo data, publishes everything,
saves N searches for M users (queries: CSL paper titles and demo need titles, some with a field
facet), marks `--fresh` achievements as published after the searches' last run, then times
`digests.run` twice: cold (query embeddings not cached yet) and warm (the daily steady state,
queries already embedded). Prints searches, distinct retrievals, digests sent and seconds.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from matchmaker import clock, migrate, runtime  # noqa: E402
from matchmaker.accounts import operations as accounts  # noqa: E402
from matchmaker.config import Settings  # noqa: E402
from matchmaker.db import utcnow  # noqa: E402
from matchmaker.demo import loader  # noqa: E402
from matchmaker.models import (  # noqa: E402
    Achievement,
    DigestFrequency,
    ListingState,
    Need,
    OutboxMail,
    Role,
    SavedSearch,
    User,
)
from matchmaker.saved_searches import digests  # noqa: E402
from matchmaker.search import indexing  # noqa: E402


def queries(csl: Path) -> list[str]:
    found: list[str] = []
    if (csl / "queries.jsonl").exists():
        with (csl / "queries.jsonl").open(encoding="utf-8") as handle:
            found += [json.loads(line)["text"] for line in handle if line.strip()]
    found += [row["title"] for row in loader.read("needs.json")]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--searches", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--fresh", type=int, default=20)
    parser.add_argument("--csl", type=Path, default=ROOT.parent / "shared" / "eval" / "csl")
    args = parser.parse_args()
    rng = random.Random(11)

    instance = Path(tempfile.mkdtemp(prefix="bench-digest-"))
    settings = Settings.from_env(
        instance_dir=instance,
        database_url=f"sqlite:///{instance / 'bench.sqlite'}",
        secret_key="bench",
        load_demo_data=False,
        celery_always_eager=True,
        search_enabled=False,  # no indexing tasks on commit: the index is built below
    )
    migrate.upgrade(settings.database_url)
    db = runtime.configure(settings)
    engine = runtime.search_engine()
    start = utcnow()
    with db.transaction() as session:
        loader.load(session)
        for model in (Achievement, Need):
            for item in session.scalars(sa.select(model)):
                item.state = ListingState.PUBLISHED
                item.published_at = start - timedelta(days=3)
        password = accounts.hash_password("bench-password")
        users = [
            User(
                email=f"bench{i}@example.org",
                password_hash=password,
                name=f"用户{i}",
                role=Role.ENTERPRISE,
            )
            for i in range(args.users)
        ]
        session.add_all(users)
        session.flush()
        texts = queries(args.csl)
        fields = [None, None, "new_materials", "new_energy", "biomedicine"]
        session.add_all(
            SavedSearch(
                user_id=users[i % len(users)].id,
                name=f"search {i}",
                kind="achievement",
                query=rng.choice(texts),
                facets={"field": f} if (f := rng.choice(fields)) else {},
                frequency=DigestFrequency.DAILY,
                active=True,
                last_run_at=start - timedelta(days=1),
                created_at=start - timedelta(days=2),
            )
            for i in range(args.searches)
        )
        fresh = session.scalars(sa.select(Achievement).order_by(Achievement.id)).all()
        for item in rng.sample(list(fresh), args.fresh):
            item.published_at = start - timedelta(hours=2)
    with db.session() as session:
        indexed = indexing.rebuild(session, engine)
    print(f"instance={instance} indexed={indexed} searches={args.searches} users={args.users}")

    for label in ("cold", "warm"):
        clock.set_now(start)
        with db.session() as session:
            session.execute(sa.update(SavedSearch).values(last_run_at=start - timedelta(days=1)))
            session.execute(sa.delete(OutboxMail))
            session.commit()
            started = time.perf_counter()
            report = digests.run(session, engine, settings)
            elapsed = time.perf_counter() - started
        print(
            f"{label}: searched={report.searched} retrievals={report.retrievals} "
            f"sent={report.sent} items={report.items} seconds={elapsed:.1f} "
            f"ms_per_search={1000 * elapsed / max(report.searched, 1):.2f}"
        )
    clock.set_now(None)


if __name__ == "__main__":
    main()
