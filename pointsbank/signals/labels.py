"""Readable names of signal kinds and statuses, in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "velocity": _l("Far more awards or reports than usual"),
    "pair": _l("One coordinator approving one resident's awards"),
    "fast_approval": _l("Awards approved within seconds or outside working hours"),
    "shared_device": _l("Several residents on one device or address"),
    "clerk_redeem": _l("A clerk's unusual redemptions or undo rate"),
}
STATUS_LABELS = {
    "open": _l("To review"),
    "dismissed": _l("Dismissed"),
    "confirmed": _l("Confirmed"),
}
LABELS = {"kind": KIND_LABELS, "status": STATUS_LABELS}
