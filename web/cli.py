"""The `matchmaker` command: run the site, a worker, migrations, demo data, admin accounts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup
from werkzeug.serving import run_simple

from indexer.backends import IndexModelMismatch
from matchmaker import migrate as migrations
from matchmaker import runtime
from matchmaker.accounts import operations as accounts
from matchmaker.config import Settings
from matchmaker.core import jobs
from matchmaker.core.errors import ValidationFailed
from matchmaker.demo import loader as demo
from matchmaker.models import Role
from matchmaker.search import indexing, readiness
from web import create_app


def _settings() -> Settings:
    settings: Settings = current_app.config["MATCHMAKER_SETTINGS"]
    return settings


def _load_demo_if_empty() -> bool:
    with runtime.database().transaction() as session:
        if not demo.is_empty(session):
            click.echo("Database already has data; demo data not loaded.")
            return False
        report = demo.load(session)
    click.echo(
        f"Demo data loaded: {report.organisations} organisations, {report.users} users, "
        f"{report.achievements} achievements, {report.needs} needs. "
        f"Log in e.g. as {demo.DEMO_LOGINS[Role.STAFF]} / {demo.DEMO_PASSWORD}"
    )
    return True


def _propose_demo_matches() -> None:
    """A new demo site opens with a review queue to work through."""
    from matchmaker.experts import proposals as expert_proposals
    from matchmaker.matching import operations as matching

    with runtime.database().session() as session:
        totals = matching.match_all(session, runtime.search_engine())
        experts = expert_proposals.propose_all(session, runtime.search_engine())
    click.echo(f"Proposed {totals['created']} matches for the demo needs.")
    click.echo(f"Proposed {experts} expert matches for the demo needs.")


def _worker_command(concurrency: int = 1, *, with_beat: bool = False) -> list[str]:
    # tasks run in pool processes even with one: a process that peaked past
    # MATCHMAKER_WORKER_MAX_MEMORY_MB (PyTorch loaded by a bulk import) is replaced after its
    # task, which a task run in the main process (--pool=solo) could not be
    command = [sys.executable, "-m", "celery", "-A", "matchmaker.worker", "worker"]
    command += ["--loglevel=INFO", f"--concurrency={concurrency}", "--pool=prefork"]
    if with_beat:
        # one machine: the worker also runs the periodic schedule (production runs beat apart)
        schedule = _settings().instance_dir / "celerybeat-schedule"
        command += ["--beat", f"--schedule={schedule}"]
    return command


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), add_default_commands=True)
def main() -> None:
    """科技成果 ↔ 企业需求 matchmaking platform."""


@main.command("migrate")
def migrate_command() -> None:
    """Bring the database schema up to date."""
    migrations.upgrade(_settings().database_url)
    click.echo("Database is up to date.")


@main.command("demo-data")
def demo_data_command() -> None:
    """Load the demo data into an empty database."""
    migrations.upgrade(_settings().database_url)
    _load_demo_if_empty()


@main.command("create-admin")
@click.argument("email")
@click.option("--name", default="Administrator")
@click.password_option()
def create_admin_command(email: str, name: str, password: str) -> None:
    """Create an administrator account."""
    with runtime.database().transaction() as session:
        try:
            accounts.create_user(session, email, password, name, Role.ADMIN)
        except ValidationFailed as exc:
            raise click.ClickException(f"cannot create admin: {exc.code}") from exc
    click.echo(f"Administrator {email} created.")


def _rebuild_index_with_progress() -> int:
    engine = runtime.search_engine()
    with runtime.database().session() as session:
        total = indexing.count_indexable(session)
        with click.progressbar(length=total, label="Indexing listings") as bar:
            last = 0

            def advance(done: int) -> None:
                nonlocal last
                bar.update(done - last)
                last = done

            return indexing.rebuild(session, engine, advance)


def _queue_index_build(*, then_match_all: bool) -> None:
    with runtime.database().transaction() as session:
        job = readiness.start_rebuild(session, then_match_all=then_match_all)
    jobs.send(job)
    click.echo("The search index is being built in the background (see Admin → Search index).")


def _index_needs_building() -> bool:
    try:
        return runtime.search_engine().index.count() == 0
    except IndexModelMismatch as exc:
        click.echo(f"Rebuilding the index: {exc}")
        return True


@main.command("reindex")
def reindex_command() -> None:
    """Rebuild the search index from the database (the index is swapped in when complete)."""
    written = _rebuild_index_with_progress()
    click.echo(f"Indexed {written} listings with {runtime.search_engine().embedder.model_id}.")


def _run_job_with_progress(kind: str, task_name: str, label: str, **params: object) -> dict:
    """Record a job (so the admin page lists the run), run its task here, and show progress
    from the job row while it runs."""
    import threading

    from matchmaker.core import jobs
    from matchmaker.models import Job

    db = runtime.database()
    with db.transaction() as session:
        job = jobs.create(session, kind, **params)
        job_id = job.id
    from matchmaker.celery_app import celery

    worker = threading.Thread(target=celery.tasks[task_name], args=(job_id,), daemon=True)
    worker.start()
    shown = ""
    while worker.is_alive():
        worker.join(timeout=5)
        with db.session() as session:
            tracked = session.get(Job, job_id)
            line = f"{label}: {tracked.done}/{tracked.total}" if tracked else ""
        if line != shown:
            click.echo(line)
            shown = line
    with db.session() as session:
        finished = session.get(Job, job_id)
        assert finished is not None
        if finished.error:
            raise click.ClickException(finished.error)
        return dict(finished.result or {})


@main.command("adapt-model")
@click.option("--steps", type=int, default=None, help="Training steps (default: the recipe's).")
@click.option("--learning-rate", type=float, default=None)
@click.option("--max-seq-length", type=int, default=None, help="Tokens per training text.")
@click.option("--seed", type=int, default=None)
def adapt_model_command(
    steps: int | None, learning_rate: float | None, max_seq_length: int | None, seed: int | None
) -> None:
    """Adapt the embedding model to the published listings; switch to it (rebuilding the
    index) only if it passes the self-check."""
    from matchmaker.adaptation import operations as adaptation

    recipe = {
        name: value
        for name, value in (
            ("steps", steps),
            ("learning_rate", learning_rate),
            ("max_seq_length", max_seq_length),
            ("seed", seed),
        )
        if value is not None
    }
    with runtime.database().session() as session:
        if adaptation.is_running(session):
            raise click.ClickException("an adaptation or rollback is already running")
    result = _run_job_with_progress(
        adaptation.ADAPT_JOB, "matchmaker.adapt_model", "Adapting", recipe=recipe
    )
    check = result.get("self_check") or {}
    click.echo(
        f"{result.get('listings')} listings, {result.get('training_pairs')} training pairs, "
        f"{result.get('held_out')} held out; training {result.get('training', {}).get('seconds')}s"
    )
    for part in ("held_out", "labelled"):
        if check.get(f"{part}_before"):
            click.echo(f"{part}: before {check[f'{part}_before']} after {check[f'{part}_after']}")
    if result.get("accepted"):
        click.echo(
            f"Switched to {result.get('model_id')}; {result.get('indexed')} listings indexed."
        )
    else:
        click.echo(f"Kept the current model: {result.get('reason')}.")


@main.command("rollback-model")
def rollback_model_command() -> None:
    """Return to the embedding model in use before the last switch (rebuilds the index)."""
    from matchmaker.adaptation import operations as adaptation

    if adaptation.rollback_target(_settings()) is None:
        raise click.ClickException("there is no previous model to roll back to")
    with runtime.database().session() as session:
        if adaptation.is_running(session):
            raise click.ClickException("an adaptation or rollback is already running")
    result = _run_job_with_progress(
        adaptation.ROLLBACK_JOB, "matchmaker.rollback_model", "Rolling back"
    )
    click.echo(f"Back on {result.get('model_id')}; {result.get('indexed')} listings indexed.")


@main.command("index-drift")
@click.option("--repair", is_flag=True, help="Index what is missing or stale, drop orphans.")
def index_drift_command(repair: bool) -> None:
    """Compare the search index with the database; exit status 1 when they differ."""
    engine = runtime.search_engine()
    with runtime.database().session() as session:
        report = indexing.drift(session, engine)
        click.echo(
            f"missing={len(report.missing)} stale={len(report.stale)} "
            f"orphaned={len(report.orphaned)}"
        )
        if repair and report.total:
            fixed = indexing.repair(session, engine, report)
            click.echo(f"repaired {fixed}")
            report = indexing.drift(session, engine)
            click.echo(
                f"after repair: missing={len(report.missing)} stale={len(report.stale)} "
                f"orphaned={len(report.orphaned)}"
            )
    if report.total:
        sys.exit(1)


@main.command("match")
@click.option("--need", "need_id", type=int, help="Rank achievements for this need.")
@click.option("--achievement", "achievement_id", type=int, help="Rank needs for this achievement.")
@click.option("--all", "match_all", is_flag=True, help="Re-match every published need.")
@click.option("--top", default=10, show_default=True)
@click.option("--save/--no-save", default=True, help="Write proposals to the review queue.")
def match_command(
    need_id: int | None, achievement_id: int | None, match_all: bool, top: int, save: bool
) -> None:
    """Propose matches and print the top ones with their explanation."""
    from matchmaker.matching import operations as matching
    from matchmaker.matching import ranker
    from matchmaker.models import Achievement, Need

    engine = runtime.search_engine()
    with runtime.database().transaction() as session:
        if match_all:
            totals = matching.match_all(session, engine)
            click.echo(f"re-matched all needs: {totals}")
            return
        if need_id is not None:
            model, listing_id = Need, need_id
        elif achievement_id is not None:
            model, listing_id = Achievement, achievement_id
        else:
            raise click.UsageError("give --need ID, --achievement ID or --all")
        listing = session.get(model, listing_id)
        if listing is None:
            raise click.ClickException(f"no {model.kind} {listing_id}")
        ranked = ranker.for_listing(session, engine, listing, top)
        if save:
            matching.match_listing(session, engine, listing)
        for item in ranked:
            ex = item.explanation
            other = item.achievement if need_id is not None else item.need
            click.echo(f"#{ex['rank']} [{ex['strength']}] {other.kind}:{other.id} {other.title}")
            click.echo(f"    score {item.score:.3f} {item.components}")
            click.echo(f"    shared terms: {'、'.join(ex['shared_terms']) or '—'}")
            checks = ", ".join(f"{c['name']}={c['result']}" for c in ex["checks"])
            click.echo(f"    checks: {checks}")
            if ex.get("sentences"):
                click.echo(f"    need: {ex['sentences']['need'][:80]}")
                click.echo(f"    achv: {ex['sentences']['achievement'][:80]}")


@main.command("worker")
@click.option("--concurrency", default=1, show_default=True)
def worker_command(concurrency: int) -> None:
    """Start a Celery worker for background jobs."""
    os.execv(sys.executable, _worker_command(concurrency))


@main.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--no-worker", is_flag=True, help="Do not start a background worker.")
def run_command(host: str, port: int, no_worker: bool) -> None:
    """Run the whole site on one machine: migrate, demo data, a worker and the web server."""
    settings = _settings()
    migrations.upgrade(settings.database_url)
    demo_loaded = settings.load_demo_data and _load_demo_if_empty()
    index_to_build = settings.search_enabled and _index_needs_building()
    if index_to_build and no_worker:
        # first run, or a new model or tokenizer, and nobody to do it later: before the site
        _rebuild_index_with_progress()
    if demo_loaded and settings.search_enabled and no_worker:
        _propose_demo_matches()
    if index_to_build and not no_worker:
        # the worker builds it (progress on the admin's index page) while the site already
        # answers; search says it is still building and answers from the database meanwhile
        _queue_index_build(then_match_all=demo_loaded)
    worker = (
        None
        if no_worker
        else subprocess.Popen(_worker_command(with_beat=True), env=os.environ.copy())
    )
    # a plain SIGTERM (service managers, test fixtures) must also stop the worker we started
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        click.echo(f"Site running at http://{host}:{port}  (Ctrl+C to stop)")
        # werkzeug directly: Flask's app.run() declines to start inside its own CLI
        run_simple(host, port, current_app._get_current_object(), threaded=True)
    finally:
        if worker is not None:
            _stop(worker)


def _stop(worker: subprocess.Popen[bytes], grace: float = 30.0) -> None:
    """Ask the worker to finish its task (SIGTERM), then end it (SIGKILL) if it is still busy
    after `grace` seconds: a job it was running is resumed by the next worker (jobs.py)."""
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(timeout=10)


if __name__ == "__main__":
    main()
