"""A bulk import while people sign in and browse, on the embedded default (one SQLite file).

    python scripts/bench_import_load.py [--rows 3000] [--users 10] [--loops 40] [--think 1]
                                        [--no-search] [--profile]

The site runs in its own process (werkzeug, threaded, loopback only) on a fresh SQLite file;
another process imports the rows as the worker does (importing.run at the worker's niceness,
rows submitted for review, so every row gets the near-duplicate check) while `--users` threads
each sign in, open the dashboard and two listing pages and sign out, at most `--loops` times,
`--think` seconds between clicks. Prints errors, sign-in and page p50/p95 and import rows/s.
Goal (issue 17): 0 errors, sign-in p95 <= 1 s, import >= 20 rows/s on 2 cores.
"""

from __future__ import annotations

import argparse
import cProfile
import http.cookiejar
import multiprocessing
import pstats
import socket
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from matchmaker import migrate, runtime  # noqa: E402
from matchmaker.config import Settings  # noqa: E402
from matchmaker.importing import operations as importing  # noqa: E402
from matchmaker.models import Job, Role  # noqa: E402
from tests import factories  # noqa: E402

HEADER = "成果名称,成果介绍,技术领域,成熟度(1-9),合作方式,价格下限(万元),价格上限(万元),所在地区\n"
TOPICS = [
    "氮化铝陶瓷基板",
    "耐盐碱水稻",
    "碳化硅栅氧",
    "锂电池隔膜",
    "工业视觉检测",
    "生物降解塑料",
]


def settings_for(instance: Path, search: bool) -> Settings:
    return Settings(
        instance_dir=instance,
        database_url=f"sqlite:///{instance / 'matchmaker.sqlite'}",
        secret_key="bench-secret",
        load_demo_data=False,
        celery_always_eager=False,
        search_enabled=search,
    )


def serve(instance: str, search: bool, port: int) -> None:
    from werkzeug.serving import make_server

    from web import create_app

    app = create_app(settings_for(Path(instance), search), WTF_CSRF_ENABLED=False)
    make_server("127.0.0.1", port, app, threaded=True).serve_forever()


def import_like_the_worker(  # type: ignore[no-untyped-def]
    instance: str, search: bool, job_id: int, profile: bool, ready, go, outcome
) -> None:
    settings = settings_for(Path(instance), search)
    runtime.yield_to_the_site(settings.worker_niceness)
    database = runtime.configure(settings)
    loading = time.perf_counter()
    engine = runtime.search_engine()
    if search:
        engine.embedder.encode(["预热"])
    load_seconds = time.perf_counter() - loading
    ready.set()
    go.wait()
    profiler = cProfile.Profile() if profile else None
    error = ""
    started = time.perf_counter()
    try:
        with database.transaction() as session:
            if profiler:
                profiler.enable()
            importing.run(session, session.get(Job, job_id), settings=settings, engine=engine)
    except Exception as exc:  # reported by the parent
        error = repr(exc)
    finally:
        if profiler:
            profiler.disable()
    seconds = time.perf_counter() - started
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    outcome.put((load_seconds, seconds, error))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class Visitor(threading.Thread):
    def __init__(
        self, base: str, email: str, loops: int, stop: threading.Event, think: float
    ) -> None:
        super().__init__(daemon=True)
        self.base, self.email, self.loops, self.stop = base, email, loops, stop
        self.think = think
        self.sign_ins: list[float] = []
        self.pages: list[float] = []
        self.errors: list[str] = []

    def _open(self, opener, path: str, data: dict[str, str] | None = None) -> float:  # type: ignore[no-untyped-def]
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        started = time.perf_counter()
        try:
            with opener.open(self.base + path, data=body, timeout=60) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError as exc:
            self.errors.append(f"{path}: {exc}")
            return time.perf_counter() - started
        if status >= 400:
            self.errors.append(f"{path}: {status}")
        return time.perf_counter() - started

    def run(self) -> None:
        for _ in range(self.loops):
            if self.stop.is_set():
                return
            opener = urllib.request.build_opener(
                urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
            )
            self.sign_ins.append(
                self._open(opener, "/login", {"email": self.email, "password": factories.PASSWORD})
            )
            for path in ("/dashboard", "/achievements", "/needs"):
                self.stop.wait(self.think)
                self.pages.append(self._open(opener, path))
            self._open(opener, "/logout", {})
            self.stop.wait(self.think)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--loops", type=int, default=40)
    parser.add_argument("--no-search", action="store_true", help="search off (no index)")
    parser.add_argument("--profile", action="store_true", help="print where the import spends time")
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="seconds a person spends on a page before the next click (0: a load generator)",
    )
    args = parser.parse_args()
    search = not args.no_search

    instance = Path(tempfile.mkdtemp(prefix="bench-import-"))
    settings = settings_for(instance, search)
    migrate.upgrade(settings.database_url)
    database = runtime.configure(settings)
    with database.transaction() as session:
        importer = factories.user(session, Role.RESEARCHER, email="importer@example.com")
        emails = []
        for n in range(args.users):
            role = Role.RESEARCHER if n % 2 else Role.ENTERPRISE
            emails.append(factories.user(session, role, email=f"user{n}@example.com").email)
        for n in range(30):  # other organisations' listings, some alike the imported rows
            factories.achievement(
                session, title=f"{TOPICS[n % len(TOPICS)]}技术{n}", description=f"说明{n}" * 20
            )
        rows = "".join(
            f"{TOPICS[n % len(TOPICS)]}成果{n},{TOPICS[n % len(TOPICS)]}的制备方法与应用{n},"
            f"新材料,5,技术转让,10,20,上海市\n"
            for n in range(args.rows)
        )
        job = importing.preview(session, importer, (HEADER + rows).encode(), "bench.csv")
        importing.confirm(session, importer, job, submit_for_review=True)
        job_id = job.id

    port = free_port()
    server = multiprocessing.get_context("spawn").Process(
        target=serve, args=(str(instance), search, port), daemon=True
    )
    server.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/login", timeout=2).read()
            break
        except OSError:
            time.sleep(0.1)

    # the import runs as the worker would: its own process, at the worker's lower priority,
    # with the model loaded before the clock starts
    context = multiprocessing.get_context("spawn")
    ready, go = context.Event(), context.Event()
    outcome = context.Queue()
    importer_process = context.Process(
        target=import_like_the_worker,
        args=(str(instance), search, job_id, args.profile, ready, go, outcome),
        daemon=True,
    )
    importer_process.start()
    ready.wait(timeout=600)

    stop = threading.Event()
    visitors = [Visitor(base, email, args.loops, stop, args.think) for email in emails]
    go.set()
    for visitor in visitors:
        visitor.start()
    load_seconds, import_seconds, import_error = outcome.get(timeout=7200)
    importer_process.join(timeout=60)
    stop.set()
    for visitor in visitors:
        visitor.join(timeout=120)
    server.terminate()
    server.join(timeout=10)

    with database.session() as session:
        done = session.get(Job, job_id).done
    sign_ins = [t for v in visitors for t in v.sign_ins]
    pages = [t for v in visitors for t in v.pages]
    errors = [e for v in visitors for e in v.errors]
    print(
        f"search: {'on (local index)' if search else 'off'}; users: {args.users}, "
        f"think time {args.think:g} s; worker niceness {settings.worker_niceness}; "
        f"model load before the import (not counted): {load_seconds:.1f} s"
    )
    print(
        f"import: {done}/{args.rows} rows in {import_seconds:.1f} s = "
        f"{done / import_seconds:.1f} rows/s {import_error}"
    )
    print(
        f"sign-ins: {len(sign_ins)}, p50 {statistics.median(sign_ins):.3f} s, "
        f"p95 {percentile(sign_ins, 0.95):.3f} s, max {max(sign_ins):.3f} s"
    )
    print(
        f"pages: {len(pages)}, p50 {statistics.median(pages):.3f} s, "
        f"p95 {percentile(pages, 0.95):.3f} s"
    )
    print(f"errors: {len(errors)}")
    for error in errors[:10]:
        print("  ", error)


if __name__ == "__main__":
    main()
