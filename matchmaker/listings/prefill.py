"""What an achievement write-up (DOCX/PDF text) says about the form's structured fields.

Only what is written plainly is recognised: patent numbers, a labelled field, maturity (TRL),
cooperation modes and region, a price in 万元. The owner confirms every value (the form marks
them); a value that is not clear is left empty rather than guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from matchmaker import taxonomy
from matchmaker.listings import amounts

PATENT = re.compile(r"\b(ZL|CN)\s*((?:\d\s*){8,13})(?:\.\s*([\dXx]))?(?:\s*([ABUS]))?")
TRL = re.compile(
    r"(?:TRL|技术成熟度|成熟度)\s*(?:[:：]|为|达到|等级)?\s*(?:为|达到)?\s*([1-9])\s*级?(?!\d)"
)
NUMBER = r"(\d+(?:\.\d+)?)"
PRICE_RANGE = re.compile(NUMBER + r"\s*(?:万元|万)?\s*[-–—~～至到]\s*" + NUMBER + r"\s*万元?")
PRICE_ONE = re.compile(NUMBER + r"\s*万元")
PRICE_WORDS = ("价格", "报价", "转让费", "许可费", "意向价", "价款", "定价")
MODE_WORDS = {
    "transfer": ("技术转让", "转让"),
    "license": ("许可",),
    "equity": ("入股",),
    "joint_development": ("合作开发", "联合开发"),
    "technical_service": ("技术服务", "技术咨询"),
}
LABEL = r"\s*[:：]\s*"


def _short_region(name: str) -> str:
    for suffix in ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


REGION_NAMES = {
    **{region: region for region in taxonomy.REGIONS},
    **{_short_region(region): region for region in taxonomy.REGIONS},
}


@dataclass
class Prefill:
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def recognised(self) -> list[str]:
        return list(self.values)


def _labelled_line(text: str, labels: tuple[str, ...]) -> str | None:
    """The rest of the first line that starts with one of the labels and a colon."""
    pattern = re.compile(r"^\s*(?:" + "|".join(map(re.escape, labels)) + r")" + LABEL + "(.+)$")
    for line in text.splitlines():
        found = pattern.match(line)
        if found:
            return found.group(1).strip()
    return None


def _patents(text: str) -> list[str]:
    numbers: list[str] = []
    for prefix, digits, check, kind in PATENT.findall(text):
        number = prefix + re.sub(r"\s", "", digits)
        if check:
            number += "." + check.upper()
        elif kind:
            number += kind
        if number not in numbers:
            numbers.append(number)
    return numbers[:20]


def _field(text: str) -> str | None:
    value = _labelled_line(text, ("技术领域", "所属领域", "领域", "行业领域"))
    if not value:
        return None
    for code, term in taxonomy.FIELDS.items():
        if code != "other" and term.zh in value:
            return code
    return None


def _trl(text: str) -> int | None:
    found = TRL.search(text)
    return int(found.group(1)) if found else None


def _modes(text: str) -> list[str]:
    value = _labelled_line(text, ("合作方式", "转化方式", "合作模式", "拟合作方式"))
    if not value:
        return []
    return [code for code, words in MODE_WORDS.items() if any(w in value for w in words)]


def _region(text: str) -> str | None:
    value = _labelled_line(text, ("所在地区", "所在地", "地区", "所属地区", "单位所在地"))
    if not value:
        return None
    for name in sorted(REGION_NAMES, key=len, reverse=True):
        if value.startswith(name):
            return REGION_NAMES[name]
    return None


def _prices(text: str) -> tuple[float, float] | None:
    for line in text.splitlines():
        if not any(word in line for word in PRICE_WORDS):
            continue
        found = PRICE_RANGE.search(line)
        if found:
            low, high = float(found.group(1)), float(found.group(2))
        else:
            one = PRICE_ONE.search(line)
            if not one:
                continue
            low = high = float(one.group(1))
        if low <= high and amounts.in_range(low) and amounts.in_range(high):
            return low, high
    return None


def _ip_type(text: str, patents: list[str]) -> str | None:
    label = _labelled_line(text, ("知识产权类型", "知识产权", "专利类型", "成果类型"))
    for code, term in taxonomy.IP_TYPES.items():
        if code != "other" and label and term.zh in label:
            return code
    if patents and "发明专利" in text:
        return "invention_patent"
    if patents and "实用新型" in text:
        return "utility_model"
    return None


def recognise(text: str) -> Prefill:
    """The structured values the text states; absent keys were not recognised."""
    prefill = Prefill()
    patents = _patents(text)
    found: dict[str, Any] = {
        "patent_numbers": patents or None,
        "ip_type": _ip_type(text, patents),
        "field": _field(text),
        "trl": _trl(text),
        "cooperation_modes": _modes(text) or None,
        "region": _region(text),
    }
    prices = _prices(text)
    if prices:
        found["price_min"], found["price_max"] = prices
    prefill.values = {key: value for key, value in found.items() if value is not None}
    return prefill
