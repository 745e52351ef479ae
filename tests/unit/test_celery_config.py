from dataclasses import replace

from matchmaker.celery_app import celery, configure_celery


def test_embedded_default_uses_a_filesystem_queue_under_instance(settings) -> None:
    configure_celery(replace(settings, broker_url=""))
    assert celery.conf.broker_url == "filesystem://"
    options = celery.conf.broker_transport_options
    assert options["data_folder_in"] == options["data_folder_out"]
    assert options["data_folder_in"].startswith(str(settings.instance_dir))
    assert (settings.instance_dir / "broker" / "queue").is_dir()


def test_production_uses_the_configured_broker(settings) -> None:
    configure_celery(replace(settings, broker_url="redis://127.0.0.1:6379/3"))
    assert celery.conf.broker_url == "redis://127.0.0.1:6379/3"
    assert celery.conf.broker_transport_options == {"visibility_timeout": 3 * 3600}
    configure_celery(settings)


def test_tasks_survive_a_dying_worker() -> None:
    assert celery.conf.task_acks_late is True
    assert celery.conf.task_reject_on_worker_lost is True


def test_settings_from_environment(monkeypatch, tmp_path) -> None:
    from matchmaker.config import Settings

    monkeypatch.setenv("MATCHMAKER_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("MATCHMAKER_INDEX_BACKEND", "elasticsearch")
    monkeypatch.delenv("MATCHMAKER_SECRET_KEY", raising=False)
    monkeypatch.delenv("MATCHMAKER_DATABASE_URL", raising=False)
    first = Settings.from_env()
    assert first.index_backend == "elasticsearch"
    assert first.database_url == f"sqlite:///{tmp_path / 'matchmaker.sqlite'}"
    # the generated secret is kept, so sessions survive a restart
    assert Settings.from_env().secret_key == first.secret_key
    assert len(first.secret_key) >= 32


def test_tasks_sent_from_other_threads_use_the_configured_app(settings) -> None:
    import threading

    from matchmaker.core.tasks import ping

    configure_celery(settings)
    seen = []
    thread = threading.Thread(target=lambda: seen.append(ping.app.conf.broker_url))
    thread.start()
    thread.join()
    assert seen == ["filesystem://"]


def test_returning_to_an_earlier_broker_gets_live_connections(settings) -> None:
    """The test suite switches brokers within one process: going back to one used before must
    not hand out the pool that the switch away from it closed ("Acquire on closed pool")."""
    first = replace(settings, broker_url="memory://", broker_visibility_timeout=3)
    second = replace(first, broker_visibility_timeout=60)
    try:
        for chosen in (first, second, first):
            configure_celery(chosen)
            with celery.producer_or_acquire() as producer:
                assert producer.connection.transport_options == {
                    "visibility_timeout": chosen.broker_visibility_timeout
                }
    finally:
        configure_celery(settings)


def test_the_worker_runs_at_a_lower_cpu_priority_than_the_site(tmp_path) -> None:
    """An import or a rebuild must not slow sign-ins: the worker process (and the pool it
    forks) starts at MATCHMAKER_WORKER_NICENESS."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    probe = (
        "import os\n"
        "from celery.signals import worker_init\n"
        "import matchmaker.worker\n"
        "before = os.nice(0)\n"
        "worker_init.send(sender=None)\n"
        "print(os.nice(0) - before)\n"
    )
    env = {
        **os.environ,
        "MATCHMAKER_INSTANCE_DIR": str(tmp_path),
        "MATCHMAKER_WORKER_NICENESS": "7",
        "MATCHMAKER_SEARCH_ENABLED": "0",
    }
    result = subprocess.run(
        [sys.executable, "-c", probe],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.strip().splitlines()[-1] == "7"
