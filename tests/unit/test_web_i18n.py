def test_chinese_is_the_default(client) -> None:
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert "让科技成果找到需要它的企业" in page
    assert "登录" in page


def test_english_on_request_and_remembered(client) -> None:
    response = client.get("/lang/en?next=/achievements")
    assert response.status_code == 302 and response.location.endswith("/achievements")
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Connect research achievements with the enterprises that need them" in page
    client.get("/lang/zh")
    assert "让科技成果找到需要它的企业" in client.get("/").get_data(as_text=True)


def test_browser_preferring_english_gets_english(client) -> None:
    page = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert "Sign in" in page


def test_vocabulary_labels_follow_the_language(client, app) -> None:
    from tests import factories
    from web import db

    with app.app_context():
        s = db.session()
        factories.achievement(s, field="integrated_circuits")
        s.commit()
    assert "集成电路" in client.get("/achievements").get_data(as_text=True)
    assert "Integrated circuits" in client.get("/achievements?lang=en").get_data(as_text=True)


def test_every_string_has_a_chinese_translation() -> None:
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "i18n_script", Path(__file__).parents[2] / "scripts" / "i18n.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.untranslated("zh") == []


def test_security_headers_forbid_other_origins(client) -> None:
    response = client.get("/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
