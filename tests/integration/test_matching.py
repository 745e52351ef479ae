"""The matcher on the demo data with the real model, on both index backends."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
import sqlalchemy as sa

from matchmaker import migrate, runtime
from matchmaker.demo import loader
from matchmaker.matching import operations as matching
from matchmaker.matching import ranker, scoring
from matchmaker.models import Achievement, Match, MatchState, Need
from matchmaker.search import analysis, indexing
from tests.conftest import make_settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def demo_world(settings):
    migrate.upgrade(settings.database_url)
    db = runtime.configure(settings)
    with db.transaction() as session:
        loader.load(session)
        # publish everything so that every ground-truth pair is matchable
        for model in (Achievement, Need):
            for item in session.scalars(sa.select(model)):
                item.state = "published"
    with db.session() as session:
        indexing.rebuild(session, runtime.search_engine())
    return db


def listing_ids(session):
    """Demo keys → database ids (listings are loaded in file order)."""
    achievements = session.scalars(sa.select(Achievement.id).order_by(Achievement.id)).all()
    needs = session.scalars(sa.select(Need.id).order_by(Need.id)).all()
    a_keys = [row["key"] for row in loader.read("achievements.json")]
    n_keys = [row["key"] for row in loader.read("needs.json")]
    return dict(zip(a_keys, achievements, strict=True)), dict(zip(n_keys, needs, strict=True))


def check_true_pairs_rank_top3(db) -> list[str]:
    engine = runtime.search_engine()
    misses = []
    with db.session() as session:
        a_ids, n_ids = listing_ids(session)
        for pair in loader.read("pairs.json"):
            if pair["kind"] != "true":
                continue
            need = session.get(Need, n_ids[pair["need"]])
            ranked = ranker.for_need(session, engine, need, limit=3, today=date.today())
            found = [r for r in ranked if r.achievement.id == a_ids[pair["achievement"]]]
            if not found:
                misses.append(f"{pair['need']} → {pair['achievement']}")
            elif found[0].score < scoring.MIN_PROPOSAL_SCORE:  # ranked, but never proposed
                misses.append(f"{pair['need']} → {pair['achievement']} below the floor")
    return misses


@pytest.fixture
def local_world(tmp_path):
    return demo_world(make_settings(tmp_path, search_enabled=True))


def test_true_demo_pairs_rank_in_top_3_local(local_world) -> None:
    assert check_true_pairs_rank_top3(local_world) == []


def test_true_demo_pairs_rank_in_top_3_elasticsearch(tmp_path, es_url) -> None:
    settings = make_settings(
        tmp_path,
        search_enabled=True,
        index_backend="elasticsearch",
        elasticsearch_url=es_url,
        elasticsearch_index_prefix=f"mm-match-{uuid.uuid4().hex[:8]}",
    )
    db = demo_world(settings)
    try:
        assert check_true_pairs_rank_top3(db) == []
    finally:
        runtime.search_engine().index.drop()


def test_explanations_are_checkable(local_world, monkeypatch) -> None:
    with local_world.session() as session:
        _, n_ids = listing_ids(session)
        pair = next(p for p in loader.read("pairs.json") if p["kind"] == "true")
        need = session.get(Need, n_ids[pair["need"]])
        engine = runtime.search_engine()
        engine.analyses.forget_memory()

        def refuse(value: str) -> None:
            raise AssertionError(f"cut again: {value[:20]}")

        # the indexed listings' sentence cuts were stored when indexed: none is cut again
        monkeypatch.setattr(analysis, "analyse_uncached", refuse)
        monkeypatch.setattr(analysis, "analyse", refuse)
        top = ranker.for_need(session, engine, need, limit=5)
        best = top[0].explanation
        assert best["rank"] == 1
        assert best["strength"] in ("high", "medium", "low")
        assert {c["name"] for c in best["checks"]} == {
            "field",
            "trl",
            "budget",
            "modes",
            "region",
            "deadline",
        }
        assert all(
            c["result"] in ("passed", "partial", "failed", "unknown") for c in best["checks"]
        )
        assert best["shared_terms"], "a true pair shares some terms"
        assert 0 < top[0].components["retrieval"] <= 1
        # the matcher never proposes a pair within one organisation
        assert all(r.achievement.organisation_id != need.organisation_id for r in top)


def test_rematching_is_idempotent_and_never_resurrects_a_rejection(local_world) -> None:
    engine = runtime.search_engine()
    with local_world.session() as session:
        need = session.scalars(sa.select(Need).order_by(Need.id)).first()
        first = matching.match_listing(session, engine, need)
        session.commit()
        assert first["created"] > 0
        stored = session.scalars(sa.select(Match.score).where(Match.need_id == need.id)).all()
        assert min(stored) >= scoring.MIN_PROPOSAL_SCORE  # weak candidates stay out of the queue
        count = session.scalar(sa.select(sa.func.count()).select_from(Match))
        again = matching.match_listing(session, engine, need)
        session.commit()
        assert again["created"] == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(Match)) == count
        rejected = session.scalars(
            sa.select(Match).where(Match.need_id == need.id).order_by(Match.score.desc())
        ).first()
        rejected.state = MatchState.REJECTED
        rejected.reject_reason = "other"
        session.commit()
        matching.match_listing(session, engine, need)
        session.commit()
        session.refresh(rejected)
        assert rejected.state == MatchState.REJECTED
        top = ranker.for_need(session, engine, need, limit=20)
        assert rejected.achievement_id not in [r.achievement.id for r in top]


@pytest.mark.parametrize(
    "reason", ["field_mismatch", "trl_too_low", "price_mismatch", "already_cooperating"]
)
def test_a_rejection_reason_adjusts_the_feature_it_names(local_world, reason) -> None:
    engine = runtime.search_engine()
    with local_world.session() as session:
        for need in session.scalars(sa.select(Need).order_by(Need.id)):
            before = ranker.for_need(session, engine, need, limit=20)
            target = next((r for r in before[:5] if _applies(reason, r.achievement, before)), None)
            if target is not None:
                break
        assert target is not None, f"no demo need to test {reason} on"
        rejected = target.achievement
        session.add(
            Match(
                need_id=need.id,
                achievement_id=rejected.id,
                score=target.score,
                state=MatchState.REJECTED,
                reject_reason=reason,
            )
        )
        session.commit()
        after = {r.achievement.id: r for r in ranker.for_need(session, engine, need, limit=20)}
        old = {r.achievement.id: r for r in before}
        assert rejected.id not in after
        affected = [a for a in after if a in old and _similar(reason, old[a].achievement, rejected)]
        if reason == "trl_too_low":
            # the need now asks for more than the rejected maturity: as mature or less fails
            assert affected
            for achievement_id in affected:
                trl = next(c for c in after[achievement_id].checks if c.name == "trl")
                assert trl.result == "failed"
                assert after[achievement_id].score <= old[achievement_id].score
        elif reason == "already_cooperating":
            assert all(
                r.achievement.organisation_id != rejected.organisation_id for r in after.values()
            )
        else:
            assert affected, "some other candidate shares the rejected feature"
            for achievement_id in affected:
                assert after[achievement_id].components["feedback"] < 0
                # the candidate moves down; its strength never rises (a pair under the proposal
                # floor keeps its own relevance as its score, so that one may stay equal)
                assert after[achievement_id].rank_value < old[achievement_id].rank_value
                assert after[achievement_id].score <= old[achievement_id].score


def _applies(reason, achievement, ranked) -> bool:
    others = [r.achievement for r in ranked if r.achievement.id != achievement.id]
    if reason == "field_mismatch":
        return achievement.field is not None and any(o.field == achievement.field for o in others)
    if reason == "trl_too_low":
        return achievement.trl is not None and any((o.trl or 0) <= achievement.trl for o in others)
    if reason == "price_mismatch":
        return achievement.price_min is not None and any(
            o.price_min is not None and o.price_min >= achievement.price_min for o in others
        )
    return achievement.organisation_id is not None and any(
        o.organisation_id == achievement.organisation_id for o in others
    )


def _similar(reason, achievement, rejected) -> bool:
    if reason == "field_mismatch":
        return achievement.field == rejected.field
    if reason == "price_mismatch":
        return achievement.price_min is not None and achievement.price_min >= rejected.price_min
    if reason == "trl_too_low":
        return achievement.trl is not None and achievement.trl <= rejected.trl
    return False


def test_cli_prints_explained_top_matches_and_saves_proposals(
    local_world, tmp_path, monkeypatch
) -> None:
    from click.testing import CliRunner

    from web.cli import main

    settings = runtime.settings()
    monkeypatch.setenv("MATCHMAKER_INSTANCE_DIR", str(settings.instance_dir))
    monkeypatch.setenv("MATCHMAKER_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("MATCHMAKER_SECRET_KEY", "test-secret")
    with local_world.session() as session:
        need_id = session.scalars(sa.select(Need.id).order_by(Need.id)).first()
    result = CliRunner().invoke(main, ["match", "--need", str(need_id), "--top", "3"])
    assert result.exit_code == 0, result.output
    assert result.output.count("\n#") + result.output.startswith("#") == 3
    assert "shared terms:" in result.output and "checks: field=" in result.output
    with runtime.database().session() as session:
        assert (
            session.scalar(
                sa.select(sa.func.count()).select_from(Match).where(Match.need_id == need_id)
            )
            > 0
        )
    missing = CliRunner().invoke(main, ["match", "--achievement", "999999"])
    assert missing.exit_code != 0 and "no achievement 999999" in missing.output


def test_the_batch_job_proposes_what_matching_each_need_proposes(local_world) -> None:
    engine = runtime.search_engine()
    with local_world.session() as session:
        totals = matching.match_all(session, engine)
        batch = {
            (m.need_id, m.achievement_id): round(m.score, 6)
            for m in session.scalars(sa.select(Match))
        }
        assert totals["created"] == len(batch) > 0
        expected = {}
        for need in session.scalars(sa.select(Need).where(Need.state == "published")):
            for item in ranker.for_need(session, engine, need, matching.PROPOSALS_PER_LISTING):
                if item.score >= scoring.MIN_PROPOSAL_SCORE:
                    expected[(need.id, item.achievement.id)] = round(item.score, 6)
        assert batch == expected
        assert matching.match_all(session, engine)["created"] == 0


def test_a_pair_inserted_meanwhile_by_another_worker_is_kept(local_world) -> None:
    engine = runtime.search_engine()
    with local_world.session() as session:
        need = session.scalars(sa.select(Need).order_by(Need.id)).first()
        ranked = ranker.for_need(session, engine, need, limit=3)
        # another worker's row, invisible to the stored-matches lookup of this one
        session.add(Match(need_id=need.id, achievement_id=ranked[1].achievement.id, score=0.5))
        session.flush()
        assert matching._insert(session, ranked) == 2
        session.commit()
        rows = session.scalars(sa.select(Match).where(Match.need_id == need.id)).all()
        assert sorted(m.achievement_id for m in rows) == sorted(r.achievement.id for r in ranked)
        assert next(m for m in rows if m.achievement_id == ranked[1].achievement.id).score == 0.5


def test_the_demo_proposes_nothing_strong_that_its_labels_call_wrong(local_world) -> None:
    """What a new user sees first (`bash scripts/run.sh`): no 强 proposal for a pair the demo's
    own labels call a near miss, and none but its right answer for the English spinal-cage
    need (it once got a LAMP test kit as 强)."""
    from matchmaker.search import relevance

    with local_world.session() as session:
        matching.match_all(session, runtime.search_engine())
        session.commit()
        a_ids, n_ids = listing_ids(session)
        bands = {
            (m.need_id, m.achievement_id): relevance.band(m.score)
            for m in session.scalars(sa.select(Match))
        }
    wrong_but_strong = {
        f"{pair['need']} → {pair['achievement']}"
        for pair in loader.read("pairs.json")
        if pair["kind"] == "near_miss"
        and bands.get((n_ids[pair["need"]], a_ids[pair["achievement"]])) == "high"
    }
    # Same topic, wrong technology, every term compatible: only reading the texts as an
    # engineer would tells these apart (sodium-ion vs high-nickel cathodes; a coating vs
    # machining the holes through it). Known misses of the features (issue 18 note); the
    # business-term near misses (price 10x the budget, preclinical for a clinical need) are
    # capped at medium and must stay out of this set.
    known = {"n_hengtai_cycle → a_sodium_cathode", "n_xinghang_holes → a_thermal_barrier"}
    assert wrong_but_strong <= known
    cage = n_ids["n_novida_implant"]
    right = {
        a_ids[pair["achievement"]]
        for pair in loader.read("pairs.json")
        if pair["need"] == "n_novida_implant" and pair["kind"] == "true"
    }
    strong = {a for (need, a), band in bands.items() if need == cage and band == "high"}
    assert strong <= right  # the labelled right answer (a porous titanium implant) may be
