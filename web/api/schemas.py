"""JSON Schemas (OpenAPI 3.0 flavour) of what the API sends and accepts."""

from __future__ import annotations

from typing import Any

from matchmaker import taxonomy
from matchmaker.listings.amounts import AMOUNT_MAX, AMOUNT_MIN
from web.submissions.forms import VALIDITY_CHOICES

Schema = dict[str, Any]


def nullable(kind: str, **extra: Any) -> Schema:
    return {"type": kind, "nullable": True, **extra}


ERROR: Schema = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string"},
        "id": {"type": "integer"},
        "retry_after": {"type": "integer"},
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
}

_LISTING_COMMON: dict[str, Schema] = {
    "id": {"type": "integer"},
    "title": {"type": "string"},
    "field": nullable("string"),
    "keywords": {"type": "array", "items": {"type": "string"}},
    "cooperation_modes": {"type": "array", "items": {"type": "string"}},
    "region": nullable("string"),
    "visibility": {"type": "string", "enum": ["public", "members", "confidential"]},
    "state": {"type": "string"},
    "description": {"type": "string"},
    "published_at": nullable("string", format="date-time"),
    "mine": {"type": "boolean"},
    "confidential_notes": nullable("string"),
}
_REQUIRED = ["id", "title", "visibility", "state", "description", "mine"]

ACHIEVEMENT: Schema = {
    "type": "object",
    "required": [*_REQUIRED, "summary"],
    "properties": {
        **_LISTING_COMMON,
        "summary": {"type": "string"},
        "trl": nullable("integer"),
        "ip_type": nullable("string"),
    },
}

NEED: Schema = {
    "type": "object",
    "required": _REQUIRED,
    "properties": {
        **_LISTING_COMMON,
        "current_approach": nullable("string"),
        "desired_outcome": nullable("string"),
        "trl_min": nullable("integer"),
        "budget_min": nullable("number"),
        "budget_max": nullable("number"),
        "deadline": nullable("string", format="date"),
    },
}


EXPERT: Schema = {
    "type": "object",
    "required": ["id", "name", "fields", "offers", "state"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "title": nullable("string"),
        "organisation": {"type": "string"},
        "region": nullable("string"),
        "fields": {"type": "array", "items": {"type": "string", "enum": list(taxonomy.FIELDS)}},
        "directions": {"type": "string"},
        "achievement_ids": {"type": "array", "items": {"type": "integer"}},
        "publications": {"type": "string"},
        "offers": {
            "type": "array",
            "items": {"type": "string", "enum": list(taxonomy.EXPERT_OFFERS)},
        },
        "availability": nullable("string", enum=[*taxonomy.EXPERT_AVAILABILITY, None]),
        "visibility": {"type": "string", "enum": ["public", "members", "confidential"]},
        "state": {"type": "string", "enum": ["invited", "published", "archived"]},
        # contact through the association: only staff and the expert get these
        "email": nullable("string"),
        "phone": nullable("string"),
    },
}

EXPERT_INPUT: Schema = {
    "type": "object",
    "required": ["name", "directions", "fields", "email"],
    "properties": {
        "name": {"type": "string", "maxLength": 100},
        "title": {"type": "string", "maxLength": 100},
        "organisation": {"type": "string", "maxLength": 200},
        "region": {"type": "string", "enum": list(taxonomy.REGIONS)},
        "fields": {"type": "array", "items": {"type": "string", "enum": list(taxonomy.FIELDS)}},
        "directions": {"type": "string", "maxLength": 4000},
        "achievement_ids": {"type": "array", "items": {"type": "integer"}},
        "publications": {"type": "string"},
        "offers": {
            "type": "array",
            "items": {"type": "string", "enum": list(taxonomy.EXPERT_OFFERS)},
        },
        "availability": {"type": "string", "enum": list(taxonomy.EXPERT_AVAILABILITY)},
        "visibility": {"type": "string", "enum": ["public", "members", "confidential"]},
        "email": {"type": "string", "format": "email"},
        "phone": {"type": "string", "maxLength": 40},
    },
}


def page_of(item: Schema) -> Schema:
    return {
        "type": "object",
        "required": ["items", "next_cursor"],
        "properties": {
            "items": {"type": "array", "items": item},
            "next_cursor": nullable("string"),
        },
    }


# in 万元, bounded as in the web form (matchmaker/listings/amounts.py)
AMOUNT: Schema = {"type": "number", "minimum": AMOUNT_MIN, "maximum": AMOUNT_MAX}

NEED_INPUT: Schema = {
    "type": "object",
    "required": ["title", "field", "description"],
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"\S"},
        "field": {"type": "string", "enum": list(taxonomy.FIELDS)},
        "description": {"type": "string", "minLength": 20, "maxLength": 20000, "pattern": r"\S"},
        "keywords": {"type": "array", "items": {"type": "string"}},
        "cooperation_modes": {
            "type": "array",
            "items": {"type": "string", "enum": list(taxonomy.COOPERATION_MODES)},
        },
        "region": {"type": "string", "enum": list(taxonomy.REGIONS)},
        "visibility": {"type": "string", "enum": ["public", "members", "confidential"]},
        "confidential_notes": {"type": "string", "maxLength": 5000},
        "current_approach": {"type": "string", "maxLength": 5000},
        "desired_outcome": {"type": "string", "maxLength": 5000},
        "trl_min": {"type": "integer", "minimum": 1, "maximum": 9},
        "budget_min": AMOUNT,
        "budget_max": AMOUNT,
        "deadline": {"type": "string", "format": "date"},
        "validity_days": {"type": "integer", "enum": list(VALIDITY_CHOICES)},
    },
}

MATCH: Schema = {
    "type": "object",
    "required": ["id", "need_id", "achievement_id", "state"],
    "properties": {
        "id": {"type": "integer"},
        "need_id": {"type": "integer"},
        # exactly one of the two: the need is paired with an achievement or an expert
        "achievement_id": nullable("integer"),
        "expert_id": nullable("integer"),
        "state": {"type": "string"},
        "score": nullable("number"),
        "created_at": nullable("string", format="date-time"),
    },
}

ROADSHOW: Schema = {
    "type": "object",
    "required": ["id", "title", "state", "starts_at", "ends_at"],
    "properties": {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "region": nullable("string"),
        "venue": nullable("string"),
        "state": {"type": "string"},
        "starts_at": {"type": "string", "format": "date-time"},
        "ends_at": {"type": "string", "format": "date-time"},
    },
}


def list_of(item: Schema) -> Schema:
    return {
        "type": "object",
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": item}},
    }


INTEREST_STATES = [
    "open",
    "mediation",
    "agreement_pending",
    "awaiting_verification",
    "granted",
    "declined",
    "revoked",
]

INTEREST_REQUEST: Schema = {
    "type": "object",
    "required": ["id", "listing_kind", "listing_id", "state", "organisation", "created_at"],
    "properties": {
        "id": {"type": "integer"},
        "listing_kind": {"type": "string", "enum": ["achievement", "need"]},
        "listing_id": {"type": "integer"},
        # null when the reader may not see the listing (a confidential one without a grant)
        "listing_title": nullable("string"),
        "state": {"type": "string", "enum": INTEREST_STATES},
        "agreement_required": {"type": "boolean"},
        "organisation": {"type": "string"},
        "credit_code": nullable("string"),
        "match_strength": nullable("string", enum=["high", "medium", "low", None]),
        "message": {"type": "string"},
        "decline_reason": nullable("string"),
        "mine": {"type": "boolean"},
        "created_at": {"type": "string", "format": "date-time"},
    },
}

THREAD: Schema = {
    "type": "object",
    "required": ["id", "subject", "subject_id", "created_at"],
    "properties": {
        "id": {"type": "integer"},
        "subject": {"type": "string", "enum": ["match"]},
        "subject_id": {"type": "integer"},
        "state": nullable("string"),
        "created_at": {"type": "string", "format": "date-time"},
        "last_message_at": nullable("string", format="date-time"),
        "agreement_reported_at": nullable("string", format="date-time"),
    },
}

MESSAGE: Schema = {
    "type": "object",
    "required": ["id", "thread_id", "kind", "body", "author", "created_at"],
    "properties": {
        "id": {"type": "integer"},
        "thread_id": {"type": "integer"},
        "kind": {
            "type": "string",
            "enum": [
                "text",
                "meeting_proposed",
                "meeting_accepted",
                "meeting_declined",
                "agreement_reported",
                "contract_recorded",
            ],
        },
        "body": {"type": "string"},
        "author": {
            "type": "object",
            "required": ["side"],
            "properties": {
                "side": {"type": "string", "enum": ["need", "achievement", "association"]},
                "name": nullable("string"),
            },
        },
        "attachments": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "size": {"type": "integer"}},
            },
        },
        "created_at": {"type": "string", "format": "date-time"},
    },
}

INTEREST_INPUT: Schema = {
    "type": "object",
    "required": ["listing_kind", "listing_id", "message"],
    "properties": {
        "listing_kind": {"type": "string", "enum": ["achievement", "need"]},
        "listing_id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
        "message": {"type": "string", "minLength": 1, "maxLength": 1000, "pattern": r"\S"},
    },
}

MESSAGE_INPUT: Schema = {
    "type": "object",
    "required": ["body"],
    "properties": {"body": {"type": "string", "minLength": 1, "maxLength": 5000, "pattern": r"\S"}},
}
