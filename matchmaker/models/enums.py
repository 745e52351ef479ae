"""States and closed vocabularies stored in the database."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    RESEARCHER = "researcher"
    ENTERPRISE = "enterprise"
    STAFF = "staff"
    ADMIN = "admin"


class OrganisationKind(StrEnum):
    UNIVERSITY = "university"
    INSTITUTE = "institute"
    ENTERPRISE = "enterprise"
    ASSOCIATION = "association"
    OTHER = "other"


class ListingState(StrEnum):
    """Shared by achievements and needs: draft → submitted → published → archived."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"  # staff sent it back with a comment; the owner edits and resubmits
    PUBLISHED = "published"
    EXPIRED = "expired"
    ARCHIVED = "archived"


class Visibility(StrEnum):
    PUBLIC = "public"  # summary visible to anyone, details to logged-in users
    MEMBERS = "members"  # logged-in users only
    CONFIDENTIAL = "confidential"  # owner and staff only; still matched, shown anonymised


class IPType(StrEnum):
    INVENTION_PATENT = "invention_patent"
    UTILITY_MODEL = "utility_model"
    SOFTWARE_COPYRIGHT = "software_copyright"
    KNOW_HOW = "know_how"
    PLANT_VARIETY = "plant_variety"
    OTHER = "other"


class CooperationMode(StrEnum):
    TRANSFER = "transfer"
    LICENSE = "license"
    EQUITY = "equity"
    JOINT_DEVELOPMENT = "joint_development"
    TECHNICAL_SERVICE = "technical_service"


class MatchState(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"
    INTRODUCED = "introduced"
    MEETING = "meeting"
    NEGOTIATING = "negotiating"
    SIGNED = "signed"
    DROPPED = "dropped"


# approved by staff and from then on shown to both parties
APPROVED_MATCH_STATES = (
    MatchState.APPROVED,
    MatchState.INTRODUCED,
    MatchState.MEETING,
    MatchState.NEGOTIATING,
    MatchState.SIGNED,
)


class RoadshowState(StrEnum):
    PLANNING = "planning"
    OPEN = "open"
    RUNNING = "running"
    CLOSED = "closed"
    DONE = "done"


class RegistrationStatus(StrEnum):
    PENDING = (
        "pending"  # registered without an account: holds no seat until the e-mail is confirmed
    )
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class MeetingState(StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    SCHEDULED = "scheduled"
    HELD = "held"
    CANCELLED = "cancelled"


class FollowUpIntent(StrEnum):
    NONE = "none"
    FURTHER_TALKS = "further_talks"
    TRIAL = "trial"
    CONTRACT = "contract"


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class DigestFrequency(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"


class InterestState(StrEnum):
    """An interest request (申请查看详情): the owner answers; access opens at GRANTED."""

    OPEN = "open"  # waiting for the owner
    MEDIATION = "mediation"  # the owner asked staff to mediate
    AGREEMENT_PENDING = "agreement_pending"  # accepted; the requester must accept the agreement
    AWAITING_VERIFICATION = "awaiting_verification"  # a signed copy waits for staff
    GRANTED = "granted"  # the protected parts are open to the requester's organisation
    DECLINED = "declined"
    REVOKED = "revoked"  # the owner (or staff) closed the access again


class ProtectedPart(StrEnum):
    """Parts of a listing its owner may keep for after an agreement (协议后可见)."""

    DETAILS = "details"  # technical details: the description and its continuation
    ATTACHMENTS = "attachments"
    PRICE = "price"  # asking price or budget


class DuplicateStatus(StrEnum):
    OPEN = "open"  # waiting for staff
    MERGED = "merged"
    NOT_DUPLICATE = "not_duplicate"  # staff said so: the pair is never flagged again


class MessageKind(StrEnum):
    """What a line of a conversation is: written text, or a step shown in the thread."""

    TEXT = "text"
    MEETING_PROPOSED = "meeting_proposed"
    MEETING_ACCEPTED = "meeting_accepted"
    MEETING_DECLINED = "meeting_declined"
    AGREEMENT_REPORTED = "agreement_reported"
    CONTRACT_RECORDED = "contract_recorded"


class MeetingProposalState(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class ExpertState(StrEnum):
    """An expertise profile: invited (staff entered it, the expert has not confirmed yet) →
    published → archived. A researcher's own profile is published when saved."""

    INVITED = "invited"
    PUBLISHED = "published"
    ARCHIVED = "archived"
