"""The privacy notice (个人信息保护告知书): its version and text; a new version asks every resident again."""

from __future__ import annotations

import os

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

# Bump when the text below changes in substance; everyone is asked again at their next page view.
VERSION = "2026-12"

SECTIONS = (
    (
        _l("What we hold"),
        _l(
            "Your name, mobile number, community and grid; your points statement; the activities you signed up "
            "for and your hours; the problems you reported with their photos and places; your notices, codes, "
            "cards and API tokens; and your answers to this notice."
        ),
    ),
    (
        _l("Why"),
        _l(
            "To run the community points bank: to record and pay your volunteer hours and reports, to let you "
            "spend points at stations, and to print your volunteer service certificate."
        ),
    ),
    (
        _l("Who sees it"),
        _l(
            "The coordinators of your community and, for redemptions, the station clerks. Public pages show "
            "your name masked. Nothing is sold or given to anyone else."
        ),
    ),
    (
        _l("How long"),
        _l(
            "While you take part. Report places are deleted after the community's retention period. "
            "Points movements are kept so the books still add up, under a pseudonym once you are erased."
        ),
    ),
    (
        _l("Device and address"),
        _l(
            "When you file a report, check in or enter an award, we keep a scrambled (hashed) form of a device "
            "cookie and of your network address, to spot many accounts writing from one phone. It is deleted "
            "after 90 days and only used for signals a coordinator reviews."
        ),
    ),
    (
        _l("Your rights"),
        _l(
            "You can download everything held about you at any time, and ask to be erased; a coordinator "
            "approves the erasure. After it you can no longer log in."
        ),
    ),
)


def current_version() -> str:
    """The version residents must agree to; PB_PRIVACY_NOTICE_VERSION (config, then environment) overrides it."""
    configured = current_app.config.get("PB_PRIVACY_NOTICE_VERSION") if has_app_context() else None
    return configured or os.environ.get("PB_PRIVACY_NOTICE_VERSION") or VERSION
