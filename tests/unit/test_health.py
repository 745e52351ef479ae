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
