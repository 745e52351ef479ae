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


@dataclass
class MergePlan:
    """What merging `drop` into `keep` will do, worked out without changing anything: shown to
    staff before they confirm, and what `merge` then carries out."""

    keep: Listing
    drop: Listing
    matches: list[Match] = field(default_factory=list)
    staying_matches: list[Match] = field(default_factory=list)  # survivor has the same pair
    lineup: list[LineupItem] = field(default_factory=list)
    staying_lineup: list[LineupItem] = field(default_factory=list)  # survivor is in that roadshow
    attachments: list[Attachment] = field(default_factory=list)
    alert: SavedSearch | None = None


def _plan_matches(session: Session, kind: str, p: MergePlan) -> None:
    own, other = ("need_id", "achievement_id") if kind == "need" else ("achievement_id", "need_id")
    taken = set(
        session.scalars(
            sa.select(getattr(Match, other)).where(getattr(Match, own) == p.keep.id)
        ).all()
    )
    for match in session.scalars(
        sa.select(Match).where(getattr(Match, own) == p.drop.id).order_by(Match.id)
    ).all():
        (p.staying_matches if getattr(match, other) in taken else p.matches).append(match)


def _plan_lineup(session: Session, p: MergePlan) -> None:
    taken = set(
        session.scalars(
            sa.select(LineupItem.roadshow_id).where(LineupItem.achievement_id == p.keep.id)
        ).all()
    )
    for item in session.scalars(
        sa.select(LineupItem).where(LineupItem.achievement_id == p.drop.id).order_by(LineupItem.id)
    ).all():
        (p.staying_lineup if item.roadshow_id in taken else p.lineup).append(item)


def _plan_attachments(session: Session, kind: str, p: MergePlan) -> None:
    column = Attachment.need_id if kind == "need" else Attachment.achievement_id
    p.attachments = list(
        session.scalars(sa.select(Attachment).where(column == p.drop.id).order_by(Attachment.id))
    )


def _plan_alert(session: Session, p: MergePlan) -> None:
    alert = session.scalar(sa.select(SavedSearch).where(SavedSearch.need_id == p.drop.id))
    survivor = session.scalar(sa.select(SavedSearch).where(SavedSearch.need_id == p.keep.id))
    if alert is not None and survivor is None:
        p.alert = alert


def plan(session: Session, actor: User, flag: DuplicateFlag, keep_id: int) -> MergePlan:
    """Check that the merge may happen and work out what it will move; changes nothing."""
    if not actor.is_staff:
        raise PermissionDenied("staff_only")
    if flag.status != DuplicateStatus.OPEN:
        raise ValidationFailed("flag_closed")
    if keep_id not in (flag.first_id, flag.second_id):
        raise ValidationFailed("keep_not_in_pair")
    model = KINDS[flag.kind]
    drop_id = flag.second_id if keep_id == flag.first_id else flag.first_id
    keep, drop = session.get(model, keep_id), session.get(model, drop_id)
    if keep is None or drop is None:
        raise ValidationFailed("listing_missing")
    p = MergePlan(keep=keep, drop=drop)
    _plan_matches(session, flag.kind, p)
    if flag.kind == "achievement":
        _plan_lineup(session, p)
    else:
        _plan_alert(session, p)
    _plan_attachments(session, flag.kind, p)
    return p


def _carry_out(session: Session, kind: str, p: MergePlan, r: MergeReport) -> None:
    own = "need_id" if kind == "need" else "achievement_id"
    for match in p.matches:
        setattr(match, own, p.keep.id)
        note = f"moved from {kind} #{p.drop.id}, merged into #{p.keep.id} as a duplicate"
        session.add(match.record(None, note))
        r.moved_matches.append(match.id)
    r.unmoved_matches = [m.id for m in p.staying_matches]
    for item in p.lineup:
        item.achievement_id = p.keep.id
        r.moved_lineup.append(item.id)
    r.unmoved_lineup = [item.id for item in p.staying_lineup]
    if p.alert is not None:
        p.alert.need_id = p.keep.id
        r.moved_alert = p.alert.id
    column = "need_id" if kind == "need" else "achievement_id"
    for attachment in p.attachments:
        setattr(attachment, column, p.keep.id)
        r.moved_attachments.append(attachment.id)


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
    p = plan(session, actor, flag, keep_id)
    kind, keep, drop = flag.kind, p.keep, p.drop
    report = MergeReport(kept_id=keep.id, merged_id=drop.id)
    snapshot = _snapshot(drop)

    _carry_out(session, kind, p, report)
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
