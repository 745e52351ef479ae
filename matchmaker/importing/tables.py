"""Reading spreadsheets people actually send: .xlsx, or CSV in UTF-8 (with or without BOM),
GBK/GB18030 from Chinese Excel, with the checks an upload deserves."""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterable
from itertools import islice

from charset_normalizer import from_bytes

from indexer.extract import ExtractionError, check_zip, sniff

MAX_ROWS = 5000
# Bounds on the work one file may cost, whatever it declares: an .xlsx of a few kilobytes can
# declare A1:XFD60000, and openpyxl then yields every empty cell of that range.
MAX_COLUMNS = 100  # columns read of each row (the template has a dozen)
MAX_BLANK_ROWS = 500  # a run of blank rows this long ends the table
MAX_SHEET_ROWS = 2 * MAX_ROWS  # rows looked at, blank ones included


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
    source = iter(rows)
    iterator = islice(source, MAX_SHEET_ROWS)
    header: list[str] = []
    for row in islice(iterator, MAX_BLANK_ROWS + 1):
        header = [_clean(c) for c in islice(row, MAX_COLUMNS)]
        if any(header):
            break
    if not any(header):
        raise TableError("no_header")
    records: list[dict[str, str]] = []
    blank = 0
    for row in iterator:
        values = [_clean(c) for c in islice(row, MAX_COLUMNS)]
        if not any(values):
            blank += 1
            if blank >= MAX_BLANK_ROWS:
                return records  # the rest is formatting far below the table, not data
            continue
        blank = 0
        if len(records) >= MAX_ROWS:
            raise TableError("too_many_rows", max=MAX_ROWS)
        records.append(
            {h: (values[i] if i < len(values) else "") for i, h in enumerate(header) if h}
        )
    if next(source, None) is not None:
        # MAX_SHEET_ROWS rows looked at and the table goes on
        raise TableError("too_many_rows", max=MAX_ROWS)
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


def _utf16(data: bytes) -> str | None:
    """Text saved as UTF-16 ("Unicode text" in Excel: tab-separated), with or without its byte
    order mark; None for anything else. Its NUL bytes would otherwise read as a binary file."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        # without a mark: the NUL bytes of its ASCII characters (tabs, line ends, digits) all
        # sit on one side of the 2-byte units, which no binary file keeps up for long
        head = data[: 4096 - 4096 % 2]
        nuls = [i for i, byte in enumerate(head) if byte == 0]
        if len(nuls) < 4 or len(head) % 2:
            return None
        if all(i % 2 for i in nuls):
            encoding = "utf-16-le"
        elif not any(i % 2 for i in nuls):
            encoding = "utf-16-be"
        else:
            return None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise TableError("encoding") from None


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
            # only the bounded range: openpyxl otherwise fills every row up to the declared width
            rows = sheet.iter_rows(
                max_col=MAX_COLUMNS, max_row=MAX_SHEET_ROWS + 1, values_only=True
            )
            return _records(rows)
        except TableError:
            raise
        except Exception as exc:
            raise TableError("corrupt") from exc
    if kind is None and data.startswith(b"PK\x03\x04"):
        raise TableError("corrupt")  # a ZIP container (as .xlsx files are) that does not open
    if kind is not None or data.startswith((b"%PDF", b"\xd0\xcf\x11\xe0")):
        # another office format (a DOCX, an old .xls) was sent instead of a spreadsheet
        raise TableError("unsupported_type")
    text = _utf16(data)
    if text is None:
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
