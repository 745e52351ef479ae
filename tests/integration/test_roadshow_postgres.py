"""The roadshow service tests again on PostgreSQL (JSON columns, enum counts, the clock)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from matchmaker import migrate, runtime
from tests.conftest import make_settings
from tests.unit.test_roadshow_services import (  # noqa: F401  (fixtures and tests re-run here)
    accepted,
    event_day,
    open_roadshow,
    staff,
    test_a_contract_note_names_the_roadshow_and_is_dated_in_the_event_zone,
    test_a_party_cannot_follow_up_before_the_event_or_an_unaccepted_meeting,
    test_a_partys_contract_waits_for_staff_then_signs_the_match,
    test_a_published_lineup_changes_only_in_an_edit_step_and_people_hear_of_it,
    test_a_removed_item_stays_out_when_the_recommendation_runs_again,
    test_capacity_waitlist_and_promotion_on_cancel,
    test_check_in_errors_and_counts,
    test_create_stores_utc_and_validates,
    test_follow_up_reminders_at_7_and_30_days_once_each,
    test_invitations_rank_by_covered_needs_and_notify,
    test_lineup_covers_most_needs_and_honours_pins_and_removals,
    test_nobody_takes_a_seat_with_someone_elses_email,
    test_one_rule_decides_the_registration_state,
    test_registering_again_after_cancelling_goes_to_the_back,
    test_schedule_generate_move_conflict_and_publish,
    test_staff_may_override_the_event_day_and_the_audit_log_says_so,
    test_start_finish_and_check_in_wait_for_the_event_day,
    world,
)

pytestmark = [pytest.mark.integration]


@pytest.fixture
def session(tmp_path, pg_url):  # type: ignore[no-untyped-def]
    settings = replace(make_settings(tmp_path), database_url=pg_url)
    migrate.upgrade(pg_url)
    db = runtime.configure(settings)
    s = db.session()
    yield s
    s.rollback()
    s.close()
    db.dispose()
