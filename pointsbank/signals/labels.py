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
EVIDENCE_LABELS = {
    "what": _l("What"),
    "user_id": _l("Resident id"),
    "user_ids": _l("Resident ids"),
    "resident_id": _l("Resident id"),
    "coordinator_id": _l("Coordinator id"),
    "clerk_id": _l("Clerk id"),
    "week": _l("In 7 days"),
    "top_day": _l("Most in one day"),
    "approved": _l("Approved"),
    "fast": _l("Approved within seconds"),
    "after_hours": _l("Approved outside working hours"),
    "award_ids": _l("Pending award ids"),
    "redemptions": _l("Redemptions"),
    "ended": _l("Undone or refunded"),
    "total": _l("Redemptions in all"),
    "rate": _l("Rate (%)"),
    "minutes": _l("Within minutes"),
}
LABELS = {"kind": KIND_LABELS, "status": STATUS_LABELS, "evidence": EVIDENCE_LABELS}
