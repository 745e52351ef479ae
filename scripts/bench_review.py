"""Review queue and match card under load: 50k matches, 20 concurrent staff, real server.

    python scripts/bench_review.py [--db sqlite|postgresql] [--matches 50000] [--users 20]
                                   [--seconds 90] [--workers 2] [--threads 4]

Builds a throw-away instance (SQLite file, or a new PostgreSQL database beside
MATCHMAKER_TEST_DATABASE_URL), fills it with listings built from the demo texts and N matches
spread over every pipeline state, starts gunicorn on loopback, and runs Locust headless: each
simulated staff member signs in, then opens queue pages (tabs, filters, sorts, following the
"next page" cursor) and match cards. Prints p50/p95/p99 per page kind and the request rate.
Needs the bench extra: pip install -e '.[bench]'.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from matchmaker import credit_code, migrate, taxonomy  # noqa: E402
from matchmaker.accounts import operations as accounts  # noqa: E402
from matchmaker.db import utcnow  # noqa: E402
from matchmaker.demo import loader  # noqa: E402
from matchmaker.models import (  # noqa: E402
    Achievement,
    ListingState,
    Match,
    MatchEvent,
    MatchState,
    Need,
    Organisation,
    OrganisationKind,
    Role,
    User,
    Visibility,
)

PASSWORD = "bench-pass-123"
STAFF_EMAIL = "staff{}@bench.local"
# share of matches per state, roughly what a busy association's table looks like
STATE_MIX = [
    (MatchState.PROPOSED, 0.55),
    (MatchState.REJECTED, 0.20),
    (MatchState.APPROVED, 0.10),
    (MatchState.INTRODUCED, 0.06),
    (MatchState.MEETING, 0.04),
    (MatchState.NEGOTIATING, 0.02),
    (MatchState.SIGNED, 0.015),
    (MatchState.DROPPED, 0.015),
]

LOCUSTFILE = """
import random, re
from locust import HttpUser, between, task

FIELDS = {fields!r}
REGIONS = {regions!r}
MAX_ID = {max_id}
NEXT = re.compile(r'href="([^"]+)" data-testid="next-page"')
QUEUE_MARK = 'data-testid="export"'
CARD_MARK = 'data-testid="match-state"'
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class Staff(HttpUser):
    wait_time = between(0.5, 1.5)  # a person reading, not a tight loop

    def on_start(self):
        page = self.client.get("/login", name="login form").text
        token = TOKEN.search(page).group(1)
        email = "{staff_email}".format(random.randrange({users}))
        with self.client.post(
            "/login",
            data={{"csrf_token": token, "email": email, "password": "{password}"}},
            name="login",
            catch_response=True,
        ) as response:
            if response.url.endswith("/login"):
                response.failure("sign-in refused")

    def page(self, url, name, marker, **kw):
        # a GET fails unless the expected page came back (not the login form)
        with self.client.get(url, name=name, catch_response=True, **kw) as response:
            if marker not in response.text:
                response.failure("not the expected page")
            return response.text

    @task(4)
    def queue(self):
        tab = random.choice(["proposed", "proposed", "pipeline", "attention", "all"])
        params = {{"state": tab}}
        if random.random() < 0.4:
            params["field"] = random.choice(FIELDS)
        if random.random() < 0.2:
            params["region"] = random.choice(REGIONS)
        if random.random() < 0.3:
            params["sort"] = random.choice(["newest", "oldest", "waiting"])
        text = self.page("/review/matches", "queue", QUEUE_MARK, params=params)
        found = NEXT.search(text)
        if found and random.random() < 0.5:
            self.page(found.group(1).replace("&amp;", "&"), "queue next page", QUEUE_MARK)

    @task(3)
    def card(self):
        self.page(f"/review/matches/{{random.randint(1, MAX_ID)}}", "card", CARD_MARK)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def new_postgres_database() -> tuple[str, str]:
    admin_url = os.environ.get("MATCHMAKER_TEST_DATABASE_URL")
    if not admin_url:
        sys.exit("--db postgresql needs MATCHMAKER_TEST_DATABASE_URL (scripts/services.sh env)")
    name = f"mm_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    return url, name


def drop_postgres_database(name: str) -> None:
    admin = sa.create_engine(
        os.environ["MATCHMAKER_TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _organisations(session, count: int, kind: OrganisationKind, start: int) -> list[Organisation]:
    rows = [
        Organisation(
            name=f"基准单位{start + i}",
            kind=kind,
            credit_code=credit_code.complete(f"913201001{start + i:07d}"),
            region=taxonomy.REGIONS[(start + i) % len(taxonomy.REGIONS)],
        )
        for i in range(count)
    ]
    session.add_all(rows)
    return rows


def _people(session, orgs: list[Organisation], role: Role, prefix: str) -> list[User]:
    password_hash = accounts.hash_password(PASSWORD)
    rows = [
        User(
            email=f"{prefix}{i}@bench.local",
            password_hash=password_hash,
            name=f"{prefix}{i}",
            role=role,
            organisation=org,
        )
        for i, org in enumerate(orgs)
    ]
    session.add_all(rows)
    return rows


def seed(url: str, matches: int, users: int, rng: random.Random) -> int:
    """Listings from the demo texts and `matches` matches; returns the highest match id."""
    engine = sa.create_engine(url)
    fields = list(taxonomy.FIELDS)
    achievements_src = loader.read("achievements.json")
    needs_src = loader.read("needs.json")
    # enough distinct pairs: needs × achievements ≥ 2 × matches
    per_side = int((2 * matches) ** 0.5) + 1
    now = utcnow()
    with sa.orm.Session(engine) as s:
        universities = _organisations(s, 40, OrganisationKind.UNIVERSITY, 1)
        companies = _organisations(s, 80, OrganisationKind.ENTERPRISE, 1000)
        researchers = _people(s, universities, Role.RESEARCHER, "researcher")
        owners = _people(s, companies, Role.ENTERPRISE, "enterprise")
        staff = [
            User(
                email=STAFF_EMAIL.format(i),
                password_hash=accounts.hash_password(PASSWORD),
                name=f"审核员{i}",
                role=Role.STAFF,
            )
            for i in range(users)
        ]
        s.add_all(staff)
        s.flush()
        achievements = []
        for i in range(per_side):
            src = achievements_src[i % len(achievements_src)]
            owner = researchers[i % len(researchers)]
            achievements.append(
                Achievement(
                    owner=owner,
                    organisation=owner.organisation,
                    title=f"{src['title']}（{i}）",
                    summary=src["summary"],
                    description=src["description"],
                    field=fields[i % len(fields)],
                    trl=src.get("trl"),
                    region=owner.organisation.region,
                    state=ListingState.PUBLISHED,
                    visibility=Visibility.PUBLIC,
                    published_at=now,
                )
            )
        needs = []
        for i in range(per_side):
            src = needs_src[i % len(needs_src)]
            owner = owners[i % len(owners)]
            needs.append(
                Need(
                    owner=owner,
                    organisation=owner.organisation,
                    title=f"{src['title']}（{i}）",
                    description=src["description"],
                    field=fields[(i * 7) % len(fields)],
                    region=owner.organisation.region,
                    state=ListingState.PUBLISHED,
                    visibility=Visibility.PUBLIC,
                    published_at=now,
                )
            )
        s.add_all(achievements + needs)
        s.flush()
        staff_ids = [u.id for u in staff]
        need_ids = [n.id for n in needs]
        achievement_ids = [a.id for a in achievements]
        s.commit()

    pairs = rng.sample(range(per_side * per_side), matches)
    states = [state for state, share in STATE_MIX]
    weights = [share for state, share in STATE_MIX]
    match_rows, event_rows = [], []
    for number, pair in enumerate(pairs, start=1):
        state = rng.choices(states, weights)[0]
        score = round(rng.uniform(0.95, 1.3), 4)
        created = now - timedelta(days=rng.randint(0, 120), minutes=rng.randint(0, 1440))
        changed = min(created + timedelta(days=rng.randint(0, 20)), now)
        decided = state != MatchState.PROPOSED
        match_rows.append(
            {
                "id": number,
                "need_id": need_ids[pair // per_side],
                "achievement_id": achievement_ids[pair % per_side],
                "score": score,
                "components": {"retrieval": score - 0.2, "compatibility": 0.2, "feedback": 0.0},
                "explanation": {
                    "rank": rng.randint(1, 20),
                    "strength": "high" if score >= 1.1 else "medium",
                    "shared_terms": ["电池", "材料"],
                    "sentences": None,
                    "checks": [
                        {"name": name, "result": rng.choice(["passed", "failed", "unknown"])}
                        for name in ("field", "trl", "budget", "modes", "region", "deadline")
                    ],
                },
                "state": state,
                "assignee_id": rng.choice(staff_ids) if decided or rng.random() < 0.2 else None,
                "reject_reason": "field_mismatch" if state == MatchState.REJECTED else None,
                "created_at": created,
                "updated_at": changed,
                "state_changed_at": changed,
                "first_decided_at": changed if decided else None,
                "version": 1,
            }
        )
        event_rows.append(
            {
                "match_id": number,
                "actor_id": None,
                "from_state": None,
                "to_state": MatchState.PROPOSED,
                "created_at": created,
            }
        )
        if decided:
            event_rows.append(
                {
                    "match_id": number,
                    "actor_id": match_rows[-1]["assignee_id"],
                    "from_state": MatchState.PROPOSED,
                    "to_state": state,
                    "created_at": changed,
                }
            )
    with engine.begin() as conn:
        for start in range(0, len(match_rows), 5000):
            conn.execute(sa.insert(Match), match_rows[start : start + 5000])
        for start in range(0, len(event_rows), 5000):
            conn.execute(sa.insert(MatchEvent), event_rows[start : start + 5000])
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT setval('matches_id_seq', (SELECT max(id) FROM matches))"))
            conn.execute(sa.text("ANALYZE"))
    engine.dispose()
    return matches


def wait_until_up(base: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit("server exited:\n" + log.read_text()[-3000:])
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    sys.exit("server did not start:\n" + log.read_text()[-3000:])


def read_stats(prefix: Path) -> list[dict[str, str]]:
    with (prefix.parent / f"{prefix.name}_stats.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def print_stats(prefix: Path) -> None:
    """Locust's per-request figures from its CSV, one line each."""
    header = ("requests", "failures", "p50 ms", "p95 ms", "p99 ms", "req/s")
    print(f"{'request':<22}" + "".join(f"{h:>9}" for h in header))
    for row in read_stats(prefix):
        print(
            f"{(row['Type'] + ' ' + row['Name']).strip():<22}{row['Request Count']:>9}"
            f"{row['Failure Count']:>9}{row['50%']:>9}{row['95%']:>9}{row['99%']:>9}"
            f"{float(row['Requests/s']):>9.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--matches", type=int, default=50_000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=90)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-review-"))
    instance = workdir / "instance"
    instance.mkdir()
    pg_name = None
    if args.db == "postgresql":
        url, pg_name = new_postgres_database()
    else:
        url = f"sqlite:///{instance / 'matchmaker.sqlite'}"
    server = None
    try:
        started = time.perf_counter()
        migrate.upgrade(url)
        max_id = seed(url, args.matches, args.users, random.Random(args.seed))
        print(
            f"# {args.db}: {args.matches} matches seeded in {time.perf_counter() - started:.1f} s"
        )

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = os.environ.copy()
        env.update(
            MATCHMAKER_INSTANCE_DIR=str(instance),
            MATCHMAKER_DATABASE_URL=url,
            MATCHMAKER_LOAD_DEMO_DATA="0",
            MATCHMAKER_SECRET_KEY="bench-secret",
            PYTHONPATH=str(ROOT),
        )
        log = workdir / "server.log"
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--threads",
                str(args.threads),
                "web:create_app()",
            ],
            env=env,
            cwd=ROOT,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        wait_until_up(base, server, log)

        locustfile = workdir / "locustfile.py"
        locustfile.write_text(
            LOCUSTFILE.format(
                fields=list(taxonomy.FIELDS),
                regions=list(taxonomy.REGIONS[:12]),
                max_id=max_id,
                staff_email=STAFF_EMAIL,
                users=args.users,
                password=PASSWORD,
            ),
            encoding="utf-8",
        )
        prefix = workdir / "locust"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(locustfile),
                "--headless",
                "--users",
                str(args.users),
                # sign-ins (scrypt, ~0.5 s of CPU each) spread over the ramp-up, and the
                # figures count from the moment every user is running
                "--spawn-rate",
                "4",
                "--reset-stats",
                "--run-time",
                f"{args.seconds}s",
                "--host",
                base,
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            check=False,
        )
        print(
            f"\n# {args.db}, {args.matches} matches, {args.users} users, {args.seconds} s, "
            f"gunicorn {args.workers}×{args.threads}"
        )
        print_stats(prefix)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if pg_name:
            drop_postgres_database(pg_name)


if __name__ == "__main__":
    main()
