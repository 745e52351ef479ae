"""A small PDF writer for the agreement record (no PDF library is installed).

Chinese text uses Adobe's predefined CJK font STSong-Light with the UniGB-UCS2-H encoding: every
PDF reader ships or substitutes it, so no font file is embedded and the text stays selectable
and searchable (the same approach as ReportLab's UnicodeCIDFont). Characters outside the Basic
Multilingual Plane are written as "?".
"""

from __future__ import annotations

PAGE_W, PAGE_H = 595, 842  # A4 in points
MARGIN = 56
SIZE = 11
LEADING = 17
TEXT_WIDTH_EM = (PAGE_W - 2 * MARGIN) / SIZE
LINES_PER_PAGE = int((PAGE_H - 2 * MARGIN) / LEADING)

_FONT = (
    b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
    b"/DescendantFonts [%d 0 R] >>"
)
_CID_FONT = (
    b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
    b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> "
    b"/FontDescriptor %d 0 R /DW 1000 /W [1 95 500] >>"
)
_DESCRIPTOR = (
    b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] "
    b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>"
)


def _width(ch: str) -> float:
    return 0.5 if ord(ch) < 0x2E80 else 1.0


def wrap(text: str, width_em: float = TEXT_WIDTH_EM) -> list[str]:
    """Lines no wider than `width_em` (CJK one em, Latin half); paragraphs kept."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line, used = "", 0.0
        for ch in paragraph:
            w = _width(ch)
            if used + w > width_em and line:
                lines.append(line)
                line, used = "", 0.0
            line += ch
            used += w
        lines.append(line)
    return lines


def _hex(line: str) -> bytes:
    safe = "".join(ch if ord(ch) <= 0xFFFF and ch.isprintable() else "?" for ch in line)
    return b"<" + safe.encode("utf-16-be").hex().upper().encode("ascii") + b">"


def document(lines: list[str]) -> bytes:
    """A PDF of `lines` (already wrapped), as many A4 pages as needed."""
    pages = [lines[i : i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)] or [[]]
    # objects: 1 catalog, 2 pages, 3 font, 4 CID font, 5 descriptor, then page + content pairs
    objects: list[bytes] = [b"", b"", _FONT % 4, _CID_FONT % 5, _DESCRIPTOR]
    kids = []
    for chunk in pages:
        stream = [b"BT", b"/F1 %d Tf" % SIZE, b"%d TL" % LEADING]
        stream.append(b"%d %d Td" % (MARGIN, PAGE_H - MARGIN - SIZE))
        for line in chunk:
            stream.append(_hex(line) + b" Tj T*")
        stream.append(b"ET")
        content = b"\n".join(stream)
        page_no = len(objects) + 1
        kids.append(page_no)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>"
            % (PAGE_W, PAGE_H, page_no + 1)
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
