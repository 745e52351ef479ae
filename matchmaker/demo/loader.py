"""Load the shipped demo data into an empty database."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib import resources
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matchmaker import credit_code
from matchmaker.accounts import operations as accounts
from matchmaker.core import audit
from matchmaker.db import utcnow
from matchmaker.models import (
    Achievement,
    ExpertProfile,
    ExpertState,
    IPType,
    ListingState,
    Need,
    Organisation,
    OrganisationKind,
    Role,
    User,
    Visibility,
)

DEMO_PASSWORD = "demo12345"
DEMO_LOGINS = {
    Role.RESEARCHER: "researcher@demo.example.org",
    Role.ENTERPRISE: "enterprise@demo.example.org",
    Role.STAFF: "staff@demo.example.org",
    Role.ADMIN: "admin@demo.example.org",
}
# First two digits of the administrative division code, used to build plausible credit codes.
PROVINCE_CODES = {
    "北京市": "11",
    "天津市": "12",
    "河北省": "13",
    "山西省": "14",
    "内蒙古自治区": "15",
    "辽宁省": "21",
    "吉林省": "22",
    "黑龙江省": "23",
    "上海市": "31",
    "江苏省": "32",
    "浙江省": "33",
    "安徽省": "34",
    "福建省": "35",
    "江西省": "36",
    "山东省": "37",
    "河南省": "41",
    "湖北省": "42",
    "湖南省": "43",
    "广东省": "44",
    "广西壮族自治区": "45",
    "海南省": "46",
    "重庆市": "50",
    "四川省": "51",
    "贵州省": "52",
    "云南省": "53",
    "西藏自治区": "54",
    "陕西省": "61",
    "甘肃省": "62",
    "青海省": "63",
    "宁夏回族自治区": "64",
    "新疆维吾尔自治区": "65",
}
VALID_ORG_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@dataclass
class LoadReport:
    organisations: int = 0
    users: int = 0
    achievements: int = 0
    needs: int = 0
    experts: int = 0


def read(name: str) -> Any:
    text = resources.files("matchmaker.demo").joinpath("data", name).read_text("utf-8")
    return json.loads(text)


def demo_credit_code(key: str, kind: str, region: str | None) -> str:
    """A deterministic, check-digit-valid code: 91 for companies, 12 for public institutions."""
    prefix = "91" if kind == "enterprise" else "12"
    division = PROVINCE_CODES.get(region or "", "11") + "0100"
    digest = hashlib.sha256(key.encode()).digest()
    org = "".join(
        VALID_ORG_CODE_CHARS[b % 31] if i else str(b % 10) for i, b in enumerate(digest[:8])
    )
    return credit_code.complete(prefix + division + org)


def is_empty(session: Session) -> bool:
    return session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def load(session: Session, today: date | None = None) -> LoadReport:
    """Insert the demo data. Call only on an empty database (see `is_empty`)."""
    today = today or date.today()
    now = utcnow()
    report = LoadReport()
    password_hash = accounts.hash_password(DEMO_PASSWORD)

    orgs: dict[str, Organisation] = {}
    for row in read("organisations.json"):
        org = Organisation(
            name=row["name"],
            name_en=row.get("name_en"),
            kind=OrganisationKind(row["kind"]),
            credit_code=demo_credit_code(row["key"], row["kind"], row.get("region")),
            region=row.get("region"),
            city=row.get("city"),
            description=row.get("description"),
        )
        session.add(org)
        orgs[row["key"]] = org
    report.organisations = len(orgs)

    association = Organisation(
        name="示范市科学技术协会",
        name_en="Demo City Association for Science and Technology",
        kind=OrganisationKind.ASSOCIATION,
        region="江苏省",
        city="南京市",
    )
    session.add(association)

    users: dict[str, User] = {}
    taken_demo_logins: set[Role] = set()
    for row in read("users.json"):
        role = Role(row["role"])
        email = row["email"].lower()
        # The first researcher and first enterprise user get the easy demo log-ins.
        if role not in taken_demo_logins:
            email = DEMO_LOGINS[role]
            taken_demo_logins.add(role)
        user = User(
            email=email,
            password_hash=password_hash,
            name=row["name"],
            role=role,
            title=row.get("title"),
            organisation=orgs[row["org"]],
        )
        session.add(user)
        users[row["key"]] = user
    for role, name in ((Role.STAFF, "王敏（科协工作人员）"), (Role.ADMIN, "系统管理员")):
        user = User(
            email=DEMO_LOGINS[role],
            password_hash=password_hash,
            name=name,
            role=role,
            organisation=association,
        )
        session.add(user)
        users[role.value] = user
    report.users = len(users)

    for index, row in enumerate(read("achievements.json")):
        # every tenth stays "submitted" so staff have something to review
        state = ListingState.SUBMITTED if index % 10 == 9 else ListingState.PUBLISHED
        achievement = Achievement(
            owner=users[row["owner"]],
            organisation=orgs[row["org"]],
            title=row["title"],
            summary=row.get("summary", ""),
            description=row.get("description", ""),
            field=row.get("field"),
            keywords=list(row.get("keywords", [])),
            trl=row.get("trl"),
            ip_type=IPType(row["ip_type"]) if row.get("ip_type") else None,
            patent_numbers=list(row.get("patent_numbers", [])),
            cooperation_modes=list(row.get("modes", [])),
            price_min=row.get("price_min"),
            price_max=row.get("price_max"),
            region=row.get("region"),
            visibility=Visibility(row.get("visibility", "public")),
            state=state,
            published_at=now if state == ListingState.PUBLISHED else None,
            expires_at=now + timedelta(days=365) if state == ListingState.PUBLISHED else None,
        )
        session.add(achievement)
        report.achievements += 1

    for index, row in enumerate(read("needs.json")):
        state = ListingState.SUBMITTED if index % 10 == 9 else ListingState.PUBLISHED
        need = Need(
            owner=users[row["owner"]],
            organisation=orgs[row["org"]],
            title=row["title"],
            description=row.get("description", ""),
            current_approach=row.get("current_approach", ""),
            desired_outcome=row.get("desired_outcome", ""),
            field=row.get("field"),
            keywords=list(row.get("keywords", [])),
            trl_min=row.get("trl_min"),
            budget_min=row.get("budget_min"),
            budget_max=row.get("budget_max"),
            deadline=today + timedelta(days=int(row.get("deadline_days", 180))),
            cooperation_modes=list(row.get("modes", [])),
            region=row.get("region"),
            visibility=Visibility(row.get("visibility", "public")),
            lang=row.get("lang", "zh"),
            state=state,
            published_at=now if state == ListingState.PUBLISHED else None,
            expires_at=now + timedelta(days=180) if state == ListingState.PUBLISHED else None,
        )
        session.add(need)
        report.needs += 1

    session.flush()
    report.experts = _load_experts(session, users, now)
    audit.record(session, None, "demo.loaded", "system", None, **report.__dict__)
    return report


def _load_experts(session: Session, users: dict[str, User], now: datetime) -> int:
    """A few expertise profiles: researchers' own (linked to their achievements), experts the
    association entered (published, or one still waiting for the expert's confirmation)."""
    titles = {a.title: a.id for a in session.scalars(sa.select(Achievement))}
    count = 0
    for row in read("experts.json"):
        user = users.get(row["user"]) if row.get("user") else None
        invited = bool(row.get("invited"))
        profile = ExpertProfile(
            user_id=user.id if user else None,
            name=row["name"],
            title=row.get("title"),
            organisation_name=row.get("organisation")
            or (user.organisation.name if user and user.organisation else ""),
            region=row.get("region"),
            fields=list(row["fields"]),
            directions=row["directions"],
            achievement_ids=[titles[t] for t in row.get("achievements", []) if t in titles],
            publications=row.get("publications", ""),
            offers=list(row.get("offers", [])),
            availability=row.get("availability"),
            visibility=Visibility(row.get("visibility", "public")),
            state=ExpertState.INVITED if invited else ExpertState.PUBLISHED,
            email=user.email if user else row.get("email"),
            created_by_id=user.id if user else users["staff"].id,
            invited_at=None if user else now,
            confirmed_at=None if invited else now,
            published_at=None if invited else now,
        )
        session.add(profile)
        count += 1
    session.flush()
    return count
