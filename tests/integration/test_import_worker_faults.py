"""A Celery worker killed in the middle of a bulk import: the task comes back and finishes, every
row of the spreadsheet exists once — none lost, none imported twice (real worker processes, the
upload and confirm pages of the web app). Twice: Redis + PostgreSQL, where the broker redelivers
the unacknowledged task, and the embedded default (SQLite + filesystem queue), whose queue
forgets a message once a worker took it, so the stalled-job sweep sends the job again."""

from __future__ import annotations

import io
import re
import signal
import time
from collections import Counter
from dataclasses import replace

import pytest
import redis
import sqlalchemy as sa

from matchmaker import migrate, runtime
from matchmaker.importing import operations as importing
from matchmaker.models import (
    Achievement,
    AuditEntry,
    JobState,
    ListingState,
    Match,
    Notification,
    Role,
)
from tests import factories
from tests.conftest import make_settings
from tests.integration.worker_helpers import detached_job, running_worker, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]
VISIBILITY_SECONDS = 3  # how soon Redis hands a dead worker's task to the next one
STALE_SECONDS = 3  # how soon the embedded default's sweep takes a quiet job for dead
ROWS = 300  # valid rows: seconds of importing on 2 cores, one commit each
BAD_ROWS = 3  # rows the preview rejects: never imported, counted as failed
EMAIL = "importer@example.com"
FIELDS = ["新材料", "现代农业", "集成电路", "生物医药", "新能源"]
REGIONS = ["江苏省", "上海市", "浙江省", "广东省", "北京市"]


def title_of(number: int) -> str:
    return f"批量导入成果 {number:04d} 号"


def spreadsheet() -> bytes:
    """An .xlsx as researchers fill in the template: Chinese headers, one achievement a row."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["成果名称", "成果介绍", "技术领域", "成熟度(1-9)", "合作方式", "所在地区"])
    for n in range(ROWS):
        sheet.append(
            [
                title_of(n),
                f"第 {n} 项成果：工艺参数 {n * 7 % 997} 组，样品批次 {n * 13 % 389}，已完成中试。",
                FIELDS[n % len(FIELDS)],
                1 + n % 9,
                "技术转让、许可使用",
                REGIONS[n % len(REGIONS)],
            ]
        )
    for n in range(BAD_ROWS):  # no field: rejected by the preview
        sheet.append([f"缺少领域的行 {n}", "没有填写技术领域", "", 5, "技术转让", "江苏省"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_bulk_import_survives_a_killed_worker(tmp_path, pg_url, redis_url, monkeypatch) -> None:
    monkeypatch.setenv("MATCHMAKER_BROKER_VISIBILITY_TIMEOUT", str(VISIBILITY_SECONDS))
    settings = replace(
        make_settings(tmp_path, pg_url),
        broker_url=redis_url,
        broker_visibility_timeout=VISIBILITY_SECONDS,
        celery_always_eager=False,
    )
    broker = redis.Redis.from_url(redis_url)
    try:
        killed_and_resumed(
            settings,
            tmp_path,
            lambda: broker.llen("celery") == 0 and broker.hlen("unacked") == 0,
        )
    finally:
        broker.close()


def test_bulk_import_survives_a_killed_worker_on_the_embedded_default(
    tmp_path, monkeypatch
) -> None:
    """The filesystem queue deletes the message when the worker takes it: after the kill the
    queue is empty and only the job row knows the import is unfinished."""
    monkeypatch.setenv("MATCHMAKER_JOB_STALE_SECONDS", str(STALE_SECONDS))
    instance = tmp_path / "instance"
    instance.mkdir()
    settings = replace(make_settings(instance), celery_always_eager=False)
    queue = settings.broker_dir / "queue"

    def queue_empty() -> bool:
        return not any(queue.glob("*.msg"))

    def import_forgotten() -> bool:
        # other messages (index updates of rows already imported) may wait; the import's not
        return not any(importing.TASK in m.read_text(errors="replace") for m in queue.glob("*.msg"))

    killed_and_resumed(settings, tmp_path, queue_empty, before_restart=import_forgotten)


def killed_and_resumed(settings, tmp_path, drained_check, before_restart=None) -> None:  # type: ignore[no-untyped-def]
    migrate.upgrade(settings.database_url)
    from web import create_app

    app = create_app(settings, TESTING=True, WTF_CSRF_ENABLED=False)
    db = runtime.database()
    with db.transaction() as s:
        owner_id = factories.user(s, Role.RESEARCHER, email=EMAIL).id

    # the researcher's path: upload (parsed and validated, nothing saved), preview, confirm
    client = app.test_client()
    client.post("/login", data={"email": EMAIL, "password": factories.PASSWORD})
    uploaded = client.post(
        "/my/achievement/import",
        data={"table": (io.BytesIO(spreadsheet()), "成果.xlsx")},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 302, uploaded.get_data(as_text=True)[-2000:]
    job_id = int(re.search(r"/import/(\d+)", uploaded.location).group(1))
    queued = detached_job(db, job_id)
    assert (queued.kind, queued.total, len(queued.params["failed"])) == (
        importing.KIND,
        ROWS,
        BAD_ROWS,
    )
    # the task waits in Redis until a worker exists
    confirmed = client.post(
        f"/my/achievement/import/{job_id}/confirm", data={"submit_for_review": "y"}
    )
    assert confirmed.status_code == 302

    with running_worker(settings, tmp_path / "worker1.log") as first:

        def partway() -> bool:
            job = detached_job(db, job_id)
            # rows are committed one at a time: a hundred saved, the rest to come
            return job.state == JobState.RUNNING and job.done >= 100

        assert wait_for(partway, timeout=240, interval=0.05), (tmp_path / "worker1.log").read_text()
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    killed_at = detached_job(db, job_id)
    assert killed_at.state == JobState.RUNNING and 0 < killed_at.done < ROWS, killed_at.done
    with db.session() as s:
        imported_before = s.scalar(sa.select(sa.func.count()).select_from(Achievement))
    assert 0 < imported_before < ROWS  # the kill did interrupt the import

    if before_restart is not None:
        assert before_restart(), "the killed task's message is still queued"
        time.sleep(STALE_SECONDS + 1)  # the job's last heartbeat is now stale
    with running_worker(settings, tmp_path / "worker2.log"):
        finished = wait_for(
            lambda: detached_job(db, job_id).state == JobState.SUCCEEDED, timeout=240
        )
        assert finished, (tmp_path / "worker2.log").read_text()[-3000:]
        # whatever the import queued is done too, none left behind
        assert wait_for(drained_check), (tmp_path / "worker2.log").read_text()[-3000:]

    job = detached_job(db, job_id)
    with db.session() as s:
        stored = s.execute(sa.select(Achievement.id, Achievement.title, Achievement.state)).all()
        titles = Counter(title for _id, title, _state in stored)
        assert titles == Counter(title_of(n) for n in range(ROWS))  # 0 lost, 0 twice, 0 extra
        assert {state for _id, _title, state in stored} == {ListingState.SUBMITTED}
        # the job's record names each row's achievement: row n of the sheet is row n + 2 (header)
        by_id = {achievement_id: title for achievement_id, title, _state in stored}
        created = job.result["created"]
        assert {title_of(int(row) - 2) for row in created} == set(titles)
        assert {by_id[i] for i in created.values()} == set(titles)
        assert job.result["imported"] == ROWS and job.result["failed"] == BAD_ROWS
        assert job.done == job.total == ROWS and job.finished_at is not None and not job.error
        # each side effect of an imported row happened once
        actions = Counter(
            s.scalars(sa.select(AuditEntry.action).where(AuditEntry.entity_type == "achievement"))
        )
        assert actions == {"achievement.created": ROWS, "achievement.submitted": ROWS}
        finished_notes = s.scalar(
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(Notification.user_id == owner_id, Notification.message_key == "import_finished")
        )
        assert finished_notes == 1
        # submitted, not published: nothing of the import is matchable yet
        assert s.scalar(sa.select(sa.func.count()).select_from(Match)) == 0

    status = client.get(f"/my/jobs/{job_id}.json").get_json()
    assert (status["state"], status["percent"]) == ("succeeded", 100)
    db.dispose()
