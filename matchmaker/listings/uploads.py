"""Uploaded files: stored outside the web root under random names, attached once saved.

An upload first becomes a *pending* file (bytes plus a small JSON sidecar naming its uploader);
when the listing it belongs to is saved, `attach_pending` turns it into an Attachment row.
Pending files nobody saved are removed after a day (on each new upload and by the daily task).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from indexer.extract import Extracted, ExtractionError, check_zip, extract, sniff
from matchmaker import clock
from matchmaker.core import bounded
from matchmaker.models import Achievement, Attachment, Need, User

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{20,60}$")
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
TEXT_KEPT = 20_000  # characters of extracted text kept with an upload (what the form shows)
PENDING_MAX_AGE = timedelta(days=1)


@dataclass(frozen=True)
class PendingUpload:
    key: str
    original_name: str
    kind: str
    size: int
    sha256: str


def display_name(filename: str | None) -> str:
    """Keep a readable (also Chinese) name but no path parts or control characters."""
    name = unicodedata.normalize("NFC", filename or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*')
    name = name.strip(" .")
    return name[:200] or "upload"


def read_document(data: bytes) -> Extracted:
    """The text of an uploaded DOCX/PDF, parsed in a child process with a time limit
    (ExtractionError 'too_slow', 'busy' or 'too_large' when a bound is hit)."""
    try:
        return bounded.call(extract, data)
    except bounded.TooSlow as exc:
        raise ExtractionError(exc.code) from None


def store_pending(
    upload_dir: Path, owner: User, data: bytes, filename: str | None, kind: str, extracted_text: str
) -> PendingUpload:
    remove_stale_pending(upload_dir)
    pending_dir = upload_dir / "pending"
    pending_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(24)
    upload = PendingUpload(
        key, display_name(filename), kind, len(data), hashlib.sha256(data).hexdigest()
    )
    (pending_dir / key).write_bytes(data)
    sidecar = {
        "owner_id": owner.id,
        "original_name": upload.original_name,
        "kind": kind,
        "size": upload.size,
        "sha256": upload.sha256,
        "text": extracted_text[:TEXT_KEPT],
    }
    (pending_dir / f"{key}.json").write_text(json.dumps(sidecar, ensure_ascii=False), "utf-8")
    return upload


def remove_stale_pending(upload_dir: Path, max_age: timedelta = PENDING_MAX_AGE) -> int:
    """Remove pending uploads (file and sidecar) older than `max_age`; returns how many files
    went. An upload is pending only while its form is open, so a day is plenty."""
    pending_dir = upload_dir / "pending"
    if not pending_dir.is_dir():
        return 0
    cutoff = (clock.now() - max_age).timestamp()
    removed = 0
    for path in pending_dir.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # attached or removed by another request meanwhile
            continue
    return removed


def attach_pending(
    session: Session, upload_dir: Path, owner: User, key: str | None, listing: Achievement | Need
) -> Attachment | None:
    """Attach a pending upload of this owner to the saved listing; anything else is ignored."""
    if not key or not KEY_PATTERN.match(key):
        return None
    pending = upload_dir / "pending" / key
    sidecar_path = upload_dir / "pending" / f"{key}.json"
    if not pending.is_file() or not sidecar_path.is_file():
        return None
    sidecar = json.loads(sidecar_path.read_text("utf-8"))
    if sidecar.get("owner_id") != owner.id:
        return None
    stored = upload_dir / "files" / key
    stored.parent.mkdir(parents=True, exist_ok=True)
    pending.replace(stored)
    sidecar_path.unlink(missing_ok=True)
    attachment = Attachment(
        achievement_id=listing.id if isinstance(listing, Achievement) else None,
        need_id=listing.id if isinstance(listing, Need) else None,
        original_name=sidecar["original_name"],
        storage_key=key,
        content_type=CONTENT_TYPES.get(sidecar["kind"], "application/octet-stream"),
        size_bytes=sidecar["size"],
        sha256=sidecar["sha256"],
        extracted_text=sidecar.get("text"),
        uploaded_by_id=owner.id,
    )
    session.add(attachment)
    session.flush()
    return attachment


@dataclass(frozen=True)
class StoredFile:
    key: str
    original_name: str
    content_type: str
    size: int
    sha256: str


ATTACHABLE = ("pdf", "docx")  # what listings accept as attachments; the same for threads


def check_attachable(data: bytes, max_bytes: int) -> str:
    """The upload rules of attachments: at most `max_bytes`, a PDF or a DOCX by its bytes (never
    by its name), and a DOCX that does not unpack to far more than it weighs. Returns the kind;
    raises ExtractionError ('too_large_file', 'unsupported_type', 'too_large_unpacked')."""
    if len(data) > max_bytes:
        raise ExtractionError("too_large_file")
    kind = sniff(data)
    if kind not in ATTACHABLE:
        raise ExtractionError("unsupported_type")
    if kind == "docx":
        check_zip(data)
    return kind


def store_file(upload_dir: Path, data: bytes, filename: str | None, kind: str) -> StoredFile:
    """Write a checked upload where attachments live, under a fresh random key."""
    key = secrets.token_urlsafe(24)
    stored = upload_dir / "files" / key
    stored.parent.mkdir(parents=True, exist_ok=True)
    stored.write_bytes(data)
    return StoredFile(
        key,
        display_name(filename),
        CONTENT_TYPES[kind],
        len(data),
        hashlib.sha256(data).hexdigest(),
    )


def stored_path(upload_dir: Path, key: str) -> Path | None:
    """The file of a stored attachment, or None for a key that is not one of ours."""
    if not KEY_PATTERN.match(key):
        return None
    path = upload_dir / "files" / key
    return path if path.is_file() else None
