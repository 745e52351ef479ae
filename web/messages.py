"""Translated messages for the error codes operations raise."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp

from indexer.extract import ExtractionError
from matchmaker.core.errors import OperationError
from matchmaker.importing.tables import TableError

MESSAGES = {
    "email_invalid": _l("Please enter a valid e-mail address."),
    "email_taken": _l("This e-mail address is already registered."),
    "password_too_short": _l("The password must have at least %(min)s characters."),
    "password_needs_letters_and_digits": _l("The password must contain letters and digits."),
    "name_required": _l("Please enter your name."),
    "too_long": _l("This text is too long (at most %(max)s characters)."),
    "role_not_allowed": _l("This role cannot be chosen at sign-up."),
    "organisation_name_required": _l("Please enter the name of your organisation."),
    "enterprise_needs_enterprise_org": _l("An enterprise account must belong to an enterprise."),
    "credit_code_required": _l("Enterprises must give their unified social credit code."),
    "credit_code_length": _l("A unified social credit code has exactly 18 characters."),
    "credit_code_characters": _l(
        "The credit code contains characters that are not allowed (I, O, S, V, Z or symbols)."
    ),
    "credit_code_division": _l("Characters 3 to 8 of the credit code must be a region code."),
    "credit_code_org_check": _l(
        "The organisation code inside the credit code is wrong: please check characters 9 to 17."
    ),
    "credit_code_check": _l(
        "The check character of this credit code is wrong: please check for a typo."
    ),
    "not_editable": _l("Only drafts and returned listings can be edited; withdraw it first."),
    "return_needs_comment": _l("Please say what should be changed."),
    "transition_not_allowed": _l("This action is not possible in the current state."),
    "not_owner": _l("Only the owner can do this."),
    "wrong_role": _l("Your account type cannot create this."),
    "unsupported_type": _l("Only Word (.docx) and PDF documents can be read."),
    "corrupt": _l("The file is damaged or not what its name says; please save it again."),
    "encrypted": _l("The PDF is password-protected; please upload an unprotected copy."),
    "scanned_pdf": _l(
        "This PDF is a scan without a text layer, so no text can be taken from it. "
        "Please upload the Word file or a PDF exported from it."
    ),
    "empty": _l("The document contains no text."),
    "too_large_unpacked": _l("The document unpacks to an unreasonable size and was refused."),
    "too_slow": _l(
        "Reading this file took too long and was stopped. Save it again as a plain PDF, DOCX "
        "or spreadsheet without empty formatted areas and upload it again."
    ),
    "busy": _l("Several files are being read right now. Please upload again in a minute."),
    "too_large": _l("Reading this file needed too much memory and was stopped."),
    "no_header": _l("The first row must hold the column names; see the template."),
    "too_many_rows": _l("At most %(max)s rows can be imported at once; please split the file."),
    "encoding": _l("The text encoding of this CSV file could not be recognised; save it as UTF-8."),
    "no_rows": _l("The file contains no rows to import."),
    "bad_response": _l("Unknown answer."),
    "staff_only": _l("Only association staff can do this."),
    # interest requests and the confidentiality agreement (matchmaker.interest)
    "interest_staff_do_not_ask": _l("Association staff see every listing and do not ask."),
    "interest_own_listing": _l("This is your own (organisation's) listing."),
    "interest_not_allowed": _l(
        "Enterprises ask about achievements and researchers about needs, with an organisation "
        "on their account, for published listings."
    ),
    "interest_message_required": _l("Please write a short message to the owner."),
    "interest_rate_limited": _l(
        "You have sent %(max)s requests in the last 24 hours; please try again tomorrow."
    ),
    "interest_duplicate": _l("Your organisation already has an open request about this listing."),
    "interest_already_accepted": _l("This request has already been accepted."),
    "interest_reason_required": _l("Please choose a reason."),
    "interest_note_required": _l("Please explain the reason in the note."),
    "interest_not_granted": _l("There is no open access to revoke."),
    "interest_requester_only": _l("Only the person who asked can do this."),
    "interest_not_tieable": _l(
        "This request can be taken forward only while access is open and it is not tied yet."
    ),
    "choose_own_listing": _l("Please choose one of your own published listings."),
    "pair_closed": _l(
        "The association has closed or already signed this pair; please contact the association."
    ),
    "agreement_missing": _l("The association has not published an agreement text yet."),
    "agreement_changed": _l(
        "The agreement text has just been updated; please read the new version and accept again."
    ),
    "agreement_name_required": _l("Please type your name."),
    "agreement_name_mismatch": _l("Please type your name as on your account: %(name)s"),
    "agreement_file_required": _l("Please choose the signed file."),
    "agreement_file_too_large": _l("The file is too large (at most %(max)s MB)."),
    "agreement_file_type": _l("Only PDF, JPEG or PNG files are accepted."),
    "agreement_title_required": _l("Please enter a title."),
    "agreement_body_required": _l("Please enter the text of the agreement."),
    "admin_only": _l("Only administrators can do this."),
    "meeting_not_held": _l("Only a meeting that was accepted can have a follow-up."),
    "event_not_started": _l("Follow-ups can be recorded from the event day on."),
    "contract_without_match": _l(
        "No need of the registrant fits this presentation, so no match can be signed; "
        "please record the deal on a match in the review queue."
    ),
    "match_conflict": _l("Someone else changed this match in the meantime; please reload."),
    "reason_required": _l("Please choose a reason."),
    "note_required_for_other": _l("Please explain the reason in the note."),
    "contract_value_required": _l("Please enter the contract value."),
    "bad_amount": _l("Please enter an amount in 10k CNY, for example 120 or 85.5."),
    "bad_date": _l("Please enter a date as YYYY-MM-DD."),
    "assignee_not_staff": _l("Matches can only be assigned to active staff members."),
    "note_empty": _l("The note is empty."),
    "token_invalid": _l("This link is not valid. It may be mistyped or too old."),
    "token_used": _l("This link was already used: the listing has been renewed since."),
    "not_renewable": _l("Only published or expired listings can be renewed."),
    "search_empty": _l("Enter search words or choose a filter before saving the search."),
    "too_many_saved_searches": _l("You can keep at most %(max)s saved searches."),
    "bad_kind": _l("Unknown listing type."),
    "not_found": _l("Not found."),
    "not_a_party": _l(
        "Only the two parties and the association can take part in this conversation."
    ),
    "conversation_closed": _l(
        "This conversation is closed: it can be read but no longer written in."
    ),
    "message_empty": _l("Please write a message or attach a file."),
    "too_many_files": _l("At most %(max)s files can be attached to one message."),
    "too_large_file": _l("“%(name)s” is larger than %(max_mb)s MB and was not sent."),
    "meeting_time_required": _l("Please choose the date and time of the meeting."),
    "meeting_in_past": _l("The meeting time has already passed: please choose a later one."),
    "meeting_place_required": _l("Please give the address or the link of the online meeting."),
    "meeting_already_answered": _l(
        "This meeting proposal was already answered; see the conversation."
    ),
    "meeting_not_yours": _l("Only the other side can answer this meeting proposal."),
    "agreement_already_reported": _l(
        "The agreement was already reported; the association will record the contract."
    ),
    "flag_closed": _l("This pair has already been decided."),
    "keep_not_in_pair": _l("Choose one of the two listings to keep."),
    "listing_missing": _l("One of the two listings no longer exists."),
    # roadshows
    "title_required": _l("Please enter a title."),
    "bad_timezone": _l("Unknown time zone."),
    "bad_datetime": _l("Please enter a valid date and time."),
    "end_before_start": _l("The end must be after the start."),
    "capacity_positive": _l("The capacity must be at least 1."),
    "slots_range": _l("Presentation slots must be between 1 and 50."),
    "deadline_after_start": _l("The registration deadline must be before the start."),
    "bad_url": _l("The online link must start with https:// or http://."),
    "item_has_meetings": _l(
        "Meetings were requested with this presentation; it cannot be removed."
    ),
    "lineup_empty": _l("Recommend or choose a lineup first."),
    "lineup_locked": _l(
        "The lineup is published: press “Edit lineup” first, so that registrants and invited "
        "enterprises are told what changes."
    ),
    "meetings_start_range": _l("The 1:1 meetings must start between the start and the end."),
    "not_published": _l("Publish the roadshow first."),
    "registration_closed": _l("Registration for this roadshow is closed."),
    "registration_not_open": _l("Registration for this roadshow is not open yet."),
    "before_event_day": _l(
        "The event day (%(date)s) has not come yet. To do this anyway, tick the confirmation; "
        "it is recorded in the audit log."
    ),
    "already_registered": _l("This e-mail address is already registered for this roadshow."),
    "registered_by_link": _l(
        "This e-mail address was registered without an account: open the link in the "
        "confirmation e-mail to see or cancel that registration."
    ),
    "code_invalid": _l("This is not a valid check-in code; please check it for typos."),
    "code_unknown": _l("No registration for this roadshow has this code."),
    "registration_cancelled": _l("This registration was cancelled."),
    "registration_waitlisted": _l("This person is on the waitlist and has no seat."),
    "already_checked_in": _l("%(name)s is already checked in."),
    "enterprises_only": _l("Only enterprise accounts can request meetings."),
    "own_achievement": _l("You cannot request a meeting with your own presentation."),
    "meeting_exists": _l("You already requested this meeting."),
    "too_many_meetings": _l("At most %(max)s meetings are possible."),
    "schedule_conflict": _l(
        "This move would put someone in two places at once or double-book a table; "
        "nothing was changed."
    ),
    "schedule_table_taken": _l(
        "Nothing was changed: table %(table)s is taken at %(time)s by “%(other)s”."
    ),
    "schedule_person_busy": _l(
        "Nothing was changed: %(who)s already has a meeting at %(time)s (“%(other)s”, "
        "table %(table)s)."
    ),
    "schedule_empty": _l("Generate the schedule first."),
    # why a match left the open review queue (listings.validity.expired_reason)
    "need_expired": _l("The need has expired."),
    "achievement_expired": _l("The achievement has expired."),
    "need_archived": _l("The need was archived."),
    "achievement_archived": _l("The achievement was archived."),
    "need_merged": _l("The need was merged into a duplicate."),
    "achievement_merged": _l("The achievement was merged into a duplicate."),
    # expertise profiles
    "directions_required": _l("Please describe the research directions in your own words."),
    "fields_required": _l("Please choose at least one field."),
    "bad_choice": _l("Please choose one of the offered values."),
    "too_many_achievements": _l("At most %(max)s representative achievements can be linked."),
    "not_own_achievement": _l("Only the expert's own achievements can be linked."),
    "expert_email_taken": _l("An expert profile with this e-mail address already exists."),
    "sign_in_to_confirm": _l(
        "An account with this e-mail address exists: please sign in first, then open the link "
        "again."
    ),
    "profile_exists": _l("This account already has an expert profile."),
    "team_size_range": _l("A team has between 1 and %(max)s members."),
    "bad_count": _l("Please enter a whole number, 0 or more."),
    "enterprises_required": _l("Please list the enterprises visited, one per line."),
    "expert_not_published": _l("Only published expert profiles can join a team."),
}


def field_errors(error: OperationError | None) -> dict[str, str]:
    """Field name → message of each problem a refused form had (FormInvalid lists several)."""
    if error is None:
        return {}
    problems = getattr(error, "problems", None) or [error]
    found: dict[str, str] = {}
    for problem in problems:
        name = getattr(problem, "field", None)
        if name and name not in found:
            found[name] = message_for(problem)
    return found


def message_for(error: OperationError | ExtractionError | TableError) -> str:
    template = MESSAGES.get(error.code)
    if template is None:
        return gettext("The request could not be completed (%(code)s).", code=error.code)
    params = getattr(error, "params", None)
    return str(template) % params if params else str(template)


STATE_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Under review"),
    "returned": _l("Returned for changes"),
    "published": _l("Published"),
    "expired": _l("Expired"),
    "archived": _l("Archived"),
    "invited": _l("Awaiting the expert's confirmation"),
}

MATCH_STATE_LABELS = {
    "proposed": _l("Proposed"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "introduced": _l("Introduced"),
    "meeting": _lp("match state", "Meeting"),
    "negotiating": _l("Negotiating"),
    "signed": _l("Signed"),
    "dropped": _l("Dropped"),
}

CHECK_LABELS = {
    "field": _l("Field"),
    "trl": _l("Maturity (TRL)"),
    "budget": _l("Price within budget"),
    "modes": _l("Cooperation mode"),
    "region": _l("Region"),
    "deadline": _l("Need deadline"),
}

CHECK_RESULTS = {
    "passed": _l("passed"),
    "partial": _l("partly"),
    "failed": _l("failed"),
    "unknown": _l("unknown"),
    "different": _l("different"),
}

REASON_LABELS = {
    "field_mismatch": _l("Field does not fit"),
    "trl_too_low": _l("Not mature enough"),
    "price_mismatch": _l("Price does not fit"),
    "already_cooperating": _l("Already cooperating"),
    "no_response": _l("No response"),
    "not_interested": _l("A party is not interested"),
    "terms": _l("Could not agree on terms"),
    "found_other": _l("Found another solution"),
    "other": _l("Other"),
    # a match signed from a roadshow follow-up (matchmaker.roadshows.followup.ROADSHOW_NOTE)
    "roadshow_followup": _l("Contract after the roadshow"),
}

ROLE_LABELS = {
    "researcher": _l("Researcher"),
    "enterprise": _l("Enterprise"),
    "staff": _l("Staff"),
    "admin": _l("Administrator"),
}


JOB_STATE_LABELS = {
    "queued": _l("Queued"),
    "running": _l("Running"),
    "succeeded": _l("Completed"),
    "failed": _l("Failed"),
}

# what the search index reports about itself (local backend, Elasticsearch cluster colours)
HEALTH_LABELS = {
    "ok": _l("Working"),
    "green": _l("Working"),
    "yellow": _l("Working, without replicas"),
    "red": _l("Faulty"),
    "unavailable": _l("Unavailable"),
    "loading": _l("Loading the model"),
}


def job_state_label(state: object) -> str:
    return str(JOB_STATE_LABELS.get(str(state), str(state)))


def health_label(status: object) -> str:
    return str(HEALTH_LABELS.get(str(status), str(status)))


def state_label(state: object) -> str:
    return str(STATE_LABELS.get(str(state), str(state)))


def match_state_label(state: object) -> str:
    return str(MATCH_STATE_LABELS.get(str(state), str(state)))


def check_label(name: object) -> str:
    return str(CHECK_LABELS.get(str(name), str(name)))


def check_result_label(result: object) -> str:
    return str(CHECK_RESULTS.get(str(result), str(result)))


def reason_label(reason: object) -> str:
    return str(REASON_LABELS.get(str(reason), str(reason)))


def role_label(role: object) -> str:
    return str(ROLE_LABELS.get(str(role), str(role)))


def money_range(low: float | None, high: float | None) -> str:
    """Amounts are in 万元; an open range reads naturally in both languages."""

    def fmt(value: float) -> str:
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"

    if low is None and high is None:
        return gettext("negotiable")
    if low is not None and high is not None:
        if low == high:
            return gettext("%(amount)s ×10k CNY", amount=fmt(low))
        return gettext("%(low)s–%(high)s ×10k CNY", low=fmt(low), high=fmt(high))
    if low is not None:
        return gettext("from %(amount)s ×10k CNY", amount=fmt(low))
    return gettext("up to %(amount)s ×10k CNY", amount=fmt(high or 0))
