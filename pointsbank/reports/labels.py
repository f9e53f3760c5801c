"""Report statuses in words (pages and exports)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "submitted": _l("Submitted"),
    "accepted": _l("Accepted"),
    "rejected": _l("Not accepted"),
    "duplicate": _l("Duplicate"),
    "assigned": _l("Being handled"),
    "resolved": _l("Resolved"),
    "closed": _l("Closed"),
}
