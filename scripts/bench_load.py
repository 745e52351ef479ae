"""Load on the production-like stack: browse, search, review queue and submit at once.

    python scripts/bench_load.py [--users 20] [--seconds 90] [--matches 50000]

PostgreSQL (a new database beside MATCHMAKER_TEST_DATABASE_URL), Elasticsearch (indices under
a random prefix, dropped afterwards) and gunicorn on loopback, as in docker-compose. The data
is bench_review.py's: listings from the demo texts, N matches; the listings are embedded and
indexed first. Locust then runs a mix of people: visitors browsing and searching (half),
staff working the review queue (a quarter) and enterprises filing new needs (a quarter).
Prints requests/s and p50/p95/p99 per request kind. Needs `pip install -e '.[bench]'`.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import bench_review  # noqa: E402

from matchmaker import migrate, runtime, taxonomy  # noqa: E402
from matchmaker.config import Settings  # noqa: E402
from matchmaker.demo import loader  # noqa: E402
from matchmaker.search import indexing  # noqa: E402

LOCUSTFILE = """
import random, re, uuid
from locust import HttpUser, between, task

QUERIES = {queries!r}
FIELDS = {fields!r}
MAX_ID = {max_id}
LISTINGS = {listings}
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
QUEUE_MARK = 'data-testid="export"'


def expect(client, url, name, marker, **kw):
    with client.get(url, name=name, catch_response=True, **kw) as response:
        if response.status_code != 200 or marker not in response.text:
            response.failure(f"{{response.status_code}}, not the expected page")


def sign_in(client, email):
    token = TOKEN.search(client.get("/login", name="sign in").text).group(1)
    data = {{"csrf_token": token, "email": email, "password": "{password}"}}
    with client.post("/login", data=data, name="sign in", catch_response=True) as response:
        if response.url.endswith("/login"):
            response.failure("sign-in refused")


class Visitor(HttpUser):
    weight = 2
    wait_time = between(0.5, 1.5)

    @task(3)
    def browse(self):
        kind = random.choice(["achievements", "needs"])
        field = {{"field": random.choice(FIELDS)}}
        expect(self.client, f"/{{kind}}", "browse list", "<h1", params=field)
        expect(self.client, f"/{{kind}}/{{random.randint(1, LISTINGS)}}", "browse detail", "<h1")

    @task(2)
    def search(self):
        expect(self.client, "/search", "search", "<h1", params={{"q": random.choice(QUERIES)}})


class Staff(HttpUser):
    weight = 1
    wait_time = between(0.5, 1.5)

    def on_start(self):
        sign_in(self.client, "staff{{}}@bench.local".format(random.randrange({staff})))

    @task(2)
    def queue(self):
        field = {{"field": random.choice(FIELDS)}}
        expect(self.client, "/review/matches", "queue", QUEUE_MARK, params=field)

    @task(1)
    def card(self):
        expect(self.client, f"/review/matches/{{random.randint(1, MAX_ID)}}", "card", "match-state")


class Enterprise(HttpUser):
    weight = 1
    wait_time = between(2, 5)  # filling in a form takes a while

    def on_start(self):
        sign_in(self.client, "enterprise{{}}@bench.local".format(random.randrange({enterprises})))

    @task
    def submit(self):
        page = self.client.get("/my/need/new", name="need form").text
        token = TOKEN.search(page).group(1)
        words = random.choice(QUERIES)
        data = {{
            "csrf_token": token,
            "title": f"{{words}} {{uuid.uuid4().hex[:6]}}",
            "field": random.choice(FIELDS),
            "description": f"我司需要解决{{words}}相关的技术难题，希望与高校院所合作攻关。",
            "visibility": "public",
        }}
        sent = self.client.post("/my/need/new", data=data, name="submit need", catch_response=True)
        with sent as response:
            saved = "/edit" in response.url or "confirm_duplicate" in response.text
            if response.status_code != 200 or not saved:
                response.failure(f"{{response.status_code}}: not saved")
"""


def index_everything(settings: Settings) -> float:
    started = time.perf_counter()
    db = runtime.configure(settings)
    with db.session() as session:
        indexing.rebuild(session, runtime.search_engine())
    db.dispose()
    return time.perf_counter() - started


def warm_up(base: str, workers: int) -> None:
    """Each gunicorn worker loads the model on its first search; do that before measuring."""
    for _ in range(workers * 3):
        urllib.request.urlopen(base + "/search?q=%E7%94%B5%E6%B1%A0", timeout=120).read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=90)
    parser.add_argument("--matches", type=int, default=50_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    es_url = os.environ.get("MATCHMAKER_TEST_ES_URL")
    redis_url = os.environ.get("MATCHMAKER_TEST_REDIS_URL")
    if not es_url or not redis_url:
        sys.exit('needs the services: eval "$(scripts/services.sh env)"')

    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    instance = workdir / "instance"
    instance.mkdir()
    url, pg_name = bench_review.new_postgres_database()
    prefix = f"bench-load-{uuid.uuid4().hex[:8]}"
    settings = replace(
        Settings.from_env(),
        instance_dir=instance,
        database_url=url,
        broker_url=redis_url,
        index_backend="elasticsearch",
        elasticsearch_url=es_url,
        elasticsearch_index_prefix=prefix,
        secret_key="bench-secret",
        load_demo_data=False,
    )
    server = None
    try:
        migrate.upgrade(url)
        max_id = bench_review.seed(url, args.matches, args.users, random.Random(7))
        print(f"# indexed every listing into Elasticsearch in {index_everything(settings):.0f} s")
        port = bench_review.free_port()
        base = f"http://127.0.0.1:{port}"
        env = os.environ.copy()
        env.update(
            MATCHMAKER_INSTANCE_DIR=str(instance),
            MATCHMAKER_DATABASE_URL=url,
            MATCHMAKER_BROKER_URL=redis_url,
            MATCHMAKER_INDEX_BACKEND="elasticsearch",
            MATCHMAKER_ELASTICSEARCH_URL=es_url,
            MATCHMAKER_ELASTICSEARCH_INDEX_PREFIX=prefix,
            MATCHMAKER_LOAD_DEMO_DATA="0",
            MATCHMAKER_SECRET_KEY="bench-secret",
            PYTHONPATH=str(ROOT),
        )
        log = workdir / "server.log"
        server = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}"),
                *("--workers", str(args.workers), "--threads", str(args.threads)),
                *("--timeout", "120", "web:create_app()"),
            ],
            env=env,
            cwd=ROOT,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        bench_review.wait_until_up(base, server, log)
        warm_up(base, args.workers)

        queries = [row["title"] for row in loader.read("needs.json")]
        queries += [row["title"] for row in loader.read("achievements.json")][:20]
        locustfile = workdir / "locustfile.py"
        locustfile.write_text(
            LOCUSTFILE.format(
                queries=queries,
                fields=list(taxonomy.FIELDS),
                max_id=max_id,
                listings=int((2 * args.matches) ** 0.5) + 1,
                password=bench_review.PASSWORD,
                staff=args.users,
                enterprises=80,
            ),
            encoding="utf-8",
        )
        stats = workdir / "locust"
        subprocess.run(
            [
                *(sys.executable, "-m", "locust", "-f", str(locustfile), "--headless"),
                *("--users", str(args.users), "--spawn-rate", "4", "--reset-stats"),
                *("--run-time", f"{args.seconds}s", "--host", base, "--csv", str(stats)),
                *("--only-summary", "--loglevel", "WARNING"),
            ],
            check=False,
        )
        print(
            f"\n# PostgreSQL + Elasticsearch + gunicorn {args.workers}×{args.threads}, "
            f"{args.users} users, {args.seconds} s, {args.matches} matches"
        )
        bench_review.print_stats(stats)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        runtime.configure(settings)
        runtime.search_engine().index.drop()
        runtime.database().dispose()
        bench_review.drop_postgres_database(pg_name)


if __name__ == "__main__":
    main()
