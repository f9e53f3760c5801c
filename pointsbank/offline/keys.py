"""The arithmetic of offline codes: day keys from a device secret, TOTP codes, and the bundle signature."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyotp
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from flask import current_app

STEP_SECONDS = 60
DIGITS = 8
# Steps either side of the server's clock that a code may come from (phones drift).
SKEW_STEPS = 2
PREFIX = "PB1O"


def day_key(secret_hex: str, day: date) -> bytes:
    """The key of one UTC day: what a counter receives instead of the device secret."""
    message = f"pointsbank-offline:{day.isoformat()}".encode()
    return hmac.new(bytes.fromhex(secret_hex), message, hashlib.sha256).digest()


def step_of(moment: datetime) -> int:
    """The TOTP time step of a moment."""
    return int(moment.timestamp()) // STEP_SECONDS


def day_of_step(step: int) -> date:
    return datetime.fromtimestamp(step * STEP_SECONDS, UTC).date()


def _totp(key: bytes) -> pyotp.TOTP:
    return pyotp.TOTP(base64.b32encode(key).decode(), digits=DIGITS, interval=STEP_SECONDS)


def code_at(key: bytes, step: int) -> str:
    """The digits of a day key at a time step (RFC 6238, SHA-1, 8 digits, 60 s)."""
    return _totp(key).generate_otp(step)


def device_code(secret_hex: str, step: int) -> str:
    """The digits a device shows at a step."""
    return code_at(day_key(secret_hex, day_of_step(step)), step)


def payload(device_id: int, otp: str) -> str:
    """The QR text of an offline code: PB1O.<device>.<digits>."""
    return f"{PREFIX}.{device_id}.{otp}"


def parse(text: str) -> tuple[int, str] | None:
    """(device id, digits) of an offline code, or None if the text is not one."""
    parts = (text or "").strip().split(".")
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1].isdigit() or len(parts[1]) > 12:
        return None
    if len(parts[2]) != DIGITS or not parts[2].isdigit():
        return None
    return int(parts[1]), parts[2]


def matching_step(secret_hex: str, otp: str, now: datetime, skew: int = SKEW_STEPS) -> int | None:
    """The step within the skew window whose code is otp, or None."""
    current = step_of(now)
    for step in range(current - skew, current + skew + 1):
        if hmac.compare_digest(device_code(secret_hex, step), otp):
            return step
    return None


# --- the bundle signature: ECDSA P-256, which every phone browser's WebCrypto verifies -------------------


def _private_key() -> ec.EllipticCurvePrivateKey:
    """Derived from the app's secret key, so every worker signs alike and nothing extra is stored."""
    seed = hashlib.sha256(("pointsbank-offline-signing:" + current_app.config["SECRET_KEY"]).encode()).digest()
    order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    return ec.derive_private_key(int.from_bytes(seed, "big") % (order - 1) + 1, ec.SECP256R1())


def public_key_b64() -> str:
    """The verifying key, raw uncompressed point, base64 (WebCrypto imports it as 'raw')."""
    raw = _private_key().public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return base64.b64encode(raw).decode()


def canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def sign(body: dict[str, Any]) -> str:
    """Signature of the canonical JSON, as raw r||s base64 (the form WebCrypto verifies)."""
    r, s = decode_dss_signature(_private_key().sign(canonical(body), ec.ECDSA(hashes.SHA256())))
    return base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode()


def verify(body: dict[str, Any], signature: str) -> bool:
    """True if the signature is ours over this body."""
    try:
        raw = base64.b64decode(signature, validate=True)
        if len(raw) != 64:
            return False
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        _private_key().public_key().verify(der, canonical(body), ec.ECDSA(hashes.SHA256()))
        return True
    except (InvalidSignature, ValueError):
        return False


def days_covering(start: datetime, hours: int) -> list[date]:
    """The UTC days touched by [start, start + hours]."""
    end = start + timedelta(hours=hours)
    days, day = [], start.date()
    while day <= end.date():
        days.append(day)
        day += timedelta(days=1)
    return days
