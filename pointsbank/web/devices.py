"""The device id cookie read on writes that fraud signals look at; set on the response when new."""

from __future__ import annotations

import secrets

from flask import g, request

from pointsbank.signals import devices

DEVICE_COOKIE = "pb_device"
NINETY_DAYS = 90 * 24 * 3600


def device_id() -> str:
    """This browser's device id, made once (the response then sets the cookie)."""
    value = request.cookies.get(DEVICE_COOKIE, "")
    if len(value) != 32 or not value.isalnum():
        value = g.get("pb_new_device") or secrets.token_hex(16)
        g.pb_new_device = value
    return value


def note_device(action: str, user, community_id: int | None) -> None:
    """Record the device and address of this write (inside the caller's unit of work)."""
    devices.note(community_id, user.id, action, device_id(), request.remote_addr)


def set_device_cookie(response):
    """after_request: hand a new device id to the browser."""
    value = g.get("pb_new_device")
    if value:
        response.set_cookie(
            DEVICE_COOKIE, value, max_age=NINETY_DAYS, httponly=True, samesite="Lax", secure=request.is_secure
        )
    return response
