"""Recognising the structured fields an achievement write-up states plainly."""

from __future__ import annotations

from matchmaker.listings.prefill import recognise

WRITE_UP = """高导热氮化铝陶瓷基板制备技术
技术领域：新材料
技术成熟度：6级
知识产权：发明专利 ZL 2021 1023 4567.8、ZL202010927384.7
合作方式：技术转让、许可使用
转让价格：50–200万元
所在地区：江苏省南京市
本成果采用流延成型工艺。"""


def test_labelled_values_are_recognised() -> None:
    assert recognise(WRITE_UP).values == {
        "patent_numbers": ["ZL202110234567.8", "ZL202010927384.7"],
        "ip_type": "invention_patent",
        "field": "new_materials",
        "trl": 6,
        "cooperation_modes": ["transfer", "license"],
        "region": "江苏省",
        "price_min": 50.0,
        "price_max": 200.0,
    }


def test_short_region_names_and_single_prices() -> None:
    found = recognise("所在地：广东\n报价：800万元\nTRL 7").values
    assert found == {"region": "广东省", "price_min": 800.0, "price_max": 800.0, "trl": 7}


def test_nothing_is_guessed_from_unlabelled_prose() -> None:
    prose = "该技术可在江苏、广东等地推广，转让后企业可自主生产，成本降低30%，年产值可达5000万元。"
    assert recognise(prose).values == {}


def test_a_price_past_the_bounds_is_not_filled() -> None:
    assert "price_min" not in recognise("转让价格：5000000万元").values
