"""Text out of uploaded documents (PDF, DOCX), with the checks an upload deserves.

The type is decided by the bytes, never by the file name. DOCX files are ZIP archives, so their
declared sizes are checked before anything is decompressed (zip bombs).
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import Any

MAX_UNCOMPRESSED = 60 * 1024 * 1024
MAX_RATIO = 120  # uncompressed / compressed; ordinary office files stay far below
MIN_CHARS_PER_PAGE = 30
# Bounds on the work one upload may cost, whatever its size on disk: a few kilobytes can declare
# thousands of pages sharing one large compressed content stream, and pypdf parses a page's
# content stream in full before it yields any text.
MAX_PAGES = 300
MAX_PAGE_CONTENT = 256 * 1024  # decoded content stream of one page; larger pages are skipped
MAX_TOTAL_CONTENT = 2 * 1024 * 1024  # decoded content parsed for one document, then stop
MAX_PAGE_CHARS = 20_000
MAX_TEXT_CHARS = 100_000  # text kept of one document (pages after it are not read)


class ExtractionError(ValueError):
    """`code` names the problem for a translated message: unsupported_type, corrupt, encrypted,
    scanned_pdf, empty, too_large_unpacked (also: content past the bounds on work)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Extracted:
    kind: str  # "pdf" | "docx"
    text: str
    pages: int | None = None


def sniff(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
    return None


def check_zip(data: bytes) -> None:
    """Refuse archives that would unpack to far more than they weigh."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise ExtractionError("corrupt") from exc
    if total > MAX_UNCOMPRESSED or total > MAX_RATIO * max(len(data), 1):
        raise ExtractionError("too_large_unpacked")


def extract(data: bytes) -> Extracted:
    kind = sniff(data)
    if kind == "pdf":
        return _pdf(data)
    if kind == "docx":
        return _docx(data)
    raise ExtractionError("unsupported_type")


def _content_size(page: Any) -> int:
    """Decoded bytes of a page's content stream(s): what extract_text would have to parse."""
    contents = page.get("/Contents")
    if contents is None:
        return 0
    contents = contents.get_object()
    streams = contents if isinstance(contents, list) else [contents]
    return sum(len(stream.get_object().get_data()) for stream in streams)


def _pdf(data: bytes) -> Extracted:
    from pypdf import PdfReader, errors

    # LimitReachedError: a stream that decompresses past pypdf's own limit (newer pypdf only)
    limit_reached = getattr(errors, "LimitReachedError", ())

    pages: list[str] = []
    chars = parsed = 0
    skipped = False
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ExtractionError("encrypted")
        count = len(reader.pages)
        for number in range(min(count, MAX_PAGES)):
            page = reader.pages[number]
            size = _content_size(page)
            if size > MAX_PAGE_CONTENT:
                skipped = True  # drawings, not prose: not worth parsing
                continue
            parsed += size
            if parsed > MAX_TOTAL_CONTENT:
                break
            text = (page.extract_text() or "").strip()[:MAX_PAGE_CHARS]
            pages.append(text)
            chars += len(text)
            if chars >= MAX_TEXT_CHARS:
                break
    except ExtractionError:
        raise
    except limit_reached as exc:
        raise ExtractionError("too_large_unpacked") from exc
    except errors.PyPdfError as exc:
        raise ExtractionError("corrupt") from exc
    except (ValueError, KeyError, TypeError, OSError, AttributeError) as exc:
        raise ExtractionError("corrupt") from exc
    text = join_broken_lines(normalise_compatibility("\n".join(p for p in pages if p)))
    text = text[:MAX_TEXT_CHARS]
    if not text and skipped:
        raise ExtractionError("too_large_unpacked")
    if len(text.strip()) < MIN_CHARS_PER_PAGE * max(1, min(count, 3)):
        # a scan: pages are images without a text layer
        raise ExtractionError("scanned_pdf")
    return Extracted("pdf", text, pages=count)


def _docx(data: bytes) -> Extracted:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    check_zip(data)
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ExtractionError("corrupt") from exc
    parts = [p.text.strip() for p in document.paragraphs if p.text.strip()]
    for table in document.tables:
        for row in table.rows:
            cells = [c.text.strip() for c in row.cells if c.text.strip()]
            if cells:
                parts.append(" | ".join(dict.fromkeys(cells)))
    text = normalise_compatibility("\n".join(parts))[:MAX_TEXT_CHARS]
    if not text:
        raise ExtractionError("empty")
    return Extracted("docx", text)


# Compatibility characters that NFKC maps to what the author meant: Kangxi and supplementary
# radicals and compatibility ideographs (PDF fonts emit ⾼ U+2FBC for 高), ligatures (ﬁ) and
# full-width letters and digits. Other NFKC mappings change meaning in technical text (m² → m2,
# ① → 1) or Chinese punctuation (，→ ,), so they are left alone.
_COMPATIBLE = re.compile(
    "[\u2e80-\u2eff\u2f00-\u2fdf\uf900-\ufaff\ufb00-\ufb4f"
    "\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\u00a0]"
)
_SENTENCE_END = tuple("。！？；：.!?;:）)」”")
_LIST_START = re.compile(
    r"^\s*(?:[•·\-–*]|\d+[.、)）]|[（(]\d+[)）]|[一二三四五六七八九十]+、|第.{1,3}[章节条])"
)


def normalise_compatibility(text: str) -> str:
    return _COMPATIBLE.sub(lambda m: unicodedata.normalize("NFKC", m.group(0)), text)


def join_broken_lines(text: str) -> str:
    """Lines a PDF broke inside a sentence become one: a line that reaches the usual line
    width and does not end a sentence continues on the next line (unless that starts a list
    item). Short lines (titles, headings, table cells) stay as they are."""
    lines = [line.rstrip() for line in text.splitlines()]
    lengths = sorted(len(line) for line in lines if line.strip())
    if not lengths:
        return text
    usual = lengths[int(len(lengths) * 0.75)]
    joined: list[str] = []
    for line in lines:
        previous = joined[-1] if joined else ""
        continues = (
            previous.strip()
            and line.strip()
            and len(previous) >= 0.8 * usual
            and not previous.endswith(_SENTENCE_END)
            and not _LIST_START.match(line)
        )
        if continues:
            if previous.endswith("-") and previous[-2:-1].isalpha():
                joined[-1] = previous[:-1] + line.lstrip()
            elif previous[-1:].isascii() and line.lstrip()[:1].isascii():
                joined[-1] = previous + " " + line.lstrip()
            else:
                joined[-1] = previous + line.lstrip()
        else:
            joined.append(line)
    return "\n".join(joined)


def guess_title(text: str, limit: int = 60) -> str:
    """The first short line is usually the title of an achievement write-up."""
    for line in text.splitlines():
        line = line.strip()
        if 4 <= len(line) <= limit:
            return line
    return ""
