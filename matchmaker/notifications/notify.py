"""In-app notifications and e-mail through the outbox.

Messages are stored as a key plus parameters and rendered in the reader's language when shown,
so a notification written by the worker reads right in Chinese and in English.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from matchmaker import visibility
from matchmaker.models import Notification, OutboxMail, User

Listing = visibility.Listing
# stands for a listing title the reader may not see; rendered in the reader's language
HIDDEN_TITLE = {"zh": "（保密内容，请联系科协）", "en": "(confidential: ask the association)"}

# key → (Chinese, English); parameters in {braces}
TEMPLATES: dict[str, tuple[str, str]] = {
    "listing_published": (
        "您提交的「{title}」已审核通过并发布。",
        "“{title}” has been approved and published.",
    ),
    "listing_returned": (
        "您提交的「{title}」被退回修改：{comment}",
        "“{title}” was returned for changes: {comment}",
    ),
    "listing_submitted": ("新的待审核内容：「{title}」", "New submission to review: “{title}”"),
    "match_introduced": (
        "科协为您推荐了对接对象：「{title}」",
        "A match was introduced to you: “{title}”",
    ),
    "expert_introduced": (
        "科协为您推荐了可提供帮助的专家：{name}",
        "The association introduced an expert who could help you: {name}",
    ),
    "match_response": (
        "「{title}」的对接方回复：{response}",
        "A party replied on “{title}”: {response}",
    ),
    "match_assigned": (
        "您被指派跟进对接：「{title}」",
        "You were assigned the match for “{title}”",
    ),
    "stuck_digest": (
        "待跟进提醒：您负责的 {mine} 个对接、未指派的 {unassigned} 个对接"
        "已超过 {days} 天没有进展。",
        "Needs attention: {mine} of your matches and {unassigned} unassigned ones have not moved "
        "for more than {days} days.",
    ),
    "renewal_nudge": (
        "「{title}」将于 {date} 到期（还剩 {days} 天）。如仍有效，请点击链接续期。",
        "“{title}” expires on {date} ({days} days left). If it is still valid, renew it.",
    ),
    "listing_expired": (
        "「{title}」已到期，不再出现在搜索和匹配中。您可以随时续期。",
        "“{title}” has expired and left search and matching. You can renew it at any time.",
    ),
    "listing_renewed": ("「{title}」已续期至 {date}。", "“{title}” is renewed until {date}."),
    "digest_ready": (
        "订阅「{name}」有 {count} 条新结果。",
        "Your saved search “{name}” has {count} new results.",
    ),
    "duplicate_merged": (
        "「{title}」与重复条目合并，保留「{kept}」。",
        "“{title}” was merged into its duplicate “{kept}”.",
    ),
    "import_finished": (
        "批量导入完成：{imported} 项已导入，{failed} 行未导入。",
        "Bulk import finished: {imported} imported, {failed} rows not imported.",
    ),
    "expert_invitation": (
        "{inviter} 代表科协为您建立了专家档案，请打开下面的链接核对并确认；确认后档案才会发布。",
        "{inviter} created an expert profile for you on behalf of the association. Please open "
        "the link below to check and confirm it; it is published only after you confirm.",
    ),
    "roadshow_invitation": (
        "诚邀您参加路演「{title}」：本场有 {count} 项成果与您的技术需求相关。",
        "You are invited to the roadshow “{title}”. Presented achievements that fit your needs: "
        "{count}.",
    ),
    "roadshow_lineup_changed": (
        "路演「{title}」的路演项目有调整：新增 {added} 项，移出 {removed} 项，请查看最新名单。",
        "The lineup of the roadshow “{title}” changed (presentations added: {added}, removed: "
        "{removed}). See the event page for the current lineup.",
    ),
    "roadshow_registered": (
        "您已报名路演「{title}」，签到码：{code}。入场时请出示签到码。",
        "You are registered for “{title}”. Your check-in code: {code}. Show it at the entrance.",
    ),
    "roadshow_waitlisted": (
        "您已进入路演「{title}」的候补名单，有空位时会通知您。签到码：{code}。",
        "You are on the waitlist of “{title}”; we will tell you when a seat opens. "
        "Check-in code: {code}.",
    ),
    "roadshow_confirm_registration": (
        "请确认您报名路演「{title}」：打开下面的链接后报名才生效（如非本人操作，请忽略本邮件）。",
        "Please confirm your registration for “{title}”: it counts once you open the link below "
        "(if it was not you, ignore this e-mail).",
    ),
    "roadshow_promoted": (
        "路演「{title}」有空位，您已从候补转为正式报名。",
        "A seat opened at “{title}”: you moved from the waitlist to registered.",
    ),
    "roadshow_meeting_requested": (
        "{name} 希望在路演中就「{title}」与您洽谈，请确认。",
        "{name} asks for a meeting about “{title}” at the roadshow; please answer.",
    ),
    "roadshow_meeting_accepted": (
        "「{title}」的发布人接受了您的洽谈请求。",
        "The presenter of “{title}” accepted your meeting request.",
    ),
    "roadshow_meeting_declined": (
        "「{title}」的发布人婉拒了您的洽谈请求。",
        "The presenter of “{title}” declined your meeting request.",
    ),
    "roadshow_followup_reminder": (
        "路演「{title}」已结束 {days} 天，请记录您与洽谈对象的后续进展。",
        "The roadshow “{title}” ended {days} days ago: please record how your meetings went on.",
    ),
    "roadshow_meeting_cancelled": (
        "{name} 取消了路演报名，关于「{title}」的洽谈随之取消。",
        "{name} cancelled their registration; the meeting about “{title}” is cancelled.",
    ),
    "roadshow_contract_reported": (
        "路演「{title}」的参与方报告了一份合同，请核实后确认。",
        "A party of the roadshow “{title}” reported a contract: please check and confirm it.",
    ),
    "roadshow_schedule_published": (
        "路演「{title}」的洽谈日程已发布，请查看您的日程。",
        "The meeting schedule of “{title}” is published: see your agenda.",
    ),
    # interest requests (matchmaker.interest): in the app, and in the daily interest digest
    "interest_requested": (
        "{organisation} 对「{title}」表达了合作意向，请查看并答复。",
        "{organisation} is interested in “{title}”: please answer the request.",
    ),
    "interest_agreement_needed": (
        "您对「{title}」的申请已被接受：请阅读并接受保密协议，之后即可查看详情。",
        "Your request about “{title}” was accepted: accept the confidentiality agreement to see "
        "the details.",
    ),
    "interest_granted": (
        "「{title}」的详细信息已向贵单位开放。",
        "The details of “{title}” are now open to your organisation.",
    ),
    "interest_declined": (
        "您对「{title}」的申请未获同意：{decline_reason}。",
        "Your request about “{title}” was declined: {decline_reason}.",
    ),
    "interest_mediation": (
        "「{title}」的发布方请科协协调一条意向申请。",
        "The owner of “{title}” asks the association to mediate an interest request.",
    ),
    "interest_revoked": (
        "贵单位查看「{title}」详细信息的权限已被撤回。",
        "Your organisation's access to the details of “{title}” was revoked.",
    ),
    "interest_agreement_accepted": (
        "申请方已接受保密协议，「{title}」的详情已对其开放。",
        "The requester accepted the confidentiality agreement; “{title}” is open to them.",
    ),
    "interest_signed_uploaded": (
        "一份签署的保密协议等待核实（「{title}」）。",
        "A signed confidentiality agreement waits to be verified (“{title}”).",
    ),
    "interest_signed_refused": (
        "您上传的保密协议未通过核实，请重新接受或上传（「{title}」）。",
        "The signed agreement you uploaded was not accepted; please accept or upload it again "
        "(“{title}”).",
    ),
    "conversation_message": (
        "关于「{title}」的洽谈有新消息。",
        "New message in the conversation about “{title}”.",
    ),
    "conversation_agreement": (
        "关于「{title}」的对接双方表示已达成协议，请登记合同。",
        "The parties of the conversation about “{title}” reached agreement: please record the "
        "contract.",
    ),
}


# parameters stored as codes and shown as words in the reader's language
WORDS: dict[str, dict[str, tuple[str, str]]] = {
    "response": {
        "interested": ("希望对接", "would like to meet"),
        "declined": ("暂不考虑", "not for now"),
    },
    "decline_reason": {
        "not_fit": ("与需求不匹配", "not a fit"),
        "no_capacity": ("暂无合作能力", "no capacity at the moment"),
        "already_partner": ("已有合作方", "already has a partner"),
        "incomplete_request": ("申请信息不完整", "the request lacks information"),
        "other": ("其他原因", "another reason"),
    },
}


def render(key: str, params: dict[str, Any], locale: str) -> str:
    zh, en = TEMPLATES.get(key, (key, key))
    english = locale.startswith("en")
    template = en if english else zh
    params = {
        name: WORDS[name].get(str(value), (value, value))[1 if english else 0]
        if name in WORDS
        else value
        for name, value in params.items()
    }
    if params.get("title_hidden"):
        params = {**params, "title": HIDDEN_TITLE["en" if english else "zh"]}
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template


def notify(
    session: Session,
    user: User,
    key: str,
    link: str | None = None,
    *,
    email: bool = True,
    about: Listing | None = None,
    **params: Any,
) -> Notification:
    """Tell `user` something: always in the app, and by e-mail unless `email=False`.

    A message that names a listing passes it as `about`: its title goes into the message only
    if `user` may see the listing (the visibility rule); otherwise the stored parameters never
    hold it and the reader sees a "confidential" placeholder."""
    if about is not None:
        params = {**params, **title_params(user, about)}
    note = Notification(user_id=user.id, message_key=key, params=params, link=link)
    session.add(note)
    if email and user.email:
        locale = user.locale or "zh"
        text = render(key, params, locale)
        subject = ("[科创对接] " if not locale.startswith("en") else "[TechMatch] ") + text[:80]
        session.add(
            OutboxMail(
                recipient=user.email,
                subject=subject,
                body=text + (f"\n\n{absolute_link(link)}" if link else ""),
            )
        )
    return note


def title_params(reader: User | None, listing: Listing) -> dict[str, Any]:
    """The `title` parameter of a message about `listing` for `reader`."""
    # a stored message outlives a revoked access grant: name only what is seen without one
    if visibility.can_name(reader, listing):
        return {"title": listing.title}
    return {"title": None, "title_hidden": True}


def mail_only(recipient: str, key: str, link: str | None = None, **params: Any) -> OutboxMail:
    """E-mail someone without an account (e.g. a public registration), in Chinese."""
    text = render(key, params, "zh")
    mail = OutboxMail(
        recipient=recipient,
        subject="[科创对接] " + text[:80],
        body=text + (f"\n\n{absolute_link(link)}" if link else ""),
    )
    return mail


_site_url = ""


def configure(site_url: str) -> None:
    """Called once by the composition root (`runtime.configure`) with the site's address."""
    global _site_url
    _site_url = site_url


def absolute_link(link: str) -> str:
    """Links in e-mails must work outside the site: prefix the configured site address."""
    return _site_url + link if link.startswith("/") else link
