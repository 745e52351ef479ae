"""All models, importable from one place (Alembic reads `Base.metadata` through this)."""

from matchmaker.models.accounts import STAFF_ROLES, Organisation, User
from matchmaker.models.activity import AuditEntry, Job, LoginFailure, Notification, OutboxMail
from matchmaker.models.api_tokens import ApiToken
from matchmaker.models.conversations import (
    MATCH_SUBJECT,
    Conversation,
    ConversationReader,
    MeetingProposal,
    Message,
    MessageAttachment,
)
from matchmaker.models.duplicates import DuplicateFlag
from matchmaker.models.enums import (
    APPROVED_MATCH_STATES,
    CooperationMode,
    DigestFrequency,
    DuplicateStatus,
    FollowUpIntent,
    IPType,
    JobState,
    ListingState,
    MatchState,
    MeetingProposalState,
    MeetingState,
    MessageKind,
    OrganisationKind,
    RegistrationStatus,
    RoadshowState,
    Role,
    Visibility,
)
from matchmaker.models.listings import Achievement, Attachment, Need
from matchmaker.models.matching import Match, MatchEvent
from matchmaker.models.roadshows import FollowUp, LineupItem, Meeting, Registration, Roadshow
from matchmaker.models.saved_searches import SavedSearch

__all__ = [
    "APPROVED_MATCH_STATES",
    "MATCH_SUBJECT",
    "STAFF_ROLES",
    "Achievement",
    "ApiToken",
    "Attachment",
    "AuditEntry",
    "Conversation",
    "ConversationReader",
    "CooperationMode",
    "DigestFrequency",
    "DuplicateFlag",
    "DuplicateStatus",
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
    "MeetingProposal",
    "MeetingProposalState",
    "MeetingState",
    "Message",
    "MessageAttachment",
    "MessageKind",
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
    "User",
    "Visibility",
]
