"""The staff queue (filters, keyset pages), feedback re-scoring, dashboard figures, stuck_digest."""

from datetime import timedelta

import pytest
from celery.schedules import crontab

from matchmaker.celery_app import celery
from matchmaker.db import utcnow
from matchmaker.matching import rescore, scoring
from matchmaker.models import ListingState, MatchState, Notification, Role
from matchmaker.review import dashboard as match_dashboard
from matchmaker.review import pipeline, stuck_digest, tasks
from matchmaker.review import queue as review_queue
from matchmaker.review.queue import QueueFilter
from tests import factories


def ids(session, f, me=None):
    return [m.id for m in review_queue.page(session, f, me).matches]


def test_keyset_pages_cover_every_match_once_in_score_order(session) -> None:
    need = factories.need(session)
    made = [
        factories.match(session, need, factories.achievement(session), score=round(i % 7 / 7, 3))
        for i in range(120)
    ]
    seen, cursor = [], None
    while True:
        page = review_queue.page(session, QueueFilter(after=cursor), size=50)
        assert page.total == 120
        seen += page.matches
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(m.id for m in seen) == sorted(m.id for m in made)
    keys = [(-m.score, -m.id) for m in seen]
    assert keys == sorted(keys)


@pytest.mark.parametrize(
    ("sort", "attribute", "descending"),
    [
        ("newest", "created_at", True),
        ("oldest", "created_at", False),
        ("waiting", "state_changed_at", False),
    ],
)
def test_keyset_pages_by_time_keep_ties_and_order(session, sort, attribute, descending) -> None:
    need = factories.need(session)
    base = utcnow() - timedelta(days=30)
    made = []
    for i in range(75):
        at = base + timedelta(hours=i % 9)  # many matches share a timestamp
        made.append(
            factories.match(
                session, need, factories.achievement(session), created_at=at, state_changed_at=at
            )
        )
    seen, cursor = [], None
    while True:
        page = review_queue.page(session, QueueFilter(sort=sort, after=cursor), size=20)
        seen += page.matches
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(m.id for m in seen) == sorted(m.id for m in made)
    keys = [(getattr(m, attribute), m.id) for m in seen]
    assert keys == sorted(keys, reverse=descending)


def test_a_broad_filter_counts_up_to_the_cap(session, monkeypatch) -> None:
    monkeypatch.setattr(review_queue, "COUNT_CAP", 5)
    need = factories.need(session, field="biomedicine")
    for _ in range(8):
        factories.match(session, need, factories.achievement(session))
    capped = review_queue.page(session, QueueFilter(field="biomedicine"))
    assert (capped.total, capped.total_is_capped) == (5, True)
    assert len(capped.matches) == 8  # the list itself is whole
    exact = review_queue.page(session, QueueFilter(field="new_energy"))
    assert (exact.total, exact.total_is_capped) == (0, False)


def test_tab_counts_agree_with_the_lists_and_are_reused_only_when_asked(session) -> None:
    need = factories.need(session)
    factories.match(session, need, factories.achievement(session))
    factories.match(session, need, factories.achievement(session), state=MatchState.APPROVED)
    review_queue.forget_counts()
    counts = review_queue.counts_by_tab(session, max_age=60)
    for tab in ("proposed", "pipeline", "attention", "inactive"):
        assert counts[tab] == len(ids(session, QueueFilter(state=tab)))
    factories.match(session, need, factories.achievement(session))
    assert review_queue.counts_by_tab(session, max_age=60)["proposed"] == 1  # cached
    assert review_queue.counts_by_tab(session)["proposed"] == 2  # max_age 0: counted again
    review_queue.forget_counts()


def test_filters_by_field_region_band_assignee_and_age(session) -> None:
    staff = factories.user(session, Role.STAFF)
    bio_need = factories.need(session, field="biomedicine", region="浙江省")
    # scores are probabilities; the bands are the calibration's thresholds
    strong = factories.match(session, bio_need, score=scoring.STRONG + 0.01, assignee_id=staff.id)
    weak = factories.match(session, score=(scoring.MIN_PROPOSAL_SCORE + scoring.MEDIUM) / 2)
    old = factories.match(session, score=(scoring.MEDIUM + scoring.STRONG) / 2)
    old.created_at = utcnow() - timedelta(days=40)
    assert ids(session, QueueFilter(field="biomedicine")) == [strong.id]
    assert ids(session, QueueFilter(region="浙江省")) == [strong.id]
    assert ids(session, QueueFilter(band="low")) == [weak.id]
    assert ids(session, QueueFilter(band="high")) == [strong.id]
    assert ids(session, QueueFilter(assignee="me"), me=staff.id) == [strong.id]
    assert set(ids(session, QueueFilter(assignee="none"))) == {weak.id, old.id}
    assert ids(session, QueueFilter(min_age_days=30)) == [old.id]
    assert ids(session, QueueFilter(sort="oldest"))[0] == old.id


def test_expired_or_withdrawn_listings_leave_the_open_queue_with_a_reason(session) -> None:
    live = factories.match(session)
    expired = factories.match(session, factories.need(session, state=ListingState.EXPIRED))
    assert ids(session, QueueFilter()) == [live.id]
    assert ids(session, QueueFilter(state="inactive")) == [expired.id]


def test_attention_lists_pipeline_matches_waiting_too_long(session) -> None:
    stuck = factories.match(session, state=MatchState.INTRODUCED)
    stuck.state_changed_at = utcnow() - timedelta(days=20)
    fresh = factories.match(session, state=MatchState.MEETING)
    assert ids(session, QueueFilter(state="attention")) == [stuck.id]
    assert set(ids(session, QueueFilter(state="pipeline"))) == {stuck.id, fresh.id}
    assert review_queue.counts_by_tab(session)["attention"] == 1


def test_bad_query_parameters_fall_back_to_defaults() -> None:
    f = QueueFilter.from_params(
        {"state": "drop table", "sort": "x", "band": "huge", "min_age_days": "-3"}
    )
    assert (f.state, f.sort, f.band, f.min_age_days) == ("proposed", "score", None, None)


def test_a_field_rejection_re_ranks_the_needs_other_proposals_at_once(session) -> None:
    staff = factories.user(session, Role.STAFF)
    need = factories.need(session, field="new_materials")
    rejected = factories.match(session, need, factories.achievement(session, field="biomedicine"))
    same_field = factories.match(
        session, need, factories.achievement(session, field="biomedicine"), score=0.7
    )
    other_field = factories.match(
        session, need, factories.achievement(session, field="new_materials"), score=0.6
    )
    before = other_field.score
    decided = pipeline.decide(
        session,
        staff,
        rejected,
        pipeline.Decision(MatchState.REJECTED, rejected.version, reason="field_mismatch"),
    )
    assert decided.reranked >= 1  # the decision re-scores the need's other proposals
    assert same_field.score < 0.7 and same_field.components["feedback"] < 0
    assert other_field.score >= before - 1e-9
    # the penalised pair now ranks below the one of the right field
    assert ids(session, QueueFilter())[0] == other_field.id


def test_already_cooperating_withdraws_that_organisations_other_proposals(session) -> None:
    staff = factories.user(session, Role.STAFF)
    need = factories.need(session)
    researcher = factories.user(session, Role.RESEARCHER)
    first = factories.match(session, need, factories.achievement(session, researcher))
    second = factories.match(session, need, factories.achievement(session, researcher))
    unrelated = factories.match(session, need)
    decided = pipeline.decide(
        session,
        staff,
        first,
        pipeline.Decision(MatchState.REJECTED, first.version, reason="already_cooperating"),
    )
    assert decided.reranked >= 1
    assert second.state == MatchState.REJECTED and second.events[-1].note == rescore.WITHDRAWN_NOTE
    assert unrelated.state == MatchState.PROPOSED


def test_a_batch_re_scores_after_its_decisions_so_they_do_not_conflict(session) -> None:
    """Rejecting two proposals of one need at once: re-scoring after the first would change the
    second's version, and the second decision would be refused as a conflict."""
    staff = factories.user(session, Role.STAFF)
    need = factories.need(session, field="new_materials")
    first, second, left = (
        factories.match(session, need, factories.achievement(session, field="biomedicine"))
        for _ in range(3)
    )
    reject = [
        (m, pipeline.Decision(MatchState.REJECTED, m.version if m else 0, reason="field_mismatch"))
        for m in (first, second, None)
    ]
    batch = pipeline.decide_each(session, staff, reject)
    assert (batch.done, batch.failed) == (2, 1)  # the missing one is counted, not raised
    assert first.state == second.state == MatchState.REJECTED
    assert batch.reranked >= 1 and left.components["feedback"] < 0


def test_funnel_counts_every_stage_reached_even_skipped_or_dropped(session) -> None:
    staff = factories.user(session, Role.STAFF)
    bio = factories.need(session, field="biomedicine")

    def walk(match, *steps):
        for target, extra in steps:
            pipeline.decide(
                session, staff, match, pipeline.Decision(target, match.version, **extra)
            )

    signed = factories.match(session, bio)
    walk(
        signed,
        (MatchState.APPROVED, {}),
        (MatchState.INTRODUCED, {}),
        (MatchState.NEGOTIATING, {}),  # skipped the meeting stage
        (MatchState.SIGNED, {"contract_value": "80"}),
    )
    dropped = factories.match(session)
    walk(
        dropped,
        (MatchState.APPROVED, {}),
        (MatchState.INTRODUCED, {}),
        (MatchState.DROPPED, {"reason": "no_response"}),
    )
    factories.match(session)  # still proposed
    overall = match_dashboard.funnels(session)[0]
    assert overall.stages == {
        "proposed": 3,
        "approved": 2,
        "introduced": 2,
        "meeting": 1,
        "signed": 1,
    }
    by_field = {f.label: f.stages for f in match_dashboard.funnels(session, "field")}
    assert by_field["biomedicine"]["signed"] == 1 and by_field["new_materials"]["signed"] == 0
    times = match_dashboard.time_to_first_decision(session)
    assert times.decided == 2 and times.median_hours is not None
    load = {w.user.id: w for w in match_dashboard.workload(session, 14)}
    assert load[staff.id].decisions_30d == 7


def test_stuck_digest_reaches_the_assignee_and_staff_for_unassigned(session) -> None:
    alice = factories.user(session, Role.STAFF)
    bob = factories.user(session, Role.STAFF)
    old = utcnow() - timedelta(days=30)
    mine = factories.match(session, state=MatchState.MEETING, assignee_id=alice.id)
    mine.state_changed_at = old
    nobody = factories.match(session, state=MatchState.APPROVED)
    nobody.state_changed_at = old
    factories.match(session, state=MatchState.APPROVED, assignee_id=bob.id)  # recent
    assert stuck_digest.send_stuck_digests(session, 14) == 2
    notes = {n.user_id: n.params for n in session.query(Notification)}
    assert notes[alice.id] == {"mine": 1, "unassigned": 1, "days": 14}
    assert notes[bob.id]["mine"] == 0 and notes[bob.id]["unassigned"] == 1
    assert stuck_digest.send_stuck_digests(session, 60) == 0


def test_the_stuck_digest_runs_every_morning_china_time() -> None:
    entry = celery.conf.beat_schedule["stuck-match-digest"]
    assert entry["task"] == "matchmaker.stuck_match_digest"
    assert tasks.stuck_match_digest.name == entry["task"]
    assert entry["schedule"] == crontab(hour=1, minute=0)
