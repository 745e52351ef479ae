"""Near-duplicates: detection, flags for staff, "not a duplicate", and merging without loss."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from matchmaker import runtime
from matchmaker.db import count_rows, utcnow
from matchmaker.duplicates import guards as duplicates
from matchmaker.duplicates import merge, similarity, textdiff
from matchmaker.listings import operations as listings
from matchmaker.listings import validity
from matchmaker.models import (
    Achievement,
    Attachment,
    AuditEntry,
    DuplicateFlag,
    DuplicateStatus,
    LineupItem,
    ListingState,
    Match,
    MatchEvent,
    MatchState,
    Meeting,
    Registration,
    Roadshow,
    Role,
)
from tests import factories

TEXT = dict(
    title="高导热氮化铝陶瓷基板制备技术",
    summary="一种低成本高导热陶瓷基板。",
    description=(
        "采用流延成型与低温烧结工艺制备氮化铝陶瓷基板，热导率达到 180 W/(m·K)，"
        "成本比进口产品低 30%，已完成中试，可用于新能源汽车功率模块散热。"
    ),
)
COPY = dict(
    title="高导热氮化铝陶瓷基板制备工艺",
    summary="一种低成本高导热陶瓷基板。",
    description=(
        "使用流延成型与低温烧结工艺制备氮化铝陶瓷基板，热导率达到 185 W/(m·K)，"
        "成本比进口产品低 30%，已完成中试，可用于新能源汽车功率模块散热。欢迎洽谈。"
    ),
)
OTHER = dict(
    title="耐盐碱水稻新品种选育",
    summary="适合滩涂种植的水稻。",
    description="耐盐碱水稻品种，亩产 500 公斤，适合沿海滩涂种植，已在江苏示范推广。",
)


def submit(session, listing):
    listing.state = ListingState.DRAFT
    session.flush()
    return listings.transition(
        session,
        listing.owner,
        listing,
        ListingState.SUBMITTED,
        settings=runtime.settings(),
        engine=runtime.search_engine(),
    )


def flags(session) -> list[DuplicateFlag]:
    return list(session.scalars(sa.select(DuplicateFlag)).all())


def test_similarity_separates_copies_from_same_topic_texts() -> None:
    original = TEXT["title"] + TEXT["description"]
    copy = COPY["title"] + COPY["description"]
    same_topic = "氮化硅陶瓷轴承球的气压烧结方法，提高轴承寿命，用于高速电主轴。"
    assert similarity.compare(original, copy).is_duplicate()
    assert not similarity.compare(original, same_topic).is_duplicate()
    assert not similarity.compare(original, OTHER["description"]).is_duplicate()


def test_other_organisation_copy_is_flagged_once(session) -> None:
    original = factories.achievement(session, **TEXT)
    factories.achievement(session, **OTHER)
    copy = submit(session, factories.achievement(session, **COPY))
    [flag] = flags(session)
    assert (flag.first_id, flag.second_id) == (original.id, copy.id)
    assert flag.status == DuplicateStatus.OPEN and flag.score >= similarity.THRESHOLD
    submit(session, copy)  # withdrawn and submitted again
    assert len(flags(session)) == 1


def test_not_a_duplicate_is_never_flagged_again(session) -> None:
    staff = factories.user(session, Role.STAFF)
    factories.achievement(session, **TEXT)
    copy = submit(session, factories.achievement(session, **COPY))
    [flag] = flags(session)
    duplicates.mark_not_duplicate(session, staff, flag)
    submit(session, copy)
    assert [f.status for f in flags(session)] == [DuplicateStatus.NOT_DUPLICATE]
    assert duplicates.open_clusters(session) == []


def test_same_organisation_copy_is_a_warning_not_a_flag(session) -> None:
    owner = factories.user(session, Role.RESEARCHER)
    colleague = factories.user(session, Role.RESEARCHER, organisation=owner.organisation)
    existing = factories.achievement(session, owner=colleague, **TEXT)
    draft = Achievement(**COPY, organisation_id=owner.organisation_id)
    found = duplicates.same_organisation(session, draft)
    assert [c.listing for c in found] == [existing]
    submit(session, factories.achievement(session, owner=owner, **COPY))
    assert flags(session) == []


def test_clusters_join_pairs_that_share_a_listing(session) -> None:
    factories.achievement(session, **TEXT)
    submit(session, factories.achievement(session, **COPY))
    third = factories.achievement(session, **{**COPY, "title": COPY["title"] + "（二期）"})
    submit(session, third)
    [cluster] = duplicates.open_clusters(session)
    assert len(cluster.listings) == 3 and len(cluster.flags) == 3


def _world(session):
    staff = factories.user(session, Role.STAFF)
    keep = factories.achievement(session, **TEXT)
    drop = factories.achievement(session, **COPY)
    need_a, need_b = factories.need(session), factories.need(session)
    moved = Match(need=need_a, achievement=drop, score=0.8, state=MatchState.MEETING)
    clash_keep = Match(need=need_b, achievement=keep, score=0.7, state=MatchState.PROPOSED)
    clash_drop = Match(need=need_b, achievement=drop, score=0.6, state=MatchState.APPROVED)
    session.add_all([moved, clash_keep, clash_drop])
    now = utcnow()
    shows = [
        Roadshow(
            title=f"路演{i}",
            starts_at=now,
            ends_at=now + timedelta(hours=3),
            created_by_id=staff.id,
        )
        for i in range(2)
    ]
    session.add_all(shows)
    session.flush()
    lineup_drop = LineupItem(roadshow_id=shows[0].id, achievement_id=drop.id)
    lineup_keep = LineupItem(roadshow_id=shows[1].id, achievement_id=keep.id)
    lineup_clash = LineupItem(roadshow_id=shows[1].id, achievement_id=drop.id)
    session.add_all([lineup_drop, lineup_keep, lineup_clash])
    session.flush()
    registration = Registration(
        roadshow_id=shows[0].id, name="企业代表", email="rep@example.com", check_in_code="ABC123"
    )
    session.add(registration)
    session.flush()
    meeting = Meeting(
        roadshow_id=shows[0].id, registration_id=registration.id, lineup_item_id=lineup_drop.id
    )
    attachment = Attachment(
        achievement_id=drop.id,
        original_name="a.pdf",
        storage_key="k1",
        content_type="application/pdf",
        size_bytes=1,
        sha256="0" * 64,
        uploaded_by_id=drop.owner_id,
    )
    session.add_all([meeting, attachment])
    submit(session, drop)
    [flag] = flags(session)
    return (
        staff,
        keep,
        drop,
        flag,
        moved,
        clash_drop,
        lineup_drop,
        lineup_clash,
        meeting,
        attachment,
    )


def test_merge_moves_everything_and_loses_nothing(session) -> None:
    staff, keep, drop, flag, moved, clash, lineup, lineup_clash, meeting, attachment = _world(
        session
    )
    before = {m: count_rows(session, m) for m in (Match, LineupItem, Meeting, Attachment)}
    report = merge.merge(session, staff, flag, keep.id)

    assert {m: count_rows(session, m) for m in before} == before  # nothing deleted
    assert moved.achievement_id == keep.id and moved.state == MatchState.MEETING
    assert session.scalar(
        sa.select(MatchEvent).where(
            MatchEvent.match_id == moved.id, MatchEvent.note.contains("merged")
        )
    )
    assert lineup.achievement_id == keep.id
    assert session.get(LineupItem, meeting.lineup_item_id).achievement_id == keep.id
    assert attachment.achievement_id == keep.id
    # the survivor already had these: they stay, findable, on the archived duplicate
    assert clash.achievement_id == drop.id and lineup_clash.achievement_id == drop.id
    assert report.unmoved_matches == [clash.id] and report.unmoved_lineup == [lineup_clash.id]
    assert drop.state == ListingState.ARCHIVED and drop.merged_into_id == keep.id
    assert validity.expired_reason(clash) == "achievement_merged"
    assert flag.status == DuplicateStatus.MERGED and flag.kept_id == keep.id
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "achievement.merged"))
    assert entry.entity_id == drop.id and entry.data["snapshot"]["title"] == COPY["title"]
    assert entry.data["report"]["moved_matches"] == [moved.id]


def test_the_merge_plan_shows_what_a_merge_will_do_and_changes_nothing(session) -> None:
    staff, keep, drop, flag, moved, clash, lineup, lineup_clash, _meeting, attachment = _world(
        session
    )
    plan = merge.plan(session, staff, flag, keep.id)
    assert plan.keep is keep and plan.drop is drop
    assert plan.matches == [moved] and plan.staying_matches == [clash]
    assert plan.lineup == [lineup] and plan.staying_lineup == [lineup_clash]
    assert plan.attachments == [attachment]
    session.flush()
    assert moved.achievement_id == drop.id and drop.state != ListingState.ARCHIVED
    assert flag.status == DuplicateStatus.OPEN
    # what the plan said is what the merge does
    report = merge.merge(session, staff, flag, keep.id)
    assert report.moved_matches == [moved.id] and report.unmoved_matches == [clash.id]
    assert report.moved_lineup == [lineup.id] and report.moved_attachments == [attachment.id]


def test_side_by_side_marks_only_the_differences() -> None:
    left, right = textdiff.side_by_side("采用流延成型工艺", "使用流延成型工艺")
    assert left == [(True, "采"), (False, "用流延成型工艺")]
    assert right == [(True, "使"), (False, "用流延成型工艺")]


# --- the staff page ------------------------------------------------------------------------


def test_staff_page_shows_the_pair_and_merges(client, app) -> None:
    from web import db

    with app.app_context():
        s = db.session()
        staff = factories.user(s, Role.STAFF, email="staff@example.com")
        keep = factories.achievement(s, **TEXT)
        drop = submit(s, factories.achievement(s, **COPY))
        s.commit()
        keep_id, drop_id, staff_id = keep.id, drop.id, staff.id
        [flag] = flags(s)
        flag_id = flag.id
    client.post("/login", data={"email": "staff@example.com", "password": factories.PASSWORD})
    page = client.get("/staff/duplicates").get_data(as_text=True)
    assert 'data-testid="cluster"' in page and "<mark class='diff'>" in page
    assert TEXT["title"][:6] in page
    # the button on the page only opens the confirmation (a GET: nothing changes yet)
    assert f'action="/staff/duplicates/{flag_id}/merge/confirm"' in page
    confirm = client.get(f"/staff/duplicates/{flag_id}/merge/confirm?keep={keep_id}")
    text = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and 'data-testid="merge-confirm"' in text
    assert f"#{drop_id}" in text and f"#{keep_id}" in text and COPY["title"] in text
    assert 'name="confirmed" value="yes"' in text
    # a merge posted without the confirmation merges nothing and asks for it
    response = client.post(f"/staff/duplicates/{flag_id}/merge", data={"keep": str(keep_id)})
    assert response.status_code == 302
    assert response.location == f"/staff/duplicates/{flag_id}/merge/confirm?keep={keep_id}"
    with app.app_context():
        assert db.session().get(Achievement, drop_id).merged_into_id is None
    client.post(
        f"/staff/duplicates/{flag_id}/merge", data={"keep": str(keep_id), "confirmed": "yes"}
    )
    with app.app_context():
        s = db.session()
        assert s.get(Achievement, drop_id).merged_into_id == keep_id
        assert s.get(DuplicateFlag, flag_id).resolved_by_id == staff_id
    assert 'data-testid="no-duplicates"' in client.get("/staff/duplicates").get_data(as_text=True)


def test_only_staff_see_the_duplicates_page(client, app) -> None:
    from web import db

    with app.app_context():
        factories.user(db.session(), Role.RESEARCHER, email="r@example.com")
        db.session().commit()
    client.post("/login", data={"email": "r@example.com", "password": factories.PASSWORD})
    assert client.get("/staff/duplicates").status_code == 403


def test_many_copies_make_a_bounded_number_of_flags_and_one_bounded_page(client, app) -> None:
    from web import db

    copies = 40
    with app.app_context():
        s = db.session()
        factories.user(s, Role.STAFF, email="staff@example.com")
        for number in range(copies):  # each from another organisation
            text = {**COPY, "title": f"{COPY['title']}（{number} 号）"}
            submit(s, factories.achievement(s, **text))
        s.commit()
        made = len(flags(s))
    # every listing is like every other: 40 × 39 / 2 = 780 pairs without a cap
    assert 0 < made <= duplicates.FLAGS_PER_LISTING * copies
    client.post("/login", data={"email": "staff@example.com", "password": factories.PASSWORD})
    page = client.get("/staff/duplicates").get_data(as_text=True)
    assert page.count('data-testid="cluster"') == 1
    assert page.count('class="duplicate-pair"') == duplicates.PAIRS_PER_CLUSTER
    assert f"{copies} 条" in page  # the whole cluster is counted, not only the pairs shown
    assert 'data-testid="hidden-pairs"' in page
    assert len(page.encode()) < 80_000


def test_clusters_come_a_page_at_a_time_with_counts(client, app) -> None:
    from web import db

    groups = duplicates.CLUSTERS_PER_PAGE + 5
    with app.app_context():
        s = db.session()
        factories.user(s, Role.STAFF, email="staff@example.com")
        for number in range(groups):
            first = factories.achievement(s, title=f"第 {number} 组甲")
            second = factories.achievement(s, title=f"第 {number} 组乙")
            s.add(
                DuplicateFlag(
                    kind="achievement",
                    first_id=first.id,
                    second_id=second.id,
                    score=0.9,
                    lexical=0.9,
                    status=DuplicateStatus.OPEN,
                )
            )
        s.commit()
        page_two = duplicates.cluster_page(s, page=2)
        assert (page_two.total, page_two.pages, page_two.open_flags) == (groups, 2, groups)
        assert len(page_two.clusters) == 5
    client.post("/login", data={"email": "staff@example.com", "password": factories.PASSWORD})
    first_page = client.get("/staff/duplicates").get_data(as_text=True)
    assert first_page.count('data-testid="cluster"') == duplicates.CLUSTERS_PER_PAGE
    assert 'data-testid="duplicate-counts"' in first_page
    second_page = client.get("/staff/duplicates?page=2").get_data(as_text=True)
    assert second_page.count('data-testid="cluster"') == 5
    assert client.get("/staff/duplicates?page=999").status_code == 200
