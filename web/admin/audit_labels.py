"""The audit log in words: one label per action key, field and object type."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from web.interest import labels as interest_labels
from web.messages import MATCH_STATE_LABELS, STATE_LABELS

# every action key that `audit.record` is called with (tests/unit/test_admin_audit.py checks)
ACTION_LABELS = {
    "achievement.created": _l("Achievement created"),
    "achievement.updated": _l("Achievement edited"),
    "achievement.draft": _l("Achievement withdrawn to draft"),
    "achievement.submitted": _l("Achievement submitted for review"),
    "achievement.returned": _l("Achievement returned for changes"),
    "achievement.published": _l("Achievement published"),
    "achievement.expired": _l("Achievement expired"),
    "achievement.archived": _l("Achievement archived"),
    "achievement.renewed": _l("Achievement renewed"),
    "achievement.merged": _l("Achievement merged into a duplicate"),
    "achievement.merge_kept": _l("Achievement kept in a merge"),
    "need.created": _l("Need created"),
    "need.updated": _l("Need edited"),
    "need.draft": _l("Need withdrawn to draft"),
    "need.submitted": _l("Need submitted for review"),
    "need.returned": _l("Need returned for changes"),
    "need.published": _l("Need published"),
    "need.expired": _l("Need expired"),
    "need.archived": _l("Need archived"),
    "need.renewed": _l("Need renewed"),
    "need.merged": _l("Need merged into a duplicate"),
    "need.merge_kept": _l("Need kept in a merge"),
    "duplicate.not_duplicate": _l("Marked as not a duplicate"),
    "match.state": _l("Match state changed"),
    "match.assigned": _l("Match assigned"),
    "match.responded": _l("Party answered a match"),
    "match.note": _l("Match note added"),
    "conversation.opened": _l("Conversation opened"),
    "conversation.message": _l("Conversation message written"),
    "conversation.meeting_proposed": _l("Meeting proposed in a conversation"),
    "conversation.meeting_answered": _l("Meeting proposal answered"),
    "conversation.agreement_reported": _l("Parties reported agreement"),
    "conversation.contract_recorded": _l("Contract recorded from a conversation"),
    "conversation.unsubscribed": _l("Conversation e-mails unsubscribed"),
    "expert.created": _l("Expert profile created"),
    "expert.invited": _l("Expert invited"),
    "expert.confirmed": _l("Expert confirmed their profile"),
    "expert.published": _l("Expert profile published"),
    "expert.updated": _l("Expert profile updated"),
    "expert.archived": _l("Expert profile archived"),
    "expert_team.created": _l("Expert service team created"),
    "expert_team.recommended": _l("Expert service team recommended"),
    "expert_team.member_added": _l("Expert added to a service team"),
    "expert_team.member_removed": _l("Expert removed from a service team"),
    "expert_team.visit_recorded": _l("Service team visit recorded"),
    "roadshow.created": _l("Roadshow created"),
    "roadshow.updated": _l("Roadshow edited"),
    "roadshow.published": _l("Roadshow published"),
    "roadshow.state": _l("Roadshow state changed"),
    "roadshow.cancelled": _l("Roadshow registration cancelled"),
    "roadshow.registered": _l("Roadshow registration"),
    "roadshow.registration_pending": _l("Roadshow registration awaiting e-mail confirmation"),
    "roadshow.checked_in": _l("Roadshow check-in"),
    "roadshow.invited": _l("Enterprises invited to a roadshow"),
    "roadshow.lineup": _l("Roadshow lineup proposed"),
    "roadshow.lineup_changed": _l("Roadshow lineup changed"),
    "roadshow.lineup_edit": _l("Roadshow lineup edited after publishing"),
    "roadshow.lineup_removed": _l("Achievement removed from a lineup"),
    "roadshow.lineup_restored": _l("Achievement restored to a lineup"),
    "roadshow.pin": _l("Roadshow lineup pin changed"),
    "roadshow.scheduled": _l("Roadshow meetings scheduled"),
    "roadshow.schedule_published": _l("Roadshow meeting schedule published"),
    "roadshow.meeting_requested": _l("Roadshow meeting requested"),
    "roadshow.meeting_answer": _l("Roadshow meeting answered"),
    "roadshow.meeting_moved": _l("Roadshow meeting moved"),
    "roadshow.followup": _l("Roadshow follow-up"),
    "roadshow.contract_confirmed": _l("Roadshow contract confirmed"),
    "saved_search.created": _l("Saved search created"),
    "saved_search.updated": _l("Saved search changed"),
    "saved_search.deleted": _l("Saved search deleted"),
    "saved_search.unsubscribed": _l("Saved search unsubscribed"),
    "notifications.read": _l("Notifications marked as read"),
    "user.created": _l("Account created by an administrator"),
    "user.registered": _l("Account signed up"),
    "user.signed_out": _l("Signed out everywhere"),
    "api_token.created": _l("API token created"),
    "api_token.revoked": _l("API token revoked"),
    "demo.loaded": _l("Demo data loaded"),
    "interest.requested": _l("Interest request sent"),
    "interest.accepted": _l("Interest request accepted"),
    "interest.declined": _l("Interest request declined"),
    "interest.mediation": _l("Association asked to mediate an interest request"),
    "interest.revoked": _l("Access to a listing revoked"),
    "interest.tied": _l("Interest request taken forward as a match"),
    "agreement.published": _l("Confidentiality agreement version published"),
    "agreement.accepted": _l("Confidentiality agreement accepted"),
    "agreement.uploaded": _l("Signed confidentiality agreement uploaded"),
    "agreement.verified": _l("Signed confidentiality agreement checked"),
    "model.adapted": _l("Switched to an adapted embedding model"),
    "model.rolled_back": _l("Rolled back to the previous embedding model"),
}

ENTITY_LABELS = {
    "achievement": _l("Achievement"),
    "need": _l("Need"),
    "match": _l("Match"),
    "roadshow": _l("Roadshow"),
    "conversation": _l("Conversation"),
    "meeting": _l("Meeting"),
    "user": _l("Account"),
    "saved_search": _l("Saved search"),
    "api_token": _l("API token"),
    "notification": _l("Notification"),
    "interest_request": _l("Interest request"),
    "agreement_text": _l("Confidentiality agreement"),
    "model_run": _l("Model adaptation run"),
}

FIELD_LABELS = {
    "title": _l("Title"),
    "description": _l("Description"),
    "theme_fields": _l("Fields"),
    "region": _l("Region"),
    "starts_at": _l("Starts"),
    "ends_at": _l("Ends"),
    "timezone": _l("Time zone"),
    "venue": _l("Venue"),
    "online_url": _l("Online link"),
    "capacity": _l("Seats"),
    "presentation_slots": _l("Presentation slots"),
    "registration_deadline": _l("Registration deadline"),
    "meetings_start_at": _l("Meetings start"),
    "state": _l("State"),
    "source": _l("Previous state"),
    "target": _l("New state"),
    "status": _l("Status"),
    "comment": _l("Comment"),
    "note": _l("Note"),
    "intent": _l("Intention"),
    "fields": _l("Changed fields"),
    "registration": _l("Registration"),
    "meetings": _l("Meetings"),
    "added": _l("Added"),
    "removed": _l("Removed"),
    "item": _l("Item"),
    "into": _l("Merged into"),
    "merged": _l("Merged"),
    "active": _l("Active"),
    "frequency": _l("Frequency"),
    "assignee": _l("Assignee"),
    "listing": _l("Listing"),
    "agreement_required": _l("Agreement required"),
    "reason": _l("Reason"),
    "version": _l("Version"),
    "ip": _l("IP address"),
    "approved": _l("Approved"),
    "message": _l("Message"),
    "files": _l("Files"),
    "meeting": _l("Meeting proposal"),
    "accepted": _l("Accepted"),
    "via": _l("Via"),
    "model_id": _l("Embedding model"),
    "match": _l("Match"),
    "own_listing": _l("Tied to own listing"),
}

_STATE_FIELDS = {"state", "source", "target", "status"}


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def entity_label(kind: str) -> str:
    label = ENTITY_LABELS.get(kind)
    return str(label) if label is not None else kind


def field_label(name: str) -> str:
    label = FIELD_LABELS.get(name)
    return str(label) if label is not None else name.replace("_", " ")


def value_text(name: str, value: Any, people: Mapping[int, Any] | None = None) -> str:
    """A detail's value as a person reads it: states translated, people by name, lists joined,
    JSON decoded."""
    if value is None or value == "":
        return "—"
    if name == "assignee" and people and value in people:
        return str(people[value].name)
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if name in _STATE_FIELDS and isinstance(value, str):
        label = (
            MATCH_STATE_LABELS.get(value)
            or STATE_LABELS.get(value)
            or interest_labels.STATES.get(value)
        )
        return str(label) if label is not None else value
    if isinstance(value, list):
        return "、".join(value_text("", v) for v in value) or "—"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)
