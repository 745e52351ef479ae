def test_health_and_readiness(client) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["checks"]["database"] == "ok"


def test_readiness_fails_when_the_database_is_gone(app, settings) -> None:
    import os

    client = app.test_client()
    from matchmaker import runtime

    runtime.database().dispose()
    os.remove(settings.instance_dir / "test.sqlite")
    (settings.instance_dir / "test.sqlite").mkdir()  # a directory cannot be opened as a database
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"].startswith("error")


def test_readiness_reports_index_broker_and_model(tmp_path) -> None:
    from matchmaker import migrate, runtime
    from tests.conftest import make_settings
    from web import create_app

    settings = make_settings(tmp_path, search_enabled=True, celery_always_eager=False)
    migrate.upgrade(settings.database_url)
    app = create_app(settings, TESTING=True)
    try:
        checks = app.test_client().get("/readyz").get_json()["checks"]
        assert checks["database"] == "ok"
        assert checks["broker"] == "ok"  # the embedded filesystem queue
        assert checks["index"] == "ok (0 documents)"
        # readiness never loads the model (seconds), the index is probed without it
        assert checks["model"] == "loads on first use"
        assert "embedder" not in runtime.search_engine().__dict__
    finally:
        runtime.database().dispose()


def test_readiness_counts_the_local_index_without_the_model(tmp_path) -> None:
    import numpy as np

    from indexer.backends import IndexDocument, open_index
    from matchmaker import migrate, runtime
    from tests.conftest import make_settings
    from web import create_app

    settings = make_settings(tmp_path, search_enabled=True)
    index = open_index("local", model_id="m", dimension=3, local_path=settings.local_index_path)
    index.upsert(
        [
            IndexDocument(f"achievement:{i}", "achievement", ["热"], np.ones(3), {}, "")
            for i in range(4)
        ]
    )
    migrate.upgrade(settings.database_url)
    app = create_app(settings, TESTING=True)
    try:
        checks = app.test_client().get("/readyz").get_json()["checks"]
        assert checks["index"] == "ok (4 documents)"
        assert checks["model"] == "loads on first use"
        settings.local_index_path.write_bytes(b"not a database" * 100)
        assert app.test_client().get("/readyz").get_json()["checks"]["index"].startswith("error")
    finally:
        runtime.database().dispose()
