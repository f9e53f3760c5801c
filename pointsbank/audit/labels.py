"""Readable text for audit action codes and their details, in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from pointsbank.audit.models import AuditEntry

ACTION_LABELS = {
    "role.granted": _l("Role granted"),
    "role.revoked": _l("Role taken back"),
    "user.registered": _l("Resident registered"),
    "user.deactivated": _l("User deactivated"),
    "user.reactivated": _l("User reactivated"),
    "password.changed": _l("Password changed (other sessions and tokens ended)"),
    "password.reset": _l("Temporary password given (sessions and tokens ended)"),
    "login.locked": _l("Login locked after failed attempts"),
    "login.unlocked": _l("Login unlocked"),
    "session.ended_all": _l("All sessions ended"),
    "token.created": _l("API token created"),
    "token.revoked": _l("API token revoked"),
    "settings.changed": _l("Community settings changed"),
    "audit.exported": _l("Audit log exported"),
    "export.created": _l("Data exported"),
    "code_check.locked": _l("Typed codes locked after wrong attempts"),
    "phone.revealed": _l("Mobile number shown in full"),
    "rule.published": _l("Rule published"),
    "rule.changed": _l("Rule changed"),
    "category.changed": _l("Category changed"),
    "award.approved": _l("Award approved"),
    "award.rejected": _l("Award rejected"),
    "objection.filed": _l("Objection to an award filed"),
    "objection.upheld": _l("Objection upheld (award reversed)"),
    "objection.dismissed": _l("Objection dismissed"),
    "signal.reviewed": _l("Fraud signal reviewed"),
    "adjustment.posted": _l("Manual adjustment posted"),
    "adjustment.approved": _l("Manual adjustment approved by a second coordinator"),
    "redemption.undone": _l("Redemption undone"),
    "redemption.refunded": _l("Redemption refunded"),
    "stock.changed": _l("Stock changed"),
    "export.downloaded": _l("Data exported"),
    "category.created": _l("Category created"),
    "card.revoked": _l("Resident card reported lost"),
    "card.reissued": _l("New resident card made"),
    "report.duplicate_marked": _l("Reports joined as duplicates"),
    "report.published": _l("Report description published for Open311"),
    "report.unpublished": _l("Report description withdrawn from Open311"),
    "adjustment.requested": _l("Manual adjustment waiting for a second coordinator"),
    "adjustment.rejected": _l("Manual adjustment rejected by a second coordinator"),
    "rule.created": _l("Rule created"),
    "rule.updated": _l("Rule changed (new version)"),
    "rule.retired": _l("Rule retired"),
    "rule.award": _l("Award entered by a coordinator"),
    "device.enrolled": _l("Phone enrolled for offline pay codes"),
    "device.revoked": _l("Offline phone removed"),
    "privacy.exported": _l("Personal data exported"),
    "privacy.hours_exported": _l("Volunteer hours exported"),
    "privacy.erasure_requested": _l("Erasure requested"),
    "privacy.erasure_rejected": _l("Erasure request turned down"),
    "privacy.erased": _l("Personal data erased"),
}
SUBJECT_LABELS = {
    "user": _l("Person"),
    "token": _l("API token"),
    "community": _l("Community"),
    "station": _l("Station"),
    "item": _l("Item"),
    "rule": _l("Rule"),
    "transfer": _l("Transfer"),
    "redemption": _l("Redemption"),
    "category": _l("Report category"),
    "pay_device": _l("Phone"),
}


def action_text(code: str) -> str:
    """The readable name of an action; an unknown code shows as itself."""
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code


def subject_text(entry: AuditEntry, names: dict[int, str]) -> str:
    """What the entry is about: a person's name, or a kind and an id."""
    if entry.subject_type is None:
        return ""
    if entry.subject_type == "user" and entry.subject_id in names:
        return names[entry.subject_id]
    kind = SUBJECT_LABELS.get(entry.subject_type)
    return f"{kind if kind is not None else entry.subject_type} #{entry.subject_id}"


def details_text(details: dict | None) -> str:
    """Details as short lines: `field: before → after` for changes, `key: value` for the rest."""
    if not details:
        return ""
    parts = []
    before, after = details.get("before"), details.get("after")
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after)):
            parts.append(f"{key}: {before.get(key)} → {after.get(key)}")
    for key, value in sorted(details.items()):
        if key in ("before", "after") or value is None:
            continue
        parts.append(f"{key}: {value}")
    return "; ".join(parts)
