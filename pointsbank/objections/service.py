"""Objections' front door: every public name of the objections modules."""

# publicity (an award's 公示 state), filing (a resident objects) and decisions (the queue and the final
# decision; an upheld objection reverses the award through the ledger) hold the code.

from pointsbank.objections.decisions import (
    OUTCOMES,
    REVERSAL_REASON,
    QueueItem,
    decide,
    objection_to_decide,
    photo_of,
    queue,
    waiting_count,
)
from pointsbank.objections.filing import award_for_resident, clean_reason, file_objection, mine_for, objections_of
from pointsbank.objections.labels import LABELS, ROLE_LABELS, STATE_LABELS, STATUS_LABELS
from pointsbank.objections.models import OBJECTION_STATUSES, REASON_MAX, Objection
from pointsbank.objections.publicity import (
    AWARD_KINDS,
    ROLES,
    STATES,
    Award,
    approver_roles,
    get_award,
    open_counts,
    publicity_days,
    state_of,
)

__all__ = [
    "AWARD_KINDS",
    "LABELS",
    "ROLE_LABELS",
    "STATE_LABELS",
    "STATUS_LABELS",
    "OBJECTION_STATUSES",
    "OUTCOMES",
    "REASON_MAX",
    "REVERSAL_REASON",
    "ROLES",
    "STATES",
    "Award",
    "Objection",
    "QueueItem",
    "approver_roles",
    "award_for_resident",
    "clean_reason",
    "decide",
    "file_objection",
    "get_award",
    "mine_for",
    "objection_to_decide",
    "objections_of",
    "open_counts",
    "photo_of",
    "publicity_days",
    "queue",
    "state_of",
    "waiting_count",
]
