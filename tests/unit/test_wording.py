"""Words on pages: each language shows its own labels; one wording per thing."""

from __future__ import annotations

import re

from markupsafe import escape

from matchmaker import taxonomy
from tests.unit.test_roadshow_web import world  # noqa: F401 - fixture
from tests.unit.test_submissions_web import login


def test_token_name_field_is_called_token_name(client, world) -> None:  # noqa: F811
    login(client, world["enterprise"])
    page = client.get("/my/api-tokens?lang=zh").get_data(as_text=True)
    assert '<label for="name">令牌名称</label>' in page
    english = client.get("/my/api-tokens?lang=en").get_data(as_text=True)
    assert '<label for="name">Token name</label>' in english


def test_roadshow_registration_button_says_baoming(client, world) -> None:  # noqa: F811
    login(client, world["researcher"])
    page = client.get(f"/roadshows/{world['rid']}?lang=zh").get_data(as_text=True)
    button = re.search(r'data-action="register">([^<]*)</button>', page)
    assert button is not None and button.group(1) == "报名"
    english = client.get(f"/roadshows/{world['rid']}?lang=en").get_data(as_text=True)
    assert 'data-action="register">Register</button>' in english


def test_own_registration_is_said_once(client, world) -> None:  # noqa: F811
    login(client, world["enterprise"])
    page = client.get(f"/roadshows/{world['rid']}?lang=zh").get_data(as_text=True)
    sentence = re.search(r'data-testid="my-registration">([^<]*)<', page)
    assert sentence is not None and sentence.group(1).strip() == "您已报名。"


def test_english_form_shows_english_option_labels_only(client, world) -> None:  # noqa: F811
    login(client, world["presenter"])
    english = client.get("/my/achievement/new?lang=en").get_data(as_text=True)
    chinese = client.get("/my/achievement/new?lang=zh").get_data(as_text=True)
    for vocabulary in (taxonomy.FIELDS, taxonomy.COOPERATION_MODES, taxonomy.IP_TYPES):
        for term in vocabulary.values():
            assert f">{escape(term.en)}<" in english and term.zh not in english
            assert term.zh in chinese and f"{term.zh} / {term.en}" not in chinese
    level = taxonomy.TRL_LEVELS[6]
    assert level.en in english and level.zh not in english


def test_no_full_width_punctuation_outside_the_chinese_catalogue() -> None:
    """English text comes from msgids and templates; a full-width colon there shows up in the
    English pages (Chinese punctuation belongs in the .po msgstr)."""
    from pathlib import Path

    web = Path(__file__).resolve().parents[2] / "web"
    sources = [
        *web.glob("templates/**/*.html"),
        *web.glob("**/*.py"),
        *web.glob("static/js/*.js"),
        web / "translations" / "messages.pot",
    ]
    offending = [str(p.relative_to(web)) for p in sources if "：" in p.read_text(encoding="utf-8")]
    assert offending == []
