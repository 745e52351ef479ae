"""Bulk import of an expert list (staff): the achievement import's rules — read the file, show
every row as it will be imported or why it will not (column, problem, the cell's text), nothing
saved until staff confirm; then each row becomes an invited profile (experts.invite: the expert
confirms by e-mail) and the report says what happened to every row.

The import runs in the request: a row is one insert and one queued e-mail (no embedding), so
even the largest allowed list takes well under a second; each row has its own savepoint, so a
row refused at import time (an e-mail address taken meanwhile) does not stop the others.
"""

from __future__ import annotations

import io
from typing import Any

from sqlalchemy.orm import Session

from matchmaker import taxonomy
from matchmaker.core import jobs
from matchmaker.core.errors import OperationError, PermissionDenied
from matchmaker.experts import operations as experts
from matchmaker.importing.achievements import LIST_SPLIT, RowResult, _lookup
from matchmaker.importing.preview import preview_job
from matchmaker.models import Job, User

KIND = "import_experts"

# (key, Chinese header, English header, required)
COLUMNS = [
    ("name", "姓名", "Name", True),
    ("title", "职称", "Title", False),
    ("organisation", "单位", "Organisation", False),
    ("region", "所在地区", "Region", False),
    ("fields", "技术领域", "Fields", True),
    ("directions", "研究方向", "Research directions", True),
    ("publications", "论文与专利", "Publications and patents", False),
    ("offers", "可提供服务", "Offers", False),
    ("availability", "可服务时间", "Availability", False),
    ("email", "邮箱", "E-mail", True),
    ("phone", "电话", "Phone", False),
]
EXAMPLE_ROW = [
    "张示例（示例，请删除本行）",
    "教授",
    "某某大学",
    "江苏省",
    "新材料、新能源",
    "锂电池正极材料表面改性与量产工艺",
    "",
    "技术咨询、上门服务",
    "可接受邀请",
    "expert@example.org",
    "",
]
FIELD_NAMES = _lookup(taxonomy.FIELDS)
OFFER_NAMES = _lookup(taxonomy.EXPERT_OFFERS)
AVAILABILITY_NAMES = _lookup(taxonomy.EXPERT_AVAILABILITY)


def _column_of(header: str) -> str | None:
    name = header.strip().lower()
    for key, zh, en, _required in COLUMNS:
        if name in (key, zh.lower(), en.lower()):
            return key
    return None


def _codes(cell: str, names: dict[str, str]) -> tuple[list[str], list[str]]:
    """Known codes of a list cell, and the pieces that are not known."""
    codes: list[str] = []
    unknown: list[str] = []
    for piece in LIST_SPLIT.split(cell):
        piece = piece.strip()
        if not piece:
            continue
        code = names.get(piece.lower())
        if code is None:
            unknown.append(piece)
        elif code not in codes:
            codes.append(code)
    return codes, unknown


def validate(records: list[dict[str, str]]) -> tuple[list[RowResult], list[str]]:
    """Each record → RowResult with values or error codes; also the unknown headers."""
    columns = {h: _column_of(h) for r in records for h in r}
    unknown = sorted(h for h, column in columns.items() if column is None)
    results: list[RowResult] = []
    for offset, record in enumerate(records):
        raw = {columns[h]: v for h, v in record.items() if columns[h]}
        row = RowResult(number=offset + 2)
        for key, _zh, _en, required in COLUMNS:
            if required and not raw.get(key):
                row.errors.append((key, "missing"))
        if raw.get("name", "").strip() == EXAMPLE_ROW[0]:
            row.errors.append(("name", "example_row"))
        fields, bad_fields = _codes(raw.get("fields", ""), FIELD_NAMES)
        if bad_fields:
            row.refuse("fields", "unknown_field", "、".join(bad_fields))
        offers, bad_offers = _codes(raw.get("offers", ""), OFFER_NAMES)
        if bad_offers:
            row.refuse("offers", "unknown_offer", "、".join(bad_offers))
        availability = None
        if raw.get("availability"):
            availability = AVAILABILITY_NAMES.get(raw["availability"].strip().lower())
            if availability is None:
                row.refuse("availability", "unknown_availability", raw["availability"])
        region = raw.get("region") or None
        if region and region not in taxonomy.REGIONS:
            row.refuse("region", "unknown_region", region)
        for key, limit in (("name", 100), ("title", 100), ("organisation", 200), ("phone", 40)):
            if len(raw.get(key, "")) > limit:
                row.errors.append((key, "too_long"))
        if len(raw.get("directions", "")) > experts.DIRECTIONS_MAX:
            row.errors.append(("directions", "too_long"))
        row.values = {
            "name": raw.get("name", ""),
            "title": raw.get("title", ""),
            "organisation": raw.get("organisation", ""),
            "region": region,
            "fields": fields,
            "directions": raw.get("directions", ""),
            "publications": raw.get("publications", ""),
            "offers": offers,
            "availability": availability,
            "email": raw.get("email", "").strip(),
            "phone": raw.get("phone", ""),
        }
        results.append(row)
    return results, unknown


def _require_staff(actor: User) -> None:
    if not actor.is_staff:
        raise PermissionDenied("staff_only")


def preview(session: Session, actor: User, data: bytes, filename: str) -> Job:
    """Read and validate the list; nothing but the job row is saved. Raises TableError for
    files that cannot be read."""
    _require_staff(actor)
    return preview_job(session, actor, KIND, data, filename, validate, "name")


def _form(row: dict[str, Any]) -> experts.ExpertForm:
    return experts.ExpertForm(
        name=row["name"],
        title=row["title"],
        organisation_name=row["organisation"],
        region=row["region"],
        fields=tuple(row["fields"]),
        directions=row["directions"],
        publications=row["publications"],
        offers=tuple(row["offers"]),
        availability=row["availability"],
        email=row["email"],
        phone=row["phone"],
    )


def run(session: Session, actor: User, job: Job, *, secret: str) -> None:
    """Confirmed: invite every valid row, each in a savepoint; safe to run twice."""
    _require_staff(actor)
    if job.kind != KIND or job.created_by_id != actor.id:
        raise PermissionDenied("not_owner")
    if job.params.get("confirmed"):
        return  # a second click changes nothing
    job.params = {**job.params, "confirmed": True}
    jobs.start(job, total=len(job.params["rows"]))
    created: dict[str, int] = {}
    refused: list[dict[str, Any]] = []
    for row in job.params["rows"]:
        try:
            with session.begin_nested():
                profile = experts.invite(session, actor, _form(row), secret=secret)
            created[str(row["row"])] = profile.id
        except OperationError as exc:
            problems = getattr(exc, "problems", None) or [exc]
            refused.append(
                {
                    "row": row["row"],
                    "name": row["name"],
                    "errors": [[getattr(p, "field", None) or "name", p.code] for p in problems],
                    "bad": {},
                }
            )
    job.params = {**job.params, "failed": [*job.params["failed"], *refused]}
    jobs.succeed(job, created=created, imported=len(created), failed=len(job.params["failed"]))
    session.flush()


def report_rows(job: Job) -> list[dict[str, Any]]:
    """Every row in spreadsheet order: imported (invited), waiting for confirmation of the
    import, or refused with its errors."""
    created = job.result.get("created", {})
    refused = {int(r["row"]) for r in job.params.get("failed", [])}
    rows = [
        {**row, "status": "imported" if str(row["row"]) in created else "pending"}
        for row in job.params.get("rows", [])
        if int(row["row"]) not in refused
    ]
    rows += [{**row, "status": "refused"} for row in job.params.get("failed", [])]
    return sorted(rows, key=lambda row: int(row["row"]))


def template_workbook() -> bytes:
    """An Excel template: the headers, one example row, the allowed values."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "专家 Experts"
    sheet.append([zh for _k, zh, _en, _r in COLUMNS])
    sheet.append(EXAMPLE_ROW)
    values = workbook.create_sheet("可选值 Values")
    values.append(["技术领域 Fields", "可提供服务 Offers", "可服务时间 Availability"])
    columns = [
        [t.zh for t in taxonomy.FIELDS.values()],
        [t.zh for t in taxonomy.EXPERT_OFFERS.values()],
        [t.zh for t in taxonomy.EXPERT_AVAILABILITY.values()],
    ]
    for i in range(max(len(c) for c in columns)):
        values.append([c[i] if i < len(c) else None for c in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
