"""Reading spreadsheets people actually send: .xlsx, or CSV in UTF-8 (with or without BOM),
GBK/GB18030 from Chinese Excel, with the checks an upload deserves."""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterable

from charset_normalizer import from_bytes

from indexer.extract import ExtractionError, check_zip, sniff

MAX_ROWS = 5000


class TableError(ValueError):
    """`code`: unsupported_type, corrupt, too_large_unpacked, no_header, too_many_rows, encoding."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def _clean(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _records(rows: Iterable[Iterable[object]]) -> list[dict[str, str]]:
    iterator = iter(rows)
    header: list[str] = []
    for row in iterator:
        header = [_clean(c) for c in row]
        if any(header):
            break
    if not any(header):
        raise TableError("no_header")
    records: list[dict[str, str]] = []
    for row in iterator:
        values = [_clean(c) for c in row]
        if not any(values):
            continue
        if len(records) >= MAX_ROWS:
            raise TableError("too_many_rows", max=MAX_ROWS)
        records.append(
            {h: (values[i] if i < len(values) else "") for i, h in enumerate(header) if h}
        )
    return records


def decode_csv(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # GB18030 is a superset of GBK/GB2312, what Chinese Excel writes when saving as CSV
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        best = from_bytes(data).best()
        if best is None:
            raise TableError("encoding") from None
        return str(best)


def read_table(data: bytes) -> list[dict[str, str]]:
    kind = sniff(data)
    if kind == "xlsx":
        try:
            check_zip(data)
        except ExtractionError as exc:
            raise TableError(exc.code) from exc
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            sheet = workbook.worksheets[0]
            return _records(sheet.iter_rows(values_only=True))
        except TableError:
            raise
        except Exception as exc:
            raise TableError("corrupt") from exc
    if kind is None and data.startswith(b"PK\x03\x04"):
        raise TableError("corrupt")  # a ZIP container (as .xlsx files are) that does not open
    if kind is not None or data.startswith((b"%PDF", b"\xd0\xcf\x11\xe0")):
        # another office format (a DOCX, an old .xls) was sent instead of a spreadsheet
        raise TableError("unsupported_type")
    if b"\x00" in data[:4096]:
        raise TableError("unsupported_type")
    text = decode_csv(data)
    dialect: type[csv.Dialect] = csv.excel
    with contextlib.suppress(csv.Error):  # fall back to plain commas
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    return _records(csv.reader(io.StringIO(text), dialect))


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Neutralise spreadsheet formulas in text written to a file people open in Excel."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
