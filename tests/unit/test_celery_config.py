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

    from matchmaker.tasks import ping

    configure_celery(settings)
    seen = []
    thread = threading.Thread(target=lambda: seen.append(ping.app.conf.broker_url))
    thread.start()
    thread.join()
    assert seen == ["filesystem://"]
