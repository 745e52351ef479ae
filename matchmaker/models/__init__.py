"""All models, importable from one place (Alembic reads `Base.metadata` through this)."""

from matchmaker.models.accounts import STAFF_ROLES, Organisation, User
from matchmaker.models.activity import AuditEntry, Job, LoginFailure, Notification, OutboxMail
from matchmaker.models.api_tokens import ApiToken
from matchmaker.models.duplicates import DuplicateFlag
from matchmaker.models.enums import (
    APPROVED_MATCH_STATES,
    CooperationMode,
    DigestFrequency,
    DuplicateStatus,
    FollowUpIntent,
    InterestState,
    IPType,
    JobState,
    ListingState,
    MatchState,
    MeetingState,
    OrganisationKind,
    ProtectedPart,
    RegistrationStatus,
    RoadshowState,
    Role,
    Visibility,
)
from matchmaker.models.interest import (
    LIVE_INTEREST_STATES,
    AccessGrant,
    AgreementAcceptance,
    AgreementText,
    InterestRequest,
)
from matchmaker.models.listings import Achievement, Attachment, Need
from matchmaker.models.matching import Match, MatchEvent
from matchmaker.models.roadshows import FollowUp, LineupItem, Meeting, Registration, Roadshow
from matchmaker.models.saved_searches import SavedSearch

__all__ = [
    "APPROVED_MATCH_STATES",
    "LIVE_INTEREST_STATES",
    "STAFF_ROLES",
    "AccessGrant",
    "Achievement",
    "AgreementAcceptance",
    "AgreementText",
    "ApiToken",
    "Attachment",
    "AuditEntry",
    "CooperationMode",
    "DigestFrequency",
    "DuplicateFlag",
    "DuplicateStatus",
    "FollowUp",
    "FollowUpIntent",
    "IPType",
    "InterestRequest",
    "InterestState",
    "Job",
    "JobState",
    "LineupItem",
    "ListingState",
    "LoginFailure",
    "Match",
    "MatchEvent",
    "MatchState",
    "Meeting",
    "MeetingState",
    "Need",
    "Notification",
    "Organisation",
    "OrganisationKind",
    "OutboxMail",
    "ProtectedPart",
    "Registration",
    "RegistrationStatus",
    "Roadshow",
    "RoadshowState",
    "Role",
    "SavedSearch",
    "User",
    "Visibility",
]
