import io
import re

import pytest
import sqlalchemy as sa

from matchmaker import runtime
from matchmaker.db import count_rows
from matchmaker.importing import operations as importing
from matchmaker.models import Achievement, Job, JobState, ListingState, Role, User
from tests import factories
from tests.unit.test_import_tables import HEADER

CSV = (
    HEADER
    + "耐盐碱水稻,适合滩涂种植的新品种，亩产550公斤,现代农业,8,许可使用,20,50,江苏省\n"
    + "=cmd|' /C calc'!A0,公式注入的行,新材料,5,技术转让,10,20,上海市\n"
    + ",缺少名称的行,新材料,5,技术转让,10,20,上海市\n"
    + "SiC 栅氧工艺,提升碳化硅器件栅氧寿命,集成电路,4,合作开发,100,80,上海市\n"
)


@pytest.fixture
def researcher(app):
    from web import db

    with app.app_context():
        s = db.session()
        factories.user(s, Role.RESEARCHER, email="r@example.com")
        factories.user(s, Role.RESEARCHER, email="other@example.com")
        s.commit()


def login(client, email="r@example.com"):
    client.post("/logout")
    client.post("/login", data={"email": email, "password": factories.PASSWORD})


def upload(client, data: bytes, name: str = "成果.csv"):
    return client.post(
        "/my/achievement/import",
        data={"table": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_gbk_csv_preview_shows_row_errors_then_imports_valid_rows(client, app, researcher) -> None:
    from web import db

    login(client)
    response = upload(client, CSV.encode("gbk"))
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "2 行可以导入，2 行有问题" in page
    assert 'data-row="4"' in page and "成果名称：必填但为空" in page
    assert 'data-row="5"' in page and "上限低于下限" in page
    with app.app_context():
        assert count_rows(db.session(), Achievement) == 0  # nothing saved before confirming
    job_id = int(re.search(r"/import/(\d+)", response.location).group(1))

    client.post(f"/my/achievement/import/{job_id}/confirm", data={"submit_for_review": "y"})
    client.post(
        f"/my/achievement/import/{job_id}/confirm", data={"submit_for_review": "y"}
    )  # double click
    with app.app_context():
        s = db.session()
        items = s.query(Achievement).order_by(Achievement.id).all()
        assert [i.title for i in items] == ["耐盐碱水稻", "=cmd|' /C calc'!A0"]
        assert all(i.state == ListingState.SUBMITTED for i in items)
        assert items[0].cooperation_modes == ["license"]
        job = s.get(Job, job_id)
        assert job.state == JobState.SUCCEEDED and job.result["imported"] == 2
    status = client.get(f"/my/jobs/{job_id}.json").get_json()
    assert (status["state"], status["percent"]) == ("succeeded", 100)

    from openpyxl import load_workbook

    report = client.get(f"/my/achievement/import/{job_id}/report.xlsx")
    sheet = load_workbook(io.BytesIO(report.data)).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert "'=cmd|' /C calc'!A0" in values  # neutralised for Excel
    assert any(isinstance(v, str) and v.startswith("未导入") for v in values)


def test_import_resumes_without_duplicates_after_a_crash(app, researcher) -> None:
    from web import db

    with app.app_context():
        s = db.session()
        owner = s.query(factories.User).filter_by(email="r@example.com").one()
        job = importing.preview(s, owner, CSV.encode(), "x.csv")
        importing.confirm(s, owner, job, submit_for_review=False)
        s.commit()
        # a worker that died after the first row: its progress was committed with the row
        first = job.params["rows"][0]
        created = importing.listings.create(s, owner, importing._draft(first, owner))
        job.result = {"created": {str(first["row"]): created.id}}
        s.commit()
        importing.run(s, job, settings=runtime.settings(), engine=runtime.search_engine())
        importing.run(
            s, job, settings=runtime.settings(), engine=runtime.search_engine()
        )  # a redelivered task
        assert count_rows(s, Achievement) == 2
        assert job.result["imported"] == 2


def test_others_cannot_see_or_confirm_my_import(client, app, researcher) -> None:
    login(client)
    job_path = upload(client, CSV.encode()).location
    job_id = int(re.search(r"/import/(\d+)", job_path).group(1))
    login(client, "other@example.com")
    assert client.get(f"/my/achievement/import/{job_id}").status_code == 404
    assert client.post(f"/my/achievement/import/{job_id}/confirm").status_code == 404
    assert client.get(f"/my/jobs/{job_id}.json").status_code == 404


def test_bad_file_gets_a_message(client, researcher) -> None:
    login(client)
    page = client.post(
        "/my/achievement/import",
        data={"table": (io.BytesIO(b"PK\x03\x04broken"), "a.xlsx")},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "文件已损坏" in page


def test_template_download(client, researcher) -> None:
    login(client)
    response = client.get("/my/achievement/import/template.xlsx")
    assert response.status_code == 200
    assert response.data.startswith(b"PK")


def test_a_sign_in_during_an_import_is_not_held_up_by_it(app, client, researcher, monkeypatch):
    """SQLite has one writer at a time: a sign-in (it records the time) in the middle of an
    import must not wait for the import's write transaction, let alone fail on it."""
    import threading

    from matchmaker.listings import operations as listings
    from web import db

    rows = "".join(f"成果{n},介绍{n},新材料,5,技术转让,10,20,上海市\n" for n in range(1, 11))
    with app.app_context():
        s = db.session()
        owner = s.scalar(sa.select(User).where(User.email == "r@example.com"))
        job = importing.preview(s, owner, (HEADER + rows).encode(), "x.csv")
        importing.confirm(s, owner, job, submit_for_review=True)
        s.commit()
        job_id = job.id

    paused, resume = threading.Event(), threading.Event()
    create = listings.create
    made = 0

    def pausing_on_the_fourth_row(*args, **kwargs):
        nonlocal made
        made += 1
        if made == 4:  # three rows imported, seven to come
            paused.set()
            resume.wait(timeout=60)
        return create(*args, **kwargs)

    monkeypatch.setattr(listings, "create", pausing_on_the_fourth_row)
    failures: list[BaseException] = []

    def run_import() -> None:
        try:
            with runtime.database().transaction() as session:
                importing.run(
                    session,
                    session.get(Job, job_id),
                    settings=runtime.settings(),
                    engine=runtime.search_engine(),
                )
        except BaseException as exc:  # reported by the test thread
            failures.append(exc)

    worker = threading.Thread(target=run_import)
    worker.start()
    try:
        assert paused.wait(timeout=60)
        response = client.post(
            "/login", data={"email": "other@example.com", "password": factories.PASSWORD}
        )
    finally:
        resume.set()
        worker.join(timeout=120)
    assert response.status_code == 302 and "/login" not in response.location
    assert not failures
    with app.app_context():
        done = db.session().get(Job, job_id)
        assert done.state == JobState.SUCCEEDED and done.done == 10


def test_the_report_lists_rows_in_spreadsheet_order_with_the_bad_values(
    client, app, researcher
) -> None:
    from openpyxl import load_workbook

    rows = (
        HEADER
        + "甲,说明,新材料,5,捐赠,10,20,上海市\n"
        + "乙,说明,新材料,5,技术转让,10,20,上海市\n"
        + "丙,说明,新材料,5,技术服务/咨询,10,20,火星\n"
        + "丁,说明,新材料,5,技术服务/咨询,10,20,上海市\n"
    )
    login(client)
    response = upload(client, rows.encode("utf-8"))
    page = client.get(response.location).get_data(as_text=True)
    assert "合作方式：无法识别的合作方式（“捐赠”）" in page
    assert "所在地区：无法识别的地区（“火星”）" in page
    job_id = int(re.search(r"/import/(\d+)", response.location).group(1))
    report = client.get(f"/my/achievement/import/{job_id}/report.xlsx")
    sheet = load_workbook(io.BytesIO(report.data)).active
    numbers = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert numbers == [2, 3, 4, 5]
