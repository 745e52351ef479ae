"""Uploaded files: names from the browser never become paths; keys are checked before use."""

from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest

from matchmaker.listings import uploads
from matchmaker.models import Attachment, Role
from tests import factories


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system.ini", "system.ini"),
        ("/var/www/static/app.js", "app.js"),
        ("成果 介绍.docx", "成果 介绍.docx"),
        ('a<b>:"c|d?*.pdf', "abcd.pdf"),
        ("name\x00with\x07controls.pdf", "namewithcontrols.pdf"),
        ("..", "upload"),
        ("", "upload"),
        (None, "upload"),
    ],
)
def test_display_names_lose_paths_and_control_characters(given, shown) -> None:
    assert uploads.display_name(given) == shown


def test_a_traversal_name_is_stored_under_a_random_key_inside_the_upload_dir(
    tmp_path, session
) -> None:
    owner = factories.user(session, Role.RESEARCHER)
    area = tmp_path / "area"
    root = area / "site" / "uploads"
    pending = uploads.store_pending(root, owner, b"%PDF-1.4", "../../../outside.pdf", "pdf", "")
    written = [p for p in area.rglob("*") if p.is_file()]
    assert written and all(root in p.parents for p in written)
    assert not list(area.rglob("outside.pdf"))
    assert uploads.KEY_PATTERN.match(pending.key) and pending.original_name == "outside.pdf"

    listing = factories.achievement(session, owner)
    attached = uploads.attach_pending(session, root, owner, pending.key, listing)
    assert isinstance(attached, Attachment) and (root / "files" / pending.key).is_file()


def test_keys_that_are_paths_or_belong_to_someone_else_attach_nothing(tmp_path, session) -> None:
    owner = factories.user(session, Role.RESEARCHER)
    stranger = factories.user(session, Role.RESEARCHER)
    root = tmp_path / "uploads"
    pending = uploads.store_pending(root, owner, b"%PDF-1.4", "a.pdf", "pdf", "")
    listing = factories.achievement(session, stranger)
    for key in ("../pending/" + pending.key, "../../etc/passwd", "", None):
        assert uploads.attach_pending(session, root, stranger, key, listing) is None
    assert uploads.attach_pending(session, root, stranger, pending.key, listing) is None
    assert (root / "pending" / pending.key).is_file()  # still the owner's to attach


def test_pending_uploads_older_than_a_day_are_removed(tmp_path, session) -> None:
    owner = factories.user(session, Role.RESEARCHER)
    root = tmp_path / "uploads"
    old = uploads.store_pending(root, owner, b"%PDF-1.4", "old.pdf", "pdf", "x" * 50_000)
    sidecar = root / "pending" / f"{old.key}.json"
    assert sidecar.stat().st_size < 25_000  # only the bounded text is kept
    two_days_ago = time.time() - timedelta(days=2).total_seconds()
    for path in (root / "pending").iterdir():
        os.utime(path, (two_days_ago, two_days_ago))
    fresh = uploads.store_pending(root, owner, b"%PDF-1.4", "new.pdf", "pdf", "")
    left = sorted(p.name for p in (root / "pending").iterdir())
    assert left == sorted([fresh.key, f"{fresh.key}.json"])  # the old pair went with this upload
    assert uploads.remove_stale_pending(root) == 0


def test_the_daily_task_removes_stale_pending_uploads(settings, session) -> None:
    from matchmaker.listings.tasks import listing_lifecycle

    owner = factories.user(session, Role.RESEARCHER)
    session.commit()
    uploads.store_pending(settings.upload_dir, owner, b"%PDF-1.4", "a.pdf", "pdf", "")
    two_days_ago = time.time() - timedelta(days=2).total_seconds()
    for path in (settings.upload_dir / "pending").iterdir():
        os.utime(path, (two_days_ago, two_days_ago))
    assert listing_lifecycle.delay().get()["uploads_removed"] == 2
    assert not list((settings.upload_dir / "pending").iterdir())
