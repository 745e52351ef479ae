import pytest

from matchmaker.db import count_rows
from matchmaker.models import Achievement, AuditEntry, ListingState, Need, Role
from tests import factories

ACHIEVEMENT_FORM = {
    "title": "高导热氮化铝陶瓷基板制备技术",
    "summary": "可将功率模块结温降低 20℃ 的陶瓷基板。",
    "description": "采用流延成型和低温共烧工艺制备氮化铝基板，热导率 180 W/(m·K)，成本比进口低 30%，已完成中试。",
    "keywords": "氮化铝，陶瓷基板; 散热",
    "field": "new_materials",
    "trl": "6",
    "ip_type": "invention_patent",
    "patent_numbers": "ZL202110234567.8",
    "cooperation_modes": ["transfer", "license"],
    "price_min": "50",
    "price_max": "200",
    "region": "江苏省",
    "visibility": "public",
}
NEED_FORM = {
    "title": "功率模块散热基板国产化",
    "description": "我司生产新能源汽车电机控制器，功率模块发热严重，进口基板价格高、交期长。",
    "current_approach": "进口氧化铝基板，散热不够。",
    "desired_outcome": "热导率 ≥150，单价下降 30%。",
    "field": "new_materials",
    "trl_min": "6",
    "budget_min": "30",
    "budget_max": "100",
    "cooperation_modes": ["transfer"],
    "region": "广东省",
    "visibility": "public",
}


@pytest.fixture
def people(app):
    from web import db

    with app.app_context():
        s = db.session()
        org = factories.organisation(s)
        made = {
            "researcher": factories.user(s, Role.RESEARCHER, email="r@example.com"),
            "researcher2": factories.user(s, Role.RESEARCHER, email="r2@example.com"),
            "enterprise": factories.user(
                s, Role.ENTERPRISE, email="e@example.com", organisation=org
            ),
            "enterprise2": factories.user(s, Role.ENTERPRISE, email="e2@example.com"),
            "colleague": factories.user(
                s, Role.ENTERPRISE, email="c@example.com", organisation=org
            ),
            "staff": factories.user(s, Role.STAFF, email="s@example.com"),
        }
        s.commit()
        return {k: v.email for k, v in made.items()}


def login(client, email):
    client.post("/logout")
    client.post("/login", data={"email": email, "password": factories.PASSWORD})


def only(app, model):
    from web import db

    with app.app_context():
        items = db.session().query(model).all()
        assert len(items) == 1
        return items[0]


def test_researcher_drafts_submits_and_staff_publishes(client, app, people) -> None:
    login(client, people["researcher"])
    response = client.post("/my/achievement/new", data=ACHIEVEMENT_FORM)
    assert response.status_code == 302
    item = only(app, Achievement)
    assert item.state == ListingState.DRAFT
    assert item.keywords == ["氮化铝", "陶瓷基板", "散热"]
    assert item.cooperation_modes == ["transfer", "license"]
    assert (item.trl, item.price_min, item.price_max) == (6, 50.0, 200.0)
    client.post(f"/my/achievement/{item.id}/submit")
    assert only(app, Achievement).state == ListingState.SUBMITTED
    assert "高导热氮化铝" in client.get("/dashboard").get_data(as_text=True)

    login(client, people["staff"])
    queue = client.get("/my/review").get_data(as_text=True)
    assert f'data-id="achievement:{item.id}"' in queue
    client.post(f"/my/review/achievement/{item.id}/publish")
    published = only(app, Achievement)
    assert published.state == ListingState.PUBLISHED
    assert published.expires_at is not None
    login(client, people["researcher2"])
    assert client.get(f"/achievements/{item.id}").status_code == 200


def test_staff_return_needs_a_comment_which_the_owner_sees(client, app, people) -> None:
    login(client, people["enterprise"])
    client.post("/my/need/new", data=NEED_FORM)
    need = only(app, Need)
    client.post(f"/my/need/{need.id}/submit")
    login(client, people["staff"])
    client.post(f"/my/review/need/{need.id}/return", data={"comment": ""})
    assert only(app, Need).state == ListingState.SUBMITTED
    client.post(f"/my/review/need/{need.id}/return", data={"comment": "请补充预算范围的依据"})
    assert only(app, Need).state == ListingState.RETURNED
    login(client, people["enterprise"])
    page = client.get(f"/my/need/{need.id}/edit").get_data(as_text=True)
    assert "请补充预算范围的依据" in page


def test_wrong_role_cannot_create(client, people) -> None:
    login(client, people["researcher"])
    assert client.get("/my/need/new").status_code == 403
    login(client, people["enterprise"])
    assert client.get("/my/achievement/new").status_code == 403
    client.post("/logout")
    assert client.get("/my/need/new").status_code == 302


def test_nobody_edits_someone_elses_listing(client, app, people) -> None:
    login(client, people["researcher"])
    client.post("/my/achievement/new", data=ACHIEVEMENT_FORM)
    item = only(app, Achievement)
    login(client, people["researcher2"])
    assert client.get(f"/my/achievement/{item.id}/edit").status_code == 404
    assert (
        client.post(
            f"/my/achievement/{item.id}/edit", data={**ACHIEVEMENT_FORM, "title": "被篡改"}
        ).status_code
        == 404
    )
    assert client.post(f"/my/achievement/{item.id}/submit").status_code == 404
    assert only(app, Achievement).title == ACHIEVEMENT_FORM["title"]


def test_published_listing_is_not_editable_until_withdrawn(client, app, people) -> None:
    from web import db

    login(client, people["researcher"])
    with app.app_context():
        s = db.session()
        owner = s.query(factories.User).filter_by(email=people["researcher"]).one()
        item_id = factories.achievement(s, owner).id
        s.commit()
    page = client.post(
        f"/my/achievement/{item_id}/edit", data={**ACHIEVEMENT_FORM, "title": "新标题"}
    )
    assert "withdraw it first" in page.get_data(as_text=True) or "撤回" in page.get_data(
        as_text=True
    )
    assert only(app, Achievement).title != "新标题"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"price_min": "300", "price_max": "100"}, "上限不能低于下限"),
        ({"title": ""}, "此项为必填项"),
        ({"title": "长" * 201}, "200"),
        ({"description": "太短"}, "30"),
        ({"price_min": "-5"}, "0"),
        ({"field": "no_such_field"}, "不是有效的选择"),
    ],
)
def test_bad_input_is_explained_and_nothing_saved(client, app, people, changes, message) -> None:
    from web import db

    login(client, people["researcher"])
    response = client.post("/my/achievement/new", data={**ACHIEVEMENT_FORM, **changes})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    with app.app_context():
        assert count_rows(db.session(), Achievement) == 0


AMOUNT_MESSAGE_ZH = "请输入 0 到 1,000,000 万元之间的金额。"
AMOUNT_MESSAGE_EN = "Please enter an amount from 0 to 1,000,000 ×10k CNY."


@pytest.mark.parametrize(
    ("path", "form", "model", "changes"),
    [
        ("/my/need/new", NEED_FORM, Need, {"budget_max": "5000000"}),  # 500亿元
        ("/my/need/new", NEED_FORM, Need, {"budget_min": "-1"}),
        ("/my/achievement/new", ACHIEVEMENT_FORM, Achievement, {"price_max": "1000001"}),
        ("/my/achievement/new", ACHIEVEMENT_FORM, Achievement, {"price_min": "-5"}),
    ],
)
def test_amounts_out_of_range_are_refused_with_the_unit(
    client, app, people, path, form, model, changes
) -> None:
    from web import db

    who = "enterprise" if model is Need else "researcher"
    login(client, people[who])
    page = client.post(path, data={**form, **changes}).get_data(as_text=True)
    assert AMOUNT_MESSAGE_ZH in page and "10000000.0" not in page
    client.get("/lang/en")
    page = client.post(path, data={**form, **changes}).get_data(as_text=True)
    assert AMOUNT_MESSAGE_EN in page
    with app.app_context():
        assert count_rows(db.session(), model) == 0


def test_the_largest_allowed_budget_is_accepted(client, app, people) -> None:
    login(client, people["enterprise"])
    form = client.get("/my/need/new").get_data(as_text=True)
    budget_input = form[form.index('id="budget_max"') - 200 : form.index('id="budget_max"') + 200]
    assert 'max="1000000"' in budget_input and 'min="0"' in budget_input
    response = client.post(
        "/my/need/new", data={**NEED_FORM, "budget_min": "0", "budget_max": "1000000"}
    )
    assert response.status_code == 302
    assert float(only(app, Need).budget_max) == 1_000_000


def test_double_submit_saves_once(client, app, people) -> None:
    from web import db

    login(client, people["researcher"])
    first = client.post("/my/achievement/new", data=ACHIEVEMENT_FORM)
    second = client.post("/my/achievement/new", data=ACHIEVEMENT_FORM)
    assert first.location == second.location
    with app.app_context():
        assert count_rows(db.session(), Achievement) == 1
        assert count_rows(db.session(), AuditEntry, AuditEntry.action == "achievement.created") == 1


def test_script_tags_are_stored_as_text_and_rendered_inert(client, app, people) -> None:
    login(client, people["enterprise"])
    client.post("/my/need/new", data={**NEED_FORM, "title": "<script>alert('x')</script>需求"})
    need = only(app, Need)
    assert need.title == "<script>alert('x')</script>需求"
    page = client.get(f"/my/need/{need.id}/edit").get_data(as_text=True)
    assert "<script>alert('x')</script>" not in page
    assert "&lt;script&gt;" in page


def test_near_identical_need_of_same_organisation_is_flagged(client, app, people) -> None:
    login(client, people["colleague"])
    client.post("/my/need/new", data=NEED_FORM)
    login(client, people["enterprise"])
    copy = {**NEED_FORM, "title": "功率模块散热基板国产化需求"}
    warned = client.post("/my/need/new", data=copy)
    # warned before saving: nothing saved yet, the colleague's need is named
    assert warned.status_code == 200
    page = warned.get_data(as_text=True)
    assert 'data-testid="duplicate-before-save"' in page and NEED_FORM["title"] in page
    from web import db

    with app.app_context():
        assert db.session().query(Need).count() == 1
    client.post("/my/need/new", data={**copy, "confirm_duplicate": "1"})
    with app.app_context():
        mine = db.session().query(Need).filter(Need.title.endswith("需求")).one()
    page = client.get(f"/my/need/{mine.id}/edit").get_data(as_text=True)
    assert 'data-testid="duplicate-warning"' in page
    login(client, people["enterprise2"])
    client.post("/my/need/new", data={**NEED_FORM, "title": "另一家公司的同类需求"})
    with app.app_context():
        other = db.session().query(Need).filter(Need.title.startswith("另一家")).one()
    assert 'data-testid="duplicate-warning"' not in client.get(
        f"/my/need/{other.id}/edit"
    ).get_data(as_text=True)


def test_docx_upload_prefills_the_form_and_is_attached_on_save(
    client, app, people, settings
) -> None:
    import io

    from matchmaker.models import Attachment
    from tests.documents import make_docx
    from web import db

    login(client, people["researcher"])
    data = make_docx(
        ["耐盐碱水稻新品种“海稻 12 号”", "在含盐 0.6% 的滩涂地亩产 550 公斤，已在三省示范种植。"]
    )
    page = client.post(
        "/my/achievement/from-file",
        data={"document": (io.BytesIO(data), "../../etc/海稻成果.docx")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert (
        'value="耐盐碱水稻新品种“海稻 12 号”"' in page
        or "耐盐碱水稻新品种&#8220;海稻 12 号&#8221;" in page
    )
    assert "亩产 550 公斤" in page
    import re

    key = re.search(r'name="attachment_key" type="hidden" value="([^"]+)"', page).group(1)
    client.post(
        "/my/achievement/new",
        data={**ACHIEVEMENT_FORM, "title": "海稻 12 号", "attachment_key": key},
    )
    with app.app_context():
        attachment = db.session().query(Attachment).one()
        assert attachment.original_name == "海稻成果.docx"  # no path parts survive
        assert attachment.achievement_id is not None
        stored = settings.upload_dir / "files" / attachment.storage_key
        assert stored.read_bytes() == data
        assert not str(stored).startswith(str(app.static_folder))


@pytest.mark.parametrize(
    ("payload", "name", "message"),
    [
        (b"just text pretending", "cv.docx", "只能读取 Word"),
        (b"%PDF-1.4 broken", "x.pdf", "文件已损坏"),
    ],
)
def test_bad_uploads_get_a_clear_message(client, people, payload, name, message) -> None:
    import io

    login(client, people["researcher"])
    page = client.post(
        "/my/achievement/from-file",
        data={"document": (io.BytesIO(payload), name)},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert message in page


def test_scanned_pdf_is_explained(client, people) -> None:
    import io

    from tests.documents import make_pdf

    login(client, people["researcher"])
    page = client.post(
        "/my/achievement/from-file",
        data={"document": (io.BytesIO(make_pdf([])), "scan.pdf")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "扫描件" in page


def test_costly_pdfs_get_a_clear_message_and_a_small_pending_upload(
    client, people, settings
) -> None:
    import io
    import json

    from tests.documents import make_inflating_pdf, make_shared_stream_pdf

    login(client, people["researcher"])
    response = client.post(
        "/my/achievement/from-file",
        data={"document": (io.BytesIO(make_inflating_pdf(80)), "bomb.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "文件解压后体积异常" in response.get_data(as_text=True)

    data = make_shared_stream_pdf(pages=150, repeats=2500)
    response = client.post(
        "/my/achievement/from-file",
        data={"document": (io.BytesIO(data), "shared.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    (sidecar,) = (settings.upload_dir / "pending").glob("*.json")
    assert sidecar.stat().st_size < 100_000  # was ~15 MB of repeated text
    assert len(json.loads(sidecar.read_text("utf-8"))["text"]) <= 20_000


def test_an_upload_that_reads_too_long_gets_a_clear_message_and_nothing_is_kept(
    client, people, settings, monkeypatch
) -> None:
    import io

    from matchmaker.core import bounded
    from tests.documents import make_docx

    monkeypatch.setattr(bounded, "PARSE_SECONDS", 0.001)
    login(client, people["researcher"])
    page = client.post(
        "/my/achievement/from-file",
        data={"document": (io.BytesIO(make_docx(["标题", "正文"])), "slow.docx")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "读取该文件耗时过长" in page
    assert not list((settings.upload_dir / "pending").glob("*"))


def test_a_write_up_prefills_what_it_states_marked_for_the_owner_to_confirm(client, people) -> None:
    import io

    from tests.documents import make_docx

    login(client, people["researcher"])
    data = make_docx(
        [
            "高导热氮化铝陶瓷基板制备技术",
            "技术领域：新材料",
            "技术成熟度：6级",
            "知识产权：发明专利 ZL202110234567.8",
            "合作方式：技术转让、许可使用",
            "转让价格：50–200万元",
            "所在地区：江苏省",
            "采用流延成型与低温共烧工艺制备氮化铝陶瓷基板，热导率 180 W/(m·K)。",
        ]
    )
    page = client.post(
        "/my/achievement/from-file",
        data={"document": (io.BytesIO(data), "write-up.docx")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert 'value="ZL202110234567.8"' in page
    assert '<option selected value="6">' in page or '<option value="6" selected>' in page
    assert '<option selected value="江苏省">' in page or '<option value="江苏省" selected>' in page
    assert 'value="transfer" checked' in page or 'checked id="cooperation_modes-0"' in page
    for name in ("patent_numbers", "trl", "field", "region", "cooperation_modes", "price_min"):
        assert f'data-recognised="{name}"' in page
    assert 'data-recognised="title"' not in page  # the title is a guess, not a statement
    assert "来自文件，请核对" in page


def test_oversize_upload_is_refused(app, client, people) -> None:
    import io

    app.config["MAX_CONTENT_LENGTH"] = 1024
    login(client, people["researcher"])
    response = client.post(
        "/my/achievement/from-file",
        data={"document": (io.BytesIO(b"%PDF-" + b"0" * 5000), "big.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "文件过大" in response.get_data(as_text=True)


def test_someone_elses_pending_upload_cannot_be_attached(client, app, people) -> None:
    import io

    from matchmaker.models import Attachment
    from tests.documents import make_docx
    from web import db

    login(client, people["researcher"])
    page = client.post(
        "/my/achievement/from-file",
        data={"document": (io.BytesIO(make_docx(["标题一二三四", "正文"])), "a.docx")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    import re

    key = re.search(r'name="attachment_key" type="hidden" value="([^"]+)"', page).group(1)
    login(client, people["researcher2"])
    client.post("/my/achievement/new", data={**ACHIEVEMENT_FORM, "attachment_key": key})
    with app.app_context():
        assert db.session().query(Attachment).count() == 0


def test_form_problems_are_listed_at_the_top_and_beside_their_fields(client, people) -> None:
    login(client, people["enterprise"])
    page = client.post(
        "/my/need/new", data={**NEED_FORM, "title": "", "budget_max": "50000000"}
    ).get_data(as_text=True)
    summary = page.index('data-testid="form-problems"')
    assert summary < page.index("<fieldset")  # above the fields, where the eye is
    listed = page[summary:].split("</div>")[0]
    assert listed.count("<li>") == 2
    assert 'href="#title"' in listed and 'href="#budget_max"' in listed
    assert page.count('class="error" role="alert"') == 2  # and each beside its field
    assert "problems.js" in page


def test_the_near_duplicate_warning_comes_before_the_fields(client, people) -> None:
    login(client, people["enterprise"])
    client.post("/my/need/new", data=NEED_FORM)
    page = client.post(
        "/my/need/new", data={**NEED_FORM, "title": NEED_FORM["title"] + "（二期）"}
    ).get_data(as_text=True)
    assert 'data-testid="duplicate-before-save"' in page
    assert page.index('data-testid="duplicate-before-save"') < page.index("<fieldset")
    assert "%</span>" not in page  # no raw similarity number
