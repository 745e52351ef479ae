import io
import re
import zipfile

import pytest

from matchmaker.importing import tables
from matchmaker.importing.achievements import template_workbook, validate
from matchmaker.importing.tables import MAX_ROWS, TableError, read_table, safe_cell
from tests.documents import make_docx

HEADER = "成果名称,成果介绍,技术领域,成熟度(1-9),合作方式,价格下限(万元),价格上限(万元),所在地区\n"
GOOD = "耐盐碱水稻,适合滩涂种植的新品种，亩产550公斤,现代农业,8,许可使用、技术转让,20,50,江苏省\n"


def xlsx(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_every_encoding_chinese_excel_writes(encoding) -> None:
    records = read_table((HEADER + GOOD).encode(encoding))
    assert records == [
        {
            "成果名称": "耐盐碱水稻",
            "成果介绍": "适合滩涂种植的新品种，亩产550公斤",
            "技术领域": "现代农业",
            "成熟度(1-9)": "8",
            "合作方式": "许可使用、技术转让",
            "价格下限(万元)": "20",
            "价格上限(万元)": "50",
            "所在地区": "江苏省",
        }
    ]


def test_semicolon_csv_and_blank_rows() -> None:
    data = "成果名称;成果介绍;技术领域\n\nA;介绍;新材料\n;;\n".encode()
    assert read_table(data) == [{"成果名称": "A", "成果介绍": "介绍", "技术领域": "新材料"}]


def test_xlsx_template_reads_back_and_its_example_row_is_not_imported() -> None:
    records = read_table(template_workbook())
    rows, unknown = validate(records)
    assert unknown == []
    assert len(rows) == 1 and rows[0].errors == [("title", "example_row")]
    # every other cell of the example is valid: only being the example stops it
    assert rows[0].values["field"] == "new_materials"
    assert rows[0].values["cooperation_modes"] == ["transfer", "license"]
    assert rows[0].values["trl"] == 6
    # a researcher who wrote over the example imports their own row
    records[0]["成果名称"] = "高导热氮化铝陶瓷基板"
    records[0]["成果介绍"] = "我们的工艺：流延成型，热导率 190。"
    assert validate(records)[0][0].ok


def test_row_errors_quote_the_value_they_are_about() -> None:
    header = "成果名称,成果介绍,技术领域,合作方式,所在地区\n"
    rows, _ = validate(read_table((header + "A,介绍,新材料,技术转让、捐赠,火星\n").encode()))
    assert set(rows[0].errors) == {("modes", "unknown_mode"), ("region", "unknown_region")}
    assert rows[0].bad == {"modes": "捐赠", "region": "火星"}


def test_row_errors_name_the_column_and_the_problem() -> None:
    data = xlsx(
        [
            [
                "成果名称",
                "成果介绍",
                "技术领域",
                "成熟度(1-9)",
                "价格下限(万元)",
                "价格上限(万元)",
                "合作方式",
                "所在地区",
                "备注",
            ],
            ["", "介绍", "新材料", 5, 10, 20, "转让", "江苏省", "x"],
            ["B", "介绍", "量子玄学", 12, "abc", 5, "捐赠", "火星", ""],
            ["C", "介绍", "Smart manufacturing", "7", "300", "100", "技术服务", "", ""],
        ]
    )
    rows, unknown = validate(read_table(data))
    assert unknown == ["备注"]
    assert rows[0].errors == [("title", "missing")]
    assert set(rows[1].errors) == {
        ("field", "unknown_field"),
        ("trl", "bad_trl"),
        ("price_min", "bad_price"),
        ("modes", "unknown_mode"),
        ("region", "unknown_region"),
    }
    assert rows[2].errors == [("price_max", "price_order")]
    assert rows[2].values["field"] == "smart_manufacturing"
    assert [r.number for r in rows] == [2, 3, 4]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"PK\x03\x04 not really a zip", "corrupt"),
        (make_docx(["这是 Word 文件"]), "unsupported_type"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old xls", "unsupported_type"),
        (b"", "no_header"),
    ],
)
def test_unreadable_files(data, code) -> None:
    with pytest.raises(TableError) as info:
        read_table(data)
    assert info.value.code == code


def test_corrupt_xlsx_with_workbook_part() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<not-a-workbook")
    with pytest.raises(TableError) as info:
        read_table(buffer.getvalue())
    assert info.value.code == "corrupt"


def test_zip_bomb_xlsx_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (90 * 1024 * 1024))
    with pytest.raises(TableError) as info:
        read_table(buffer.getvalue())
    assert info.value.code == "too_large_unpacked"


def test_too_many_rows() -> None:
    data = (HEADER + GOOD * (MAX_ROWS + 1)).encode()
    with pytest.raises(TableError) as info:
        read_table(data)
    assert info.value.code == "too_many_rows"


@pytest.mark.parametrize("value", ["=cmd|' /C calc'!A0", "+1+1", "-2", "@SUM(A1)"])
def test_formulas_are_neutralised_on_export(value) -> None:
    assert safe_cell(value) == "'" + value
    assert safe_cell("普通文本") == "普通文本"
    assert safe_cell(42) == 42


def test_cooperation_modes_the_template_lists_are_read_whole() -> None:
    """技术服务/咨询 is one option of the template's list: the "/" inside it is no separator."""
    data = xlsx(
        [
            ["成果名称", "成果介绍", "技术领域", "合作方式"],
            ["A", "介绍", "新材料", "技术服务/咨询"],
            ["B", "介绍", "新材料", "技术转让、技术服务/咨询"],
            ["C", "介绍", "新材料", "转让/许可"],
        ]
    )
    rows, _unknown = validate(read_table(data))
    assert [r.errors for r in rows] == [[], [], []]
    assert rows[0].values["cooperation_modes"] == ["technical_service"]
    assert rows[1].values["cooperation_modes"] == ["transfer", "technical_service"]
    assert rows[2].values["cooperation_modes"] == ["transfer", "license"]


def declaring(data: bytes, dimension: str) -> bytes:
    """The same workbook with its sheet declaring another used range."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = re.sub(
                    rb'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"'.encode(), body
                )
            target.writestr(info.filename, body)
    return out.getvalue()


@pytest.fixture
def cells_built(monkeypatch) -> list[int]:
    """Counts the cells openpyxl builds for the reader; fails as soon as a file costs more
    than the bounds allow (an unbounded reader would go through a billion empty cells)."""
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    built = [0]
    original = ReadOnlyWorksheet._cells_by_row
    budget = tables.MAX_COLUMNS * (tables.MAX_BLANK_ROWS + 10)

    def counting(sheet, *args, **kwargs):
        for row in original(sheet, *args, **kwargs):
            built[0] += len(row)
            assert built[0] <= budget, "more cells read than the bounds allow"
            yield row

    monkeypatch.setattr(ReadOnlyWorksheet, "_cells_by_row", counting)
    return built


def test_a_huge_declared_range_with_one_far_cell_is_read_within_bounds(cells_built) -> None:
    header = HEADER.strip().split(",")
    rows: list[list[object]] = [header, GOOD.strip().split(",")]
    rows += [[] for _ in range(59_997)]
    rows.append(["远处的一格"])
    data = declaring(xlsx(rows), "A1:XFD60000")
    assert len(data) < 10_000
    records = read_table(data)
    assert [r["成果名称"] for r in records] == ["耐盐碱水稻"]
    assert 0 < cells_built[0] <= tables.MAX_COLUMNS * (tables.MAX_BLANK_ROWS + 2)


def test_columns_past_the_bound_are_ignored() -> None:
    wide = ",".join(f"c{i}" for i in range(5000)) + "\n" + ",".join("x" * 5000) + "\n"
    (record,) = read_table(wide.encode())
    assert len(record) == tables.MAX_COLUMNS


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_text_as_excel_saves_it_is_read(encoding: str) -> None:
    """Excel's "Unicode text" is tab-separated UTF-16 (with a byte order mark); before, its NUL
    bytes made it look like a binary file and it was refused as an unsupported type."""
    text = "成果名称\t成果介绍\t技术领域\r\n氮化铝基板\t高导热陶瓷基板\t新材料\r\n"
    assert read_table(text.encode(encoding)) == [
        {"成果名称": "氮化铝基板", "成果介绍": "高导热陶瓷基板", "技术领域": "新材料"}
    ]


def test_binary_files_are_still_refused() -> None:
    with pytest.raises(TableError) as err:
        read_table(b"\x00\x01\x02\x03binary\x00\x00\xff" * 20)
    assert err.value.code == "unsupported_type"


def test_imported_prices_have_the_forms_bounds() -> None:
    """500亿元 is refused by the form; a spreadsheet must not let it in either."""
    from matchmaker.listings import amounts

    header = "成果名称,成果介绍,技术领域,价格下限(万元),价格上限(万元)\n"
    rows = "A,介绍,新材料,100,5000000\nB,介绍,新材料,100,1000000\n"
    results, _ = validate(read_table((header + rows).encode()))
    assert results[0].errors == [("price_max", "bad_price")]
    assert results[1].ok and results[1].values["price_max"] == amounts.AMOUNT_MAX
