"""Merging a flagged duplicate into the listing staff keep.

Nothing is deleted. The duplicate is archived with `merged_into_id` pointing at the survivor
and a snapshot of its text in the audit log; its matches, roadshow registrations (lineup
places, whose meetings follow them), attachments and need alert move to the survivor. Where
the survivor already has the same thing (a match with the same counterpart, a place in the same
roadshow) the duplicate's row stays where it is, on the archived listing, and the report and
the audit entry name it, so it can still be found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matchmaker.core import audit
from matchmaker.core.errors import PermissionDenied, ValidationFailed
from matchmaker.db import utcnow
from matchmaker.models import (
    Attachment,
    DuplicateFlag,
    DuplicateStatus,
    LineupItem,
    ListingState,
    Match,
    SavedSearch,
    User,
)
from matchmaker.notifications import notify
from matchmaker.search.documents import KINDS, Listing
from matchmaker.search.indexing import queue_sync

SNAPSHOT_FIELDS = (
    "title",
    "summary",
    "description",
    "current_approach",
    "desired_outcome",
    "keywords",
    "field",
    "region",
    "state",
    "owner_id",
    "organisation_id",
)


@dataclass
class MergeReport:
    kept_id: int
    merged_id: int
    moved_matches: list[int] = field(default_factory=list)
    unmoved_matches: list[int] = field(default_factory=list)  # survivor has the same pair
    moved_lineup: list[int] = field(default_factory=list)
    unmoved_lineup: list[int] = field(default_factory=list)  # survivor is in that roadshow
    moved_attachments: list[int] = field(default_factory=list)
    moved_alert: int | None = None
    retargeted_flags: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _snapshot(listing: Listing) -> dict[str, Any]:
    return {
        name: str(value) if name == "state" else value
        for name in SNAPSHOT_FIELDS
        if (value := getattr(listing, name, None)) is not None
    }


def _move_matches(
    session: Session, kind: str, keep: Listing, drop: Listing, r: MergeReport
) -> None:
    own, other = ("need_id", "achievement_id") if kind == "need" else ("achievement_id", "need_id")
    taken = set(
        session.scalars(
            sa.select(getattr(Match, other)).where(getattr(Match, own) == keep.id)
        ).all()
    )
    for match in session.scalars(
        sa.select(Match).where(getattr(Match, own) == drop.id).order_by(Match.id)
    ).all():
        if getattr(match, other) in taken:
            r.unmoved_matches.append(match.id)
            continue
        setattr(match, own, keep.id)
        note = f"moved from {kind} #{drop.id}, merged into #{keep.id} as a duplicate"
        session.add(match.record(None, note))
        r.moved_matches.append(match.id)


def _move_lineup(session: Session, keep: Listing, drop: Listing, r: MergeReport) -> None:
    taken = set(
        session.scalars(
            sa.select(LineupItem.roadshow_id).where(LineupItem.achievement_id == keep.id)
        ).all()
    )
    for item in session.scalars(
        sa.select(LineupItem).where(LineupItem.achievement_id == drop.id).order_by(LineupItem.id)
    ).all():
        if item.roadshow_id in taken:
            r.unmoved_lineup.append(item.id)
            continue
        item.achievement_id = keep.id
        r.moved_lineup.append(item.id)


def _move_attachments(
    session: Session, kind: str, keep: Listing, drop: Listing, r: MergeReport
) -> None:
    column = Attachment.need_id if kind == "need" else Attachment.achievement_id
    for attachment in session.scalars(sa.select(Attachment).where(column == drop.id)).all():
        setattr(attachment, column.key, keep.id)
        r.moved_attachments.append(attachment.id)


def _move_alert(session: Session, keep: Listing, drop: Listing, r: MergeReport) -> None:
    alert = session.scalar(sa.select(SavedSearch).where(SavedSearch.need_id == drop.id))
    survivor = session.scalar(sa.select(SavedSearch).where(SavedSearch.need_id == keep.id))
    if alert is not None and survivor is None:
        alert.need_id = keep.id
        r.moved_alert = alert.id


def _retarget_flags(
    session: Session,
    kind: str,
    keep: Listing,
    drop: Listing,
    flag: DuplicateFlag,
    actor: User,
    r: MergeReport,
) -> None:
    """Other open flags naming the duplicate now name the survivor (or close, if the survivor
    already has that pair)."""
    others = session.scalars(
        sa.select(DuplicateFlag).where(
            DuplicateFlag.kind == kind,
            DuplicateFlag.status == DuplicateStatus.OPEN,
            DuplicateFlag.id != flag.id,
            sa.or_(DuplicateFlag.first_id == drop.id, DuplicateFlag.second_id == drop.id),
        )
    ).all()
    for other in others:
        third = other.second_id if other.first_id == drop.id else other.first_id
        first, second = sorted((keep.id, third))
        exists = session.scalar(
            sa.select(DuplicateFlag.id).where(
                DuplicateFlag.kind == kind,
                DuplicateFlag.first_id == first,
                DuplicateFlag.second_id == second,
            )
        )
        if exists is None and third != keep.id:
            other.first_id, other.second_id = first, second
        else:
            other.status = DuplicateStatus.MERGED
            other.kept_id = keep.id
            other.resolved_by_id = actor.id
            other.resolved_at = utcnow()
        r.retargeted_flags.append(other.id)


def merge(session: Session, actor: User, flag: DuplicateFlag, keep_id: int) -> MergeReport:
    if not actor.is_staff:
        raise PermissionDenied("staff_only")
    if flag.status != DuplicateStatus.OPEN:
        raise ValidationFailed("flag_closed")
    if keep_id not in (flag.first_id, flag.second_id):
        raise ValidationFailed("keep_not_in_pair")
    kind = flag.kind
    model = KINDS[kind]
    drop_id = flag.second_id if keep_id == flag.first_id else flag.first_id
    keep, drop = session.get(model, keep_id), session.get(model, drop_id)
    if keep is None or drop is None:
        raise ValidationFailed("listing_missing")
    report = MergeReport(kept_id=keep.id, merged_id=drop.id)
    snapshot = _snapshot(drop)

    _move_matches(session, kind, keep, drop, report)
    if kind == "achievement":
        _move_lineup(session, keep, drop, report)
    else:
        _move_alert(session, keep, drop, report)
    _move_attachments(session, kind, keep, drop, report)
    _retarget_flags(session, kind, keep, drop, flag, actor, report)

    drop.state = ListingState.ARCHIVED
    drop.merged_into_id = keep.id
    flag.status = DuplicateStatus.MERGED
    flag.kept_id = keep.id
    flag.resolved_by_id = actor.id
    flag.resolved_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        f"{kind}.merged",
        kind,
        drop.id,
        into=keep.id,
        flag_id=flag.id,
        snapshot=snapshot,
        report=report.as_dict(),
    )
    audit.record(session, actor, f"{kind}.merge_kept", kind, keep.id, merged=drop.id)
    queue_sync(session, drop)  # leaves search and matching
    queue_sync(session, keep)
    notify.notify(
        session,
        drop.owner,
        "duplicate_merged",
        f"/{kind}s/{keep.id}",
        title=drop.title,
        kept=keep.title,
    )
    return report
