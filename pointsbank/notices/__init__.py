"""Notices: one outbox for everything a person should hear about, rendered in the reader's language."""

from __future__ import annotations

from typing import Any


def notify(user_id: int, code: str, params: dict[str, Any] | None = None, **kwargs: Any):
    """Post a notice (see pointsbank.notices.service.notify); importable as `from pointsbank import notices`."""
    from pointsbank.notices.service import notify as _notify

    return _notify(user_id, code, params, **kwargs)
