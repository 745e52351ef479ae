"""Apply a staff decision at once to the other open proposals of the same need.

Retrieval rank and relevance are stored with each match, so re-scoring needs no search: the
new feedback changes the compatibility and feedback parts only. A match stored before relevance
existed (no "relevance" component) keeps its score until the next re-match. A proposal the
feedback now excludes ("already cooperating" with that organisation) is withdrawn, with the
reason in its history.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matchmaker.matching import feedback, scoring
from matchmaker.models import Match, MatchState, Need
from matchmaker.search.documents import listing_text

WITHDRAWN_NOTE = "withdrawn:feedback"


def rescore_need(session: Session, need: Need, today: date | None = None) -> int:
    """Re-score the need's proposed matches; returns how many changed score or were withdrawn."""
    today = today or date.today()
    fb = feedback.for_need(session, need.id, need.trl_min)
    # the batch matcher searches from the need, so its text decides the weights
    weights = scoring.weights_for(listing_text(need).compose())
    changed = 0
    proposed = session.scalars(
        sa.select(Match).where(
            Match.need_id == need.id,
            Match.state == MatchState.PROPOSED,
            # expert proposals carry their own probability (experts/proposals.py)
            Match.achievement_id.is_not(None),
        )
    ).all()
    for match in proposed:
        components = match.components or {}
        stored = components.get("relevance")
        retrieval = float(components.get("retrieval", 0.0))
        scored = scoring.score_pair(
            retrieval,
            float(stored) if stored is not None else 1.0,
            match.achievement,
            need,
            today,
            fb,
            weights,
        )
        if scored is None:
            match.reject_reason = "already_cooperating" if fb.excludes(match.achievement) else None
            session.add(match.move_to(MatchState.REJECTED, None, WITHDRAWN_NOTE))
            changed += 1
            continue
        if stored is None:
            continue  # scored before relevance existed: the next re-match scores it
        if abs(scored.score - match.score) > 1e-6:
            match.score = scored.score
            match.components = {**(match.components or {}), **scored.components}
            explanation = dict(match.explanation or {})
            explanation["checks"] = [
                {"name": c.name, "result": str(c.result)} for c in scored.checks
            ]
            explanation["strength"] = scoring.strength(scored.score)
            explanation["good_match"] = scored.proposable
            match.explanation = explanation
            changed += 1
    session.flush()
    return changed
