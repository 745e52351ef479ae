import io
import zipfile

import pytest

from indexer.extract import ExtractionError, extract, guess_title, sniff
from tests.documents import make_docx, make_pdf


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
