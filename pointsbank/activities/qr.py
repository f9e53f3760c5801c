"""QR images made on the server (SVG), for posters and personal codes."""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.image.svg


def qr_svg(text: str) -> bytes:
    """An SVG QR code of the text (medium error correction, quiet zone included)."""
    qr = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=4,
        image_factory=qrcode.image.svg.SvgPathImage,
    )
    qr.add_data(text)
    qr.make(fit=True)
    buffer = io.BytesIO()
    qr.make_image().save(buffer)
    return buffer.getvalue()


def qr_data_uri(text: str) -> str:
    """The QR code as a data: URI for an <img> (allowed by the page's content policy)."""
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(text)).decode()
