"""Closed vocabularies shown to people, with labels in both languages.

Data vocabularies carry their own labels (not gettext) so that the domain layer, exports and
e-mails render them without a web request.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    code: str
    zh: str
    en: str

    def label(self, locale: str) -> str:
        return self.en if locale.startswith("en") else self.zh


def _terms(*rows: tuple[str, str, str]) -> dict[str, Term]:
    return {code: Term(code, zh, en) for code, zh, en in rows}


FIELDS = _terms(
    ("new_materials", "新材料", "Advanced materials"),
    ("smart_manufacturing", "智能制造", "Smart manufacturing"),
    ("biomedicine", "生物医药", "Biomedicine"),
    ("new_energy", "新能源", "New energy"),
    ("electronics", "电子信息", "Electronics & IT"),
    ("modern_agriculture", "现代农业", "Modern agriculture"),
    ("energy_saving", "节能环保", "Energy saving & environment"),
    ("integrated_circuits", "集成电路", "Integrated circuits"),
    ("artificial_intelligence", "人工智能", "Artificial intelligence"),
    ("aerospace", "航空航天", "Aerospace"),
    ("marine", "海洋工程", "Marine engineering"),
    ("other", "其他", "Other"),
)

COOPERATION_MODES = _terms(
    ("transfer", "技术转让", "Transfer"),
    ("license", "许可使用", "Licence"),
    ("equity", "作价入股", "Equity investment"),
    ("joint_development", "合作开发", "Joint development"),
    ("technical_service", "技术服务/咨询", "Technical service"),
)

# What an expert offers (expertise profiles), shown as labels.
EXPERT_OFFERS = _terms(
    ("consulting", "技术咨询", "Consulting"),
    ("joint_rd", "联合攻关", "Joint R&D"),
    ("training", "培训授课", "Training"),
    ("onsite", "上门服务", "On-site service"),
)

EXPERT_AVAILABILITY = _terms(
    ("open", "可接受邀请", "Available"),
    ("limited", "时间有限", "Limited time"),
    ("busy", "暂不接受", "Not available now"),
)

IP_TYPES = _terms(
    ("invention_patent", "发明专利", "Invention patent"),
    ("utility_model", "实用新型专利", "Utility model"),
    ("software_copyright", "软件著作权", "Software copyright"),
    ("know_how", "技术秘密", "Know-how"),
    ("plant_variety", "植物新品种权", "Plant variety right"),
    ("other", "其他", "Other"),
)

# Technology readiness levels in words a non-engineer recognises.
TRL_LEVELS = {
    1: Term("1", "基本原理被发现", "Basic principles observed"),
    2: Term("2", "形成技术方案", "Technology concept formulated"),
    3: Term("3", "实验室验证可行", "Proof of concept in the lab"),
    4: Term("4", "实验室样品/原理样机", "Lab prototype validated"),
    5: Term("5", "中试或模拟环境验证", "Validated in a relevant environment"),
    6: Term("6", "工程样机/中试完成", "Pilot or engineering prototype demonstrated"),
    7: Term("7", "实际环境示范应用", "Demonstrated in operational conditions"),
    8: Term("8", "定型产品/小批量生产", "Product qualified, small-batch production"),
    9: Term("9", "规模化生产应用", "Proven in full-scale production"),
}

ORGANISATION_KINDS = _terms(
    ("university", "高校", "University"),
    ("institute", "科研院所", "Research institute"),
    ("enterprise", "企业", "Enterprise"),
    ("association", "科协/协会", "Association"),
    ("other", "其他", "Other"),
)

REGIONS = (
    "北京市",
    "天津市",
    "河北省",
    "山西省",
    "内蒙古自治区",
    "辽宁省",
    "吉林省",
    "黑龙江省",
    "上海市",
    "江苏省",
    "浙江省",
    "安徽省",
    "福建省",
    "江西省",
    "山东省",
    "河南省",
    "湖北省",
    "湖南省",
    "广东省",
    "广西壮族自治区",
    "海南省",
    "重庆市",
    "四川省",
    "贵州省",
    "云南省",
    "西藏自治区",
    "陕西省",
    "甘肃省",
    "青海省",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
    "香港特别行政区",
    "澳门特别行政区",
    "台湾省",
)


def label(vocabulary: dict[str, Term], code: str | None, locale: str) -> str:
    """Label of a code; unknown codes are shown as they are rather than failing."""
    if code is None:
        return ""
    term = vocabulary.get(code)
    return term.label(locale) if term else code
