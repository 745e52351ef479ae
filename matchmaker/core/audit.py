"""Writing the append-only audit log."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from matchmaker.models import AuditEntry, User


def record(
    session: Session,
    actor: User | None,
    action: str,
    entity_type: str,
    entity_id: int | None,
    **data: Any,
) -> AuditEntry:
    entry = AuditEntry(
        actor_id=actor.id if actor else None,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        data=data,
    )
    session.add(entry)
    return entry


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _context: Any, _instances: Any) -> None:
    """The audit log is append-only from the application."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry):
            raise PermissionError("audit entries cannot be changed or deleted")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_audit_changes(state: ORMExecuteState) -> None:
    """The same for UPDATE/DELETE statements, which never pass through a flush."""
    if (state.is_update or state.is_delete) and any(
        mapper.class_ is AuditEntry for mapper in state.all_mappers
    ):
        raise PermissionError("audit entries cannot be changed or deleted")


def latest(session: Session, limit: int = 200) -> list[AuditEntry]:
    """The newest audit entries, newest first."""
    return list(session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)))


def _plain(value: Any) -> Any:
    """A value as the JSON column keeps it: times as ISO text, enums as their value."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """The fields whose value differs, each as [before, after] (for `record(..., changes=)`)."""
    result: dict[str, list[Any]] = {}
    for name, new in after.items():
        old = _plain(before.get(name))
        new = _plain(new)
        if old != new:
            result[name] = [old, new]
    return result


# entries that name a change as "from"/"to": what changed (a state unless named here)
_PAIR_FIELDS = {"match.assigned": "assignee"}


def changes(data: Mapping[str, Any], action: str = "") -> list[tuple[str, Any, Any]]:
    """What an entry's details say changed, as (field, before, after); a detail that is no
    change (a note, the other party) reads as (field, None, value)."""
    rows: list[tuple[str, Any, Any]] = []
    rest = dict(data)
    for name, pair in dict(rest.pop("changes", None) or {}).items():
        old, new = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
        rows.append((name, old, new))
    if "from" in rest or "to" in rest:
        label = _PAIR_FIELDS.get(action, "state")
        rows.append((label, rest.pop("from", None), rest.pop("to", None)))
    rows.extend((name, None, value) for name, value in rest.items() if value not in (None, ""))
    return rows


@dataclass(frozen=True)
class AuditQuery:
    """Filters of the audit page; dates are inclusive and compared with the UTC timestamp."""

    actor_id: int | None = None
    action: str | None = None
    entity_type: str | None = None
    entity_id: int | None = None
    since: date | None = None
    until: date | None = None
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int
    page: int
    pages: int


def search(session: Session, query: AuditQuery) -> AuditPage:
    """One page of matching entries, newest first."""
    conditions: list[Any] = []
    if query.actor_id is not None:
        conditions.append(AuditEntry.actor_id == query.actor_id)
    if query.action:
        conditions.append(AuditEntry.action == query.action)
    if query.entity_type:
        conditions.append(AuditEntry.entity_type == query.entity_type)
    if query.entity_id is not None:
        conditions.append(AuditEntry.entity_id == query.entity_id)
    if query.since is not None:
        conditions.append(AuditEntry.created_at >= datetime.combine(query.since, time.min, UTC))
    if query.until is not None:
        end = datetime.combine(query.until + timedelta(days=1), time.min, UTC)
        conditions.append(AuditEntry.created_at < end)
    total = session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(*conditions)) or 0
    per_page = max(1, query.per_page)
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, query.page), pages)
    entries = session.scalars(
        sa.select(AuditEntry)
        .where(*conditions)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return AuditPage(list(entries), total, page, pages)


def actors(session: Session) -> list[User]:
    """Everyone who appears in the log, by name (for the filter)."""
    ids = sa.select(AuditEntry.actor_id).where(AuditEntry.actor_id.is_not(None)).distinct()
    return list(session.scalars(sa.select(User).where(User.id.in_(ids)).order_by(User.name)))


def people(session: Session, entries: list[AuditEntry]) -> dict[int, User]:
    """The users an entry names: its actor, and the assignees of an assignment."""
    ids = {e.actor_id for e in entries if e.actor_id is not None}
    for entry in entries:
        if entry.action in _PAIR_FIELDS and _PAIR_FIELDS[entry.action] == "assignee":
            ids.update(v for v in (entry.data.get("from"), entry.data.get("to")) if v)
    if not ids:
        return {}
    return {u.id: u for u in session.scalars(sa.select(User).where(User.id.in_(ids)))}


def actions(session: Session) -> list[str]:
    """The action keys present in the log (for the filter)."""
    stmt = sa.select(AuditEntry.action).distinct().order_by(AuditEntry.action)
    return list(session.scalars(stmt))


def entity_types(session: Session) -> list[str]:
    stmt = sa.select(AuditEntry.entity_type).distinct().order_by(AuditEntry.entity_type)
    return list(session.scalars(stmt))
