import io
import zipfile

import pytest

from indexer import extract as extract_module
from indexer.extract import ExtractionError, extract, guess_title, sniff
from tests.documents import make_docx, make_inflating_pdf, make_pdf, make_shared_stream_pdf


def test_docx_paragraphs_and_tables_are_extracted() -> None:
    data = make_docx(
        ["高导热氮化铝陶瓷基板", "热导率达到 180 W/(m·K)。"],
        table=[["指标", "数值"], ["热导率", "180"]],
    )
    result = extract(data)
    assert result.kind == "docx"
    assert "高导热氮化铝陶瓷基板" in result.text
    assert "热导率 | 180" in result.text
    assert guess_title(result.text) == "高导热氮化铝陶瓷基板"


def test_pdf_text_layer_is_extracted() -> None:
    result = extract(
        make_pdf(
            ["Ceramic substrate with high thermal conductivity.", "Pilot line finished in 2025."]
        )
    )
    assert result.kind == "pdf"
    assert result.pages == 1
    assert "thermal conductivity" in result.text


def test_scanned_pdf_without_text_layer_gets_a_clear_code() -> None:
    with pytest.raises(ExtractionError) as info:
        extract(make_pdf([]))
    assert info.value.code == "scanned_pdf"


def test_type_is_decided_by_content_not_name() -> None:
    with pytest.raises(ExtractionError) as info:
        extract("这其实是一个文本文件".encode())
    assert info.value.code == "unsupported_type"
    assert sniff(b"%PDF-1.7 ...") == "pdf"
    assert sniff(b"MZ\x90\x00") is None


def test_corrupt_files_are_refused() -> None:
    with pytest.raises(ExtractionError) as info:
        extract(b"%PDF-1.4\n garbage that is not a pdf")
    assert info.value.code in ("corrupt", "scanned_pdf")
    broken = make_docx(["内容"])[:200]
    with pytest.raises(ExtractionError):
        extract(broken)


def test_zip_bomb_docx_is_refused_before_unpacking() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/media/bomb.bin", b"\0" * (80 * 1024 * 1024))
    with pytest.raises(ExtractionError) as info:
        extract(buffer.getvalue())
    assert info.value.code == "too_large_unpacked"


@pytest.fixture
def pages_parsed(monkeypatch) -> list[int]:
    """Counts the pages whose content pypdf parses; fails as soon as a document costs more
    than a handful (an unbounded reader would go through all of them)."""
    from pypdf import PageObject

    parsed: list[int] = []
    original = PageObject.extract_text

    def counting(page, *args, **kwargs):
        parsed.append(1)
        assert len(parsed) <= 10, "more pages parsed than the bounds allow"
        return original(page, *args, **kwargs)

    monkeypatch.setattr(PageObject, "extract_text", counting)
    return parsed


def test_pages_sharing_one_large_stream_are_read_within_bounds(pages_parsed) -> None:
    data = make_shared_stream_pdf(pages=150, repeats=2500)  # ~100 KB of text per page
    assert len(data) < 5_000
    result = extract(data)
    assert result.pages == 150
    assert len(result.text) <= extract_module.MAX_TEXT_CHARS
    assert "thermal conductivity" in result.text
    assert len(pages_parsed) <= extract_module.MAX_TEXT_CHARS // 20_000 + 1


def test_pages_too_large_to_parse_get_a_clear_code(pages_parsed) -> None:
    data = make_shared_stream_pdf(pages=300, repeats=20_000)  # ~860 KB of content per page
    with pytest.raises(ExtractionError) as info:
        extract(data)
    assert info.value.code == "too_large_unpacked"
    assert pages_parsed == []


def test_a_stream_past_pypdfs_limit_is_a_clear_error_not_a_crash() -> None:
    with pytest.raises(ExtractionError) as info:
        extract(make_inflating_pdf(80))  # 80 MB of blanks in 80 KB
    assert info.value.code == "too_large_unpacked"


def test_compatibility_characters_become_what_the_author_meant() -> None:
    from indexer.extract import normalise_compatibility

    # a PDF font's Kangxi radical ⾼ (U+2FBC) is 高; full-width letters and ligatures fold
    assert normalise_compatibility("\u2fbc导热ＡＢ１２ ﬁlm") == "高导热AB12 film"
    # meaning-bearing forms and Chinese punctuation stay
    assert normalise_compatibility("m²，①，℃") == "m²，①，℃"
    data = make_docx(["\u2fbc导热氮化铝陶瓷基板", "热导率 180 W/(m·K)，已中试。"])
    assert extract(data).text.startswith("高导热氮化铝陶瓷基板")


def test_lines_a_pdf_broke_inside_a_sentence_are_joined() -> None:
    from indexer.extract import join_broken_lines

    text = (
        "高导热氮化铝陶瓷基板\n"
        "本成果采用流延成型与低温共烧工艺制备氮化铝陶瓷基板，热导率达到\n"
        "180 W/(m·K)，可将功率模块结温降低20℃，已完成中试验证并在两家企\n"
        "业试用。\n"
        "1. 技术转让\n"
        "2. 许可使用"
    )
    assert join_broken_lines(text).splitlines() == [
        "高导热氮化铝陶瓷基板",
        "本成果采用流延成型与低温共烧工艺制备氮化铝陶瓷基板，热导率达到180 W/(m·K)，"
        "可将功率模块结温降低20℃，已完成中试验证并在两家企业试用。",
        "1. 技术转让",
        "2. 许可使用",
    ]
    pdf = make_pdf(
        [
            "Aluminium nitride substrates",
            "Tape casting and low temperature sintering give substrates whose",
            "thermal conductivity reaches 180 W/mK for power modules in electric",
            "vehicles and rail traction, piloted with two module makers.",
        ]
    )
    assert (
        "substrates whose thermal conductivity reaches 180 W/mK for power modules in electric "
        "vehicles" in extract(pdf).text
    )
