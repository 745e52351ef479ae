"""What hostile small uploads cost to read: prints seconds and sizes per file (no pass/fail).

    python scripts/bench_uploads.py

The files are the ones the tests build: an .xlsx of a few kilobytes declaring A1:XFD60000 with
one cell in its last row; PDFs whose pages share one large compressed content stream; a PDF
whose stream inflates past pypdf's limit. Reading each must stay within the bounds of
matchmaker/importing/tables.py and indexer/extract.py (seconds, not minutes).
"""

from __future__ import annotations

import io
import re
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.extract import ExtractionError, extract  # noqa: E402
from matchmaker.importing.tables import TableError, read_table  # noqa: E402
from tests.documents import make_inflating_pdf, make_shared_stream_pdf  # noqa: E402


def far_cell_xlsx() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet["A1"] = "成果名称"
    sheet["A2"] = "耐盐碱水稻"
    sheet["A60000"] = "远处的一格"
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD60000"', body)
            target.writestr(info.filename, body)
    return out.getvalue()


def measure(name: str, data: bytes, read) -> None:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    try:
        result = read(data)
        outcome = f"ok, {len(result if isinstance(result, list) else result.text)} rows/chars"
    except (ExtractionError, TableError) as exc:
        outcome = f"refused: {exc.code}"
    seconds = time.perf_counter() - started
    print(f"{name:<42} {len(data) / 1024:8.1f} KB {seconds:8.2f} s  {outcome}")


def main() -> None:
    measure("xlsx A1:XFD60000, one far cell", far_cell_xlsx(), read_table)
    for pages, repeats in ((150, 2500), (300, 4800), (300, 20_000)):
        kilobytes = repeats * 53 // 1024  # one shown line is 53 bytes of content stream
        name = f"pdf {pages} pages x {kilobytes} KB shared stream"
        measure(name, make_shared_stream_pdf(pages, repeats), extract)
    measure("pdf stream inflating to 80 MB", make_inflating_pdf(80), extract)


if __name__ == "__main__":
    main()
