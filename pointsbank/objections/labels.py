"""Readable names of 公示 states, approvers' roles and objection statuses, in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATE_LABELS = {
    "in_publicity": _l("In publicity"),
    "objected": _l("Objected, under review"),
    "final": _l("Final"),
    "reversed": _l("Reversed"),
}
ROLE_LABELS = {
    "coordinator": _l("Community worker"),
    "admin": _l("Administrator"),
    "staff": _l("Staff"),
    "system": _l("Automatic"),
}
STATUS_LABELS = {
    "open": _l("Waiting for a decision"),
    "upheld": _l("Upheld: the award was reversed"),
    "dismissed": _l("Dismissed: the award stands"),
}
LABELS = {"state": STATE_LABELS, "role": ROLE_LABELS, "status": STATUS_LABELS}
