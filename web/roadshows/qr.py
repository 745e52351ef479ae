"""QR codes for check-in, drawn on the server as inline SVG (no script, no CDN)."""

from __future__ import annotations

import qrcode
import qrcode.image.svg
from markupsafe import Markup


def qr_svg(text: str) -> Markup:
    """An SVG QR code of `text` (a check-in code: only letters and digits, nothing to escape)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    svg = image.to_string(encoding="unicode")
    return Markup(svg.replace("<svg ", '<svg role="img" class="qr" ', 1))
