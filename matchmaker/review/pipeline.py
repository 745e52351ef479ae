"""Staff decisions on matches and the deal pipeline after approval.

proposed → approved | rejected
approved → introduced → meeting → negotiating → signed, or dropped from any open stage.
Staff may skip ahead (a pair that already met can go straight to negotiating), never back.

Every change checks the version the actor saw (two staff on one match: the second gets a
conflict instead of silently overwriting) and is written to the match history and the audit log.

An approval or a rejection is feedback: it re-scores the need's other proposals at once
(matching.rescore), for one decision right after it and for a batch once per need, after all
of the batch's decisions (a re-score changes those proposals' versions).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import ParamSpec, TypeVar

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from matchmaker.core import audit
from matchmaker.core.errors import OperationError, PermissionDenied, ValidationFailed
from matchmaker.matching import rescore
from matchmaker.matching.feedback import REJECT_REASONS
from matchmaker.models import Match, MatchEvent, MatchState, Need, User
from matchmaker.notifications import notify

PIPELINE = (
    MatchState.APPROVED,
    MatchState.INTRODUCED,
    MatchState.MEETING,
    MatchState.NEGOTIATING,
    MatchState.SIGNED,
)
OPEN_PIPELINE = PIPELINE[:-1]
# decisions the need's other proposals learn from (matching.feedback)
RESCORING = (MatchState.APPROVED, MatchState.REJECTED)
DROP_REASONS = ("no_response", "not_interested", "terms", "found_other", "other")
NOTE_MAX = 2000
P = ParamSpec("P")
R = TypeVar("R")
ASSIGN_PREFIX = "assign:"  # history entries are rendered in the reader's language


class Conflict(OperationError):
    """Someone else changed the match after the actor loaded it."""


def _stale_is_conflict(action: Callable[P, R]) -> Callable[P, R]:
    """An UPDATE that finds the version already moved on (another staff member committed first,
    possibly while this one waited for the row lock) is a conflict, not a crash. It can surface
    at any autoflush inside the action, and the session must then be rolled back by the caller."""

    @functools.wraps(action)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return action(*args, **kwargs)
        except StaleDataError as exc:
            raise Conflict("match_conflict") from exc

    return guarded


@dataclass(frozen=True)
class Decision:
    target: MatchState
    expected_version: int
    reason: str | None = None
    note: str | None = None
    contract_value: str | float | None = None
    signed_on: date | None = None


@dataclass(frozen=True)
class Decided:
    event: MatchEvent
    reranked: int = 0  # the need's other proposals re-scored or withdrawn by the decision


@dataclass
class Batch:
    done: int = 0
    failed: int = 0  # not found, changed by someone else, or refused
    reranked: int = 0


def allowed_targets(state: MatchState) -> tuple[MatchState, ...]:
    if state == MatchState.PROPOSED:
        return (MatchState.APPROVED, MatchState.REJECTED)
    if state in OPEN_PIPELINE:
        later = PIPELINE[PIPELINE.index(state) + 1 :]
        return (*later, MatchState.DROPPED)
    return ()


def _require_staff(actor: User) -> None:
    if not actor.is_staff:
        raise PermissionDenied("staff_only")


def _check_version(match: Match, expected: int) -> None:
    if match.version != expected:
        raise Conflict("match_conflict", version=match.version)


def clean_note(note: str | None) -> str | None:
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationFailed("too_long", field="note", max=NOTE_MAX)
    return note or None


def contract_value_of(raw: str | float | None) -> Decimal | None:
    if raw is None or str(raw).strip() == "":
        return None
    try:
        value = Decimal(str(raw).replace(",", "").strip())
    except InvalidOperation:
        raise ValidationFailed("bad_amount", field="contract_value") from None
    if not value.is_finite() or value < 0 or value > Decimal("10000000"):
        raise ValidationFailed("bad_amount", field="contract_value")
    return value


@_stale_is_conflict
def decide(session: Session, actor: User, match: Match, decision: Decision) -> Decided:
    """Move `match` to `decision.target` and re-score its need, or raise (conflict, bad input)."""
    event = _move(session, actor, match, decision)
    reranked = _rescore(session, [match.need]) if decision.target in RESCORING else 0
    return Decided(event, reranked)


def decide_each(
    session: Session, actor: User, decisions: Sequence[tuple[Match | None, Decision]]
) -> Batch:
    """Each decision in a savepoint of its own (a refused one is counted, the others stand),
    then every need a decision re-scores, once."""
    needs: list[Need] = []

    def move(match: Match, decision: Decision) -> None:
        _move(session, actor, match, decision)
        if decision.target in RESCORING and match.need not in needs:
            needs.append(match.need)

    batch = _each(session, decisions, move)
    batch.reranked = _rescore(session, needs)
    return batch


def assign_each(
    session: Session,
    actor: User,
    matches: Sequence[tuple[Match | None, int]],
    assignee: User | None,
) -> Batch:
    """Assign each (match, version the actor saw) in a savepoint of its own."""
    return _each(
        session, matches, lambda match, version: assign(session, actor, match, assignee, version)
    )


def _each(
    session: Session,
    items: Sequence[tuple[Match | None, R]],
    action: Callable[[Match, R], object],
) -> Batch:
    batch = Batch()
    for match, argument in items:
        if match is None:
            batch.failed += 1
            continue
        try:
            with session.begin_nested():
                action(match, argument)
        except (OperationError, StaleDataError):
            batch.failed += 1
        else:
            batch.done += 1
    return batch


def _rescore(session: Session, needs: Sequence[Need]) -> int:
    return sum(rescore.rescore_need(session, need) for need in needs)


def _move(session: Session, actor: User, match: Match, decision: Decision) -> MatchEvent:
    _require_staff(actor)
    _check_version(match, decision.expected_version)
    target = decision.target
    if target not in allowed_targets(match.state):
        raise ValidationFailed("transition_not_allowed")
    note = clean_note(decision.note)
    if target == MatchState.REJECTED:
        if decision.reason not in REJECT_REASONS:
            raise ValidationFailed("reason_required", field="reason")
        if decision.reason == "other" and not note:
            raise ValidationFailed("note_required_for_other", field="note")
        match.reject_reason, match.reject_note = decision.reason, note
    if target == MatchState.DROPPED:
        if decision.reason not in DROP_REASONS:
            raise ValidationFailed("reason_required", field="reason")
        match.drop_reason = decision.reason
    if target == MatchState.SIGNED:
        value = contract_value_of(decision.contract_value)
        if value is None:
            raise ValidationFailed("contract_value_required", field="contract_value")
        match.contract_value = value  # type: ignore[assignment]
        match.signed_on = decision.signed_on or date.today()

    if match.assignee_id is None:
        match.assignee_id = actor.id  # whoever decides first follows it through
    event = transition(
        session, actor, match, target, _event_note(decision.reason, note), reason=decision.reason
    )
    if target == MatchState.INTRODUCED:
        _introduce(session, match)
    session.flush()
    return event


def transition(
    session: Session,
    actor: User,
    match: Match,
    target: MatchState,
    note: str | None = None,
    **details: object,
) -> MatchEvent:
    """Move a match and record it in its history and the audit log: the one state change used
    by staff decisions and by contracts confirmed from a roadshow. Callers check the rules."""
    previous = match.state
    event = match.move_to(target, actor, note)
    session.add(event)
    audit.record(
        session,
        actor,
        "match.state",
        "match",
        match.id,
        **{"from": str(previous), "to": str(target), "note": note, **details},
    )
    return event


def _event_note(reason: str | None, note: str | None) -> str | None:
    if reason and note:
        return f"[{reason}] {note}"
    return f"[{reason}]" if reason else note


def _introduce(session: Session, match: Match) -> None:
    """Both parties hear of each other; contacts are shown on their 'my matches' page, and the
    notification opens the match's conversation (the thread is opened in the same flush, see
    conversations.subjects; the link names the match, so this module needs no thread id).
    An expert is introduced by the association: the enterprise hears the expert's name, the
    expert (when their profile has an account) the need's title as the visibility rule allows."""
    link = f"/threads/match/{match.id}"
    if match.expert is not None:
        expert = match.expert
        if match.need.owner is not None:
            notify.notify(session, match.need.owner, "expert_introduced", link, name=expert.name)
        if expert.user is not None:
            notify.notify(session, expert.user, "match_introduced", link, about=match.need)
        return
    for owner, other in (
        (match.need.owner, match.achievement),
        (match.achievement.owner, match.need),
    ):
        if owner is not None:
            notify.notify(session, owner, "match_introduced", link, about=other)


@_stale_is_conflict
def assign(
    session: Session, actor: User, match: Match, assignee: User | None, expected_version: int
) -> None:
    _require_staff(actor)
    _check_version(match, expected_version)
    if assignee is not None and (not assignee.is_active_staff):
        raise ValidationFailed("assignee_not_staff", field="assignee")
    previous = match.assignee_id
    match.assignee_id = assignee.id if assignee else None
    session.add(match.record(actor, f"{ASSIGN_PREFIX}{assignee.id if assignee else ''}"))
    audit.record(
        session,
        actor,
        "match.assigned",
        "match",
        match.id,
        **{"from": previous, "to": match.assignee_id},
    )
    if assignee is not None and assignee.id != actor.id:
        notify.notify(
            session,
            assignee,
            "match_assigned",
            f"/review/matches/{match.id}",
            email=False,
            about=match.need,
        )
    session.flush()


def add_note(session: Session, actor: User, match: Match, note: str) -> MatchEvent:
    """A note on the card; does not change the match, so it never conflicts."""
    _require_staff(actor)
    text = clean_note(note)
    if not text:
        raise ValidationFailed("note_empty", field="note")
    event = match.record(actor, text)
    session.add(event)
    audit.record(session, actor, "match.note", "match", match.id)
    session.flush()
    return event
