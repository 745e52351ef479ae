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
    ExpertState,
    FollowUpIntent,
    IPType,
    JobState,
    ListingState,
    MatchState,
    MeetingState,
    OrganisationKind,
    RegistrationStatus,
    RoadshowState,
    Role,
    Visibility,
)
from matchmaker.models.experts import (
    ExpertProfile,
    ServiceTeam,
    ServiceTeamMember,
    ServiceVisit,
)
from matchmaker.models.listings import Achievement, Attachment, Need
from matchmaker.models.matching import Match, MatchEvent
from matchmaker.models.roadshows import FollowUp, LineupItem, Meeting, Registration, Roadshow
from matchmaker.models.saved_searches import SavedSearch

__all__ = [
    "APPROVED_MATCH_STATES",
    "STAFF_ROLES",
    "Achievement",
    "ApiToken",
    "Attachment",
    "AuditEntry",
    "CooperationMode",
    "DigestFrequency",
    "DuplicateFlag",
    "DuplicateStatus",
    "ExpertProfile",
    "ExpertState",
    "FollowUp",
    "FollowUpIntent",
    "IPType",
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
    "Registration",
    "RegistrationStatus",
    "Roadshow",
    "RoadshowState",
    "Role",
    "SavedSearch",
    "ServiceTeam",
    "ServiceTeamMember",
    "ServiceVisit",
    "User",
    "Visibility",
]
