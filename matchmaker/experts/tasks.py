"""Celery tasks of expert matching. Arguments are ids; every task is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from matchmaker import runtime
from matchmaker.experts import proposals
from matchmaker.models import ExpertProfile, Need


@shared_task(name="matchmaker.match_need_experts")
def match_need_experts(need_id: int) -> dict[str, int]:
    """Propose experts for a need once it is in the index."""
    engine = runtime.search_engine()
    with runtime.database().transaction() as session:
        need = session.get(Need, need_id)
        return {} if need is None else proposals.propose_for_need(session, engine, need)


@shared_task(name="matchmaker.match_expert_needs")
def match_expert_needs(expert_id: int) -> dict[str, int]:
    """Propose an expert for open needs once the profile is in the index."""
    engine = runtime.search_engine()
    with runtime.database().transaction() as session:
        expert = session.get(ExpertProfile, expert_id)
        return {} if expert is None else proposals.propose_for_expert(session, engine, expert)


@shared_task(name="matchmaker.propose_all_experts")
def propose_all_experts() -> int:
    """Every published expert for the open needs: a first start, once its index is built."""
    with runtime.database().session() as session:
        return proposals.propose_all(session, runtime.search_engine())
