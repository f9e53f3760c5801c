"""Every periodic job: name -> the service function it calls and its default schedule (local time)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l

from pointsbank.jobs.schedule import BadSchedule, Schedule, parse

Summary = dict[str, Any]


@dataclass(frozen=True)
class Job:
    """A periodic job: what it does (for the admin page), its default schedule and the function it runs."""

    name: str
    title: Any
    default: str
    run: Callable[[datetime], Summary]
    # True for a job that commits as it goes (it talks to the network between its own units of work).
    own_units: bool = False


def _reservations(now: datetime) -> Summary:
    from pointsbank.stations.service import expire_reservations

    return {"expired": expire_reservations(now)}


def _holds(now: datetime) -> Summary:
    from pointsbank.ledger.service import expire_holds

    return {"expired": expire_holds(now)}


def _autoclose(now: datetime) -> Summary:
    from pointsbank.reports import service

    return {"closed": service.autoclose(service.AUTOCLOSE_DAYS, now=now)}


def _session_addresses(now: datetime) -> Summary:
    from pointsbank.people.retention import clear_old_addresses

    return {"cleared": clear_old_addresses(now)}


def _report_places(now: datetime) -> Summary:
    from pointsbank.reports.retention import clear_old_coordinates

    return {"cleared": clear_old_coordinates(now)}


def _close_ended(now: datetime) -> Summary:
    from pointsbank.activities.service import close_ended

    return {"closed": close_ended(now)}


def _seal(now: datetime) -> Summary:
    from pointsbank.ledger.seal import seal

    result = seal()
    return {"sealed": result.transfer_count if result else 0}


def _check_stock(now: datetime) -> Summary:
    from pointsbank.stations.service import stock_mismatches

    mismatches = stock_mismatches()
    if mismatches:
        items = ", ".join(str(item_id) for item_id, _stock, _total in mismatches[:20])
        raise RuntimeError(f"{len(mismatches)} item(s) whose stock differs from their movements: {items}")
    return {"mismatches": 0}


def _expiry(now: datetime) -> Summary:
    from pointsbank.ledger.expiry import expire_points

    return {"points": expire_points(now=now)}


def _expiry_reminders(now: datetime) -> Summary:
    from pointsbank.notices.reminders import remind_expiring

    return {"reminded": remind_expiring(now)}


def _deliver_notices(now: datetime) -> Summary:
    from pointsbank.notices.delivery import deliver_due

    return deliver_due(now)


def _signals(now: datetime) -> Summary:
    from pointsbank.signals.kinds import compute_all

    return compute_all(now)


def _rollups(now: datetime) -> Summary:
    from pointsbank.insights.rollup import roll_all

    return roll_all(now)


def _device_records(now: datetime) -> Summary:
    from pointsbank.signals.service import expire_device_records

    return {"deleted": expire_device_records(now)}


# Reservations before holds: a reservation ends its own hold and gives its stock back.
JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job("reservations", _l("Expire unclaimed reservations (points and stock back)"), "every 1m", _reservations),
        Job("holds", _l("Expire pending holds past their time"), "every 1m", _holds),
        Job("notices", _l("Deliver notices on outbound channels (with retries)"), "every 1m", _deliver_notices, True),
        Job("autoclose", _l("Close resolved reports nobody rated"), "hourly :10", _autoclose),
        Job("close-ended", _l("Close activities that are over (no-shows marked)"), "hourly :20", _close_ended),
        Job("expiry", _l("Expire unspent points per community policy"), "daily 00:05", _expiry),
        Job("rollups", _l("Roll up finished days for the dashboards"), "hourly :15", _rollups),
        Job("seal", _l("Seal the ledger (chained hash)"), "daily 02:30", _seal),
        Job("check-stock", _l("Check stock against its movements"), "daily 03:00", _check_stock),
        Job("report-places", _l("Delete report locations past their retention"), "daily 03:30", _report_places),
        Job("session-addresses", _l("Delete session addresses after 90 days"), "daily 03:40", _session_addresses),
        Job("device-records", _l("Delete device records after 90 days"), "daily 03:50", _device_records),
        Job("signals", _l("Compute fraud signals for coordinators"), "daily 04:10", _signals),
        Job("expiry-reminders", _l("Remind residents of points about to expire"), "daily 09:00", _expiry_reminders),
    )
}


def configured() -> dict[str, str]:
    """Schedule overrides: app config PB_JOBS (a dict) or the PB_JOBS variable ("seal=daily 03:00;holds=off")."""
    value = current_app.config.get("PB_JOBS")
    if value is None:
        value = os.environ.get("PB_JOBS", "")
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    pairs = [part.split("=", 1) for part in str(value).split(";") if "=" in part]
    return {k.strip(): v.strip() for k, v in pairs}


def schedules() -> dict[str, Schedule]:
    """Each job's schedule, defaults overridden by configuration; an unknown job or bad schedule raises."""
    overrides = configured()
    unknown = sorted(set(overrides) - set(JOBS))
    if unknown:
        raise BadSchedule(f"unknown job(s) in PB_JOBS: {', '.join(unknown)}")
    return {name: parse(overrides.get(name, job.default)) for name, job in JOBS.items()}
