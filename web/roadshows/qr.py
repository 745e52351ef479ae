"""QR codes for check-in, drawn on the server as inline SVG (no script, no CDN)."""

from __future__ import annotations

import qrcode
import qrcode.image.svg
from markupsafe import Markup


def qr_svg(text: str, label: str) -> Markup:
    """An SVG QR code of `text` (a check-in code: only letters and digits)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    svg = image.to_string(encoding="unicode")
    attributes = Markup('<svg role="img" class="qr" aria-label="{}" ').format(label)
    return Markup(svg.replace("<svg ", str(attributes), 1))
