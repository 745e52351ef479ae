"""The achievement spreadsheet: its columns, row validation and the downloadable template."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

from matchmaker import taxonomy
from matchmaker.importing.tables import safe_cell
from matchmaker.listings import amounts

# (key, Chinese header, English header, required)
COLUMNS = [
    ("title", "成果名称", "Title", True),
    ("summary", "一句话简介", "Summary", False),
    ("description", "成果介绍", "Description", True),
    ("field", "技术领域", "Field", True),
    ("keywords", "关键词", "Keywords", False),
    ("trl", "成熟度(1-9)", "TRL (1-9)", False),
    ("ip_type", "知识产权类型", "IP type", False),
    ("patent_numbers", "专利号", "Patent numbers", False),
    ("modes", "合作方式", "Cooperation modes", False),
    ("price_min", "价格下限(万元)", "Price from (10k CNY)", False),
    ("price_max", "价格上限(万元)", "Price up to (10k CNY)", False),
    ("region", "所在地区", "Region", False),
]
# the template's example row: a spreadsheet that still has it is refused that row, not imported
EXAMPLE_ROW = [
    "高导热氮化铝陶瓷基板制备技术（示例，请删除本行）",
    "可将功率模块结温降低 20℃ 的陶瓷基板",
    "采用流延成型与低温烧结工艺，热导率 180 W/(m·K)，已完成中试。",
    "新材料",
    "氮化铝、陶瓷基板、散热",
    6,
    "发明专利",
    "ZL202110234567.8",
    "技术转让、许可使用",
    50,
    200,
    "江苏省",
]
EXAMPLE_TITLES = {EXAMPLE_ROW[0], "高导热氮化铝陶瓷基板制备技术"}  # this and earlier templates
LIST_SPLIT = re.compile(r"[,，;；、/\n]+")
# cooperation modes: "/" is part of a label the template itself lists (技术服务/咨询), so a cell
# is split on the other separators, and on "/" only where the whole piece is not a known mode
MODE_SPLIT = re.compile(r"[,，;；、\n]+")


def _lookup(vocabulary: dict[str, taxonomy.Term]) -> dict[str, str]:
    """Codes, Chinese and English labels all map to the code (case-insensitive)."""
    table: dict[str, str] = {}
    for code, term in vocabulary.items():
        for name in (code, term.zh, term.en):
            table[name.lower()] = code
    return table


FIELD_NAMES = _lookup(taxonomy.FIELDS)
MODE_NAMES = {
    **_lookup(taxonomy.COOPERATION_MODES),
    "转让": "transfer",
    "许可": "license",
    "技术服务": "technical_service",
    "技术咨询": "technical_service",
}
IP_NAMES = _lookup(taxonomy.IP_TYPES)


def _mode_names(cell: str) -> list[str]:
    names: list[str] = []
    for piece in MODE_SPLIT.split(cell):
        piece = piece.strip()
        names.extend([piece] if piece.lower() in MODE_NAMES else piece.split("/"))
    return names


@dataclass
class RowResult:
    number: int  # the spreadsheet row (header is row 1)
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column key, error code)
    # the cell text an error is about, by column key, so the message can quote it
    bad: dict[str, str] = field(default_factory=dict)

    def refuse(self, key: str, code: str, value: str | None = None) -> None:
        self.errors.append((key, code))
        if value:
            self.bad[key] = value[:60]

    @property
    def ok(self) -> bool:
        return not self.errors


def _column_of(header: str) -> str | None:
    name = header.strip().lower()
    for key, zh, en, _required in COLUMNS:
        if name in (key, zh.lower(), en.lower()):
            return key
    return None


def _number(raw: str) -> float:
    value = float(
        raw.replace(",", "").replace("，", "").replace("万元", "").replace("万", "").strip()
    )
    if not amounts.in_range(value):
        raise ValueError(raw)
    return value


def validate(records: list[dict[str, str]]) -> tuple[list[RowResult], list[str]]:
    """Each record → RowResult with typed values or error codes. Also returns unknown headers."""
    columns = {h: _column_of(h) for r in records for h in r}
    unknown = sorted(h for h, column in columns.items() if column is None)
    results: list[RowResult] = []
    for offset, record in enumerate(records):
        raw = {columns[h]: v for h, v in record.items() if columns[h]}
        row = RowResult(number=offset + 2)
        for key, _zh, _en, required in COLUMNS:
            if required and not raw.get(key):
                row.errors.append((key, "missing"))
        title = raw.get("title", "")
        if len(title) > 200:
            row.errors.append(("title", "too_long"))
        if title.strip() in EXAMPLE_TITLES and raw.get("description", "").strip() == EXAMPLE_ROW[2]:
            row.errors.append(("title", "example_row"))
        field_code = FIELD_NAMES.get(raw.get("field", "").lower())
        if raw.get("field") and field_code is None:
            row.refuse("field", "unknown_field", raw["field"])
        trl = None
        if raw.get("trl"):
            try:
                trl = int(float(raw["trl"]))
                if not 1 <= trl <= 9:
                    raise ValueError
            except ValueError:
                row.refuse("trl", "bad_trl", raw["trl"])
        prices: dict[str, float | None] = {"price_min": None, "price_max": None}
        for key in prices:
            if raw.get(key):
                try:
                    prices[key] = _number(raw[key])
                except ValueError:
                    row.refuse(key, "bad_price", raw[key])
        if None not in prices.values() and prices["price_min"] > prices["price_max"]:  # type: ignore[operator]
            row.errors.append(("price_max", "price_order"))
        modes = []
        unknown_modes = []
        for name in _mode_names(raw.get("modes", "")):
            if name.strip():
                code = MODE_NAMES.get(name.strip().lower())
                if code is None:
                    unknown_modes.append(name.strip())
                elif code not in modes:
                    modes.append(code)
        if unknown_modes:
            row.refuse("modes", "unknown_mode", "、".join(unknown_modes))
        ip_type = IP_NAMES.get(raw.get("ip_type", "").lower()) if raw.get("ip_type") else None
        if raw.get("ip_type") and ip_type is None:
            row.refuse("ip_type", "unknown_ip_type", raw["ip_type"])
        region = raw.get("region") or None
        if region and region not in taxonomy.REGIONS:
            row.refuse("region", "unknown_region", region)
        row.values = {
            "title": title,
            "summary": raw.get("summary", "")[:300],
            "description": raw.get("description", ""),
            "field": field_code,
            "keywords": [k.strip() for k in LIST_SPLIT.split(raw.get("keywords", "")) if k.strip()],
            "trl": trl,
            "ip_type": ip_type,
            "patent_numbers": [
                p.strip() for p in LIST_SPLIT.split(raw.get("patent_numbers", "")) if p.strip()
            ],
            "cooperation_modes": modes,
            "price_min": prices["price_min"],
            "price_max": prices["price_max"],
            "region": region,
        }
        results.append(row)
    return results, unknown


def template_workbook() -> bytes:
    """An Excel template: headers, one example row, and a sheet listing the allowed values."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "成果 Achievements"
    sheet.append([zh for _k, zh, _en, _r in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8F1FB")
    sheet.append(EXAMPLE_ROW)
    for column, width in zip(
        "ABCDEFGHIJKL", (30, 30, 60, 12, 24, 10, 14, 22, 22, 12, 12, 12), strict=True
    ):
        sheet.column_dimensions[column].width = width
    help_sheet = workbook.create_sheet("填写说明 Help")
    help_sheet.append(["列 Column", "必填 Required", "可选值 Allowed values"])
    allowed = {
        "field": "、".join(t.zh for t in taxonomy.FIELDS.values()),
        "modes": "、".join(t.zh for t in taxonomy.COOPERATION_MODES.values()),
        "ip_type": "、".join(t.zh for t in taxonomy.IP_TYPES.values()),
        "trl": "1–9",
        "region": "省级行政区全称，如 江苏省",
    }
    for key, zh, en, required in COLUMNS:
        help_sheet.append(
            [f"{zh} {en}", "是 yes" if required else "", safe_cell(allowed.get(key, ""))]
        )
    help_sheet.column_dimensions["A"].width = 36
    help_sheet.column_dimensions["C"].width = 100
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
