"""Notice codes: each a translatable template with named parameters, rendered in the reader's language."""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l

# The text the notice centre shows; parameters are the values stored with the notice.
CODES: dict[str, Any] = {
    "award.approved": _l("You were awarded %(points)d points: %(reason)s."),
    "award.rejected": _l("Your points claim was not approved: %(reason)s."),
    "award.reversed": _l("An award of %(points)d points was reversed: %(reason)s."),
    "fund.received": _l("You received %(points)d points from the community fund: %(reason)s."),
    "redemption.done": _l("You spent %(points)d points at %(station)s."),
    "redemption.undone": _l("Your redemption at %(station)s was undone: %(points)d points are back."),
    "redemption.refunded": _l("Your redemption at %(station)s was refunded: %(points)d points are back."),
    "reservation.made": _l("Reserved at %(station)s: %(points)d points on hold. Pick it up before %(until)s."),
    "reservation.expired": _l("Your reservation at %(station)s was not picked up in time: %(points)d points are back."),
    "points.expiring": _l("%(points)d of your points expire after %(date)s. Use or donate them before then."),
    "notice.test": _l("This is a test notice."),
    "objection.upheld": _l(
        "Your objection to an award of %(points)d points (%(award)s) was upheld and the award reversed: %(reason)s."
    ),
    "objection.dismissed": _l("Your objection to an award of %(points)d points (%(award)s) was dismissed: %(reason)s."),
    "objection.award_upheld": _l(
        "An objection to your award of %(points)d points (%(award)s) was upheld and the award reversed: %(reason)s."
    ),
    "objection.award_dismissed": _l(
        "An objection to your award of %(points)d points (%(award)s) was dismissed; the award stands: %(reason)s."
    ),
}
# Short titles for channels that want one (WeChat subscription messages).
TITLES: dict[str, Any] = {
    "award": _l("Points awarded"),
    "fund": _l("Points received"),
    "redemption": _l("Redemption"),
    "reservation": _l("Reservation"),
    "points": _l("Points expiring"),
    "notice": _l("Notice"),
    "objection": _l("Objection decided"),
}
LEGACY = "legacy.text"  # a notice kept from before codes: its text is shown as it was written
# Codes whose template is a message id the posting feature keeps in its own catalog (params["message"]).
MESSAGE_CODES = frozenset({"report.progress"})
TITLES["report"] = _l("Report progress")


def known(code: str) -> bool:
    """Whether a code has a template."""
    return code in CODES or code == LEGACY or code in MESSAGE_CODES


def render(code: str, params: dict[str, Any] | None, locale: str | None = None) -> str:
    """The notice's text in the given locale (the current one by default); missing parameters never raise."""
    params = params or {}
    if code == LEGACY:
        return str(params.get("text", ""))
    if code in MESSAGE_CODES:
        template = _message(str(params.get("message", "")))
    else:
        template = CODES.get(code)
    if template is None:
        return code
    if locale is None:
        return _fill(str(template), params)
    with force_locale(locale):
        return _fill(str(template), params)


class _message:
    """A message id translated when shown (like a lazy string)."""

    def __init__(self, msgid: str) -> None:
        self.msgid = msgid

    def __str__(self) -> str:
        return gettext(self.msgid) if self.msgid else ""


def title(code: str, locale: str | None = None) -> str:
    """A short title for the notice's kind."""
    label = TITLES.get(code.split(".", 1)[0], TITLES["notice"])
    if locale is None:
        return str(label)
    with force_locale(locale):
        return str(label)


def _fill(template: str, params: dict[str, Any]) -> str:
    try:
        return template % params
    except (KeyError, TypeError, ValueError):
        return template
