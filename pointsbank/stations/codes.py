"""QR payloads and typed digits: opaque, versioned, signed secrets (never a database id)."""

from __future__ import annotations

import base64
import io
import secrets
from collections.abc import Callable
from typing import Any, NamedTuple

import qrcode
import qrcode.image.svg
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, Signer

from pointsbank.errors import Refused

PAY = "PB1P"
PICKUP = "PB1K"
CARD = "PB1C"
PREFIXES = (PAY, PICKUP, CARD)
PAY_DIGITS = 8
PICKUP_DIGITS = 6


# Other kinds of code a counter accepts (offline pay codes): each reader turns its text into a pay payload,
# or returns None when the text is not its kind. Registered at app start, so stations need not know them.
READERS: list[Callable[[Any, Any, str], str | None]] = []


def translate(clerk: Any, station: Any, text: str) -> str:
    """The text as a code this package reads: a registered reader's pay payload, or the text itself."""
    for reader in READERS:
        converted = reader(clerk, station, text)
        if converted is not None:
            return converted
    return text


class ParsedCode(NamedTuple):
    kind: str  # PAY, PICKUP or CARD
    secret: str | None
    digits: str | None


def invalid_code() -> Refused:
    """The refusal for a forged, damaged or unknown code."""
    return Refused("invalid", _l("This code is not valid. Ask the resident to show it again."))


def _signer(prefix: str) -> Signer:
    return Signer(current_app.config["SECRET_KEY"], salt=f"pointsbank.code.{prefix}")


def new_secret() -> str:
    """A random secret for one code (URL-safe, no dots)."""
    return secrets.token_urlsafe(12)


def new_digits(length: int) -> str:
    """A random numeric code of the given length."""
    return f"{secrets.randbelow(10**length):0{length}d}"


def payload(prefix: str, secret: str) -> str:
    """The QR text: PREFIX.<secret>.<signature>."""
    return f"{prefix}.{_signer(prefix).sign(secret).decode()}"


def parse(text: str) -> ParsedCode:
    """Read a scanned payload or typed digits; raise Refused('invalid') for anything else."""
    text = (text or "").strip().replace(" ", "")
    if text.isdigit():
        if len(text) == PAY_DIGITS:
            return ParsedCode(PAY, None, text)
        if len(text) == PICKUP_DIGITS:
            return ParsedCode(PICKUP, None, text)
        raise invalid_code()
    prefix, _, rest = text.partition(".")
    if prefix not in PREFIXES or not rest or len(rest) > 200:
        raise invalid_code()
    try:
        secret = _signer(prefix).unsign(rest.encode()).decode()
    except (BadSignature, UnicodeDecodeError):
        raise invalid_code() from None
    return ParsedCode(prefix, secret, None)


def qr_data_uri(text: str) -> str:
    """An SVG QR code as a data: URI (allowed by the page's Content-Security-Policy)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=10, border=4)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()
