"""Each kind of fraud signal: a pure computation over rows, and loaders that read them per community."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from pointsbank.extensions import db
from pointsbank.signals.models import DeviceRecord
from pointsbank.signals.service import outliers, upsert

# k in median + k·MAD when no community setting is given (the setting is signal_mad_k).
K = 5.0
WINDOW_DAYS = 7
FAST_SECONDS = 30
WORK_HOURS = (7, 21)  # local hours [start, end)
BULK = 10
DEVICE_MINUTES = 10
DEVICE_USERS = 3
MIN_REDEMPTIONS = 10
UNDO_RATE_MIN = 20.0  # percent; below this a clerk's rate is not a signal
LOCAL = ZoneInfo("Asia/Shanghai")

Found = dict[str, tuple[float, dict]]


def velocity(events: list[tuple[int, datetime]], k: float = K, label: str = "awards") -> Found:
    """Residents whose count in the window (or on one day) lies far above the community's norm."""
    week: Counter = Counter()
    days: Counter = Counter()
    for user_id, at in events:
        week[user_id] += 1
        days[(user_id, at.astimezone(LOCAL).date())] += 1
    top_day: dict[int, int] = defaultdict(int)
    for (user_id, _day), count in days.items():
        top_day[user_id] = max(top_day[user_id], count)
    by_week = outliers({str(u): float(c) for u, c in week.items()}, k)
    by_day = outliers({str(u): float(c) for u, c in top_day.items()}, k)
    found: Found = {}
    for key in sorted(set(by_week) | set(by_day)):
        user_id = int(key)
        evidence = {"what": label, "user_id": user_id, "week": week[user_id], "top_day": top_day[user_id]}
        found[f"{label}:resident:{user_id}"] = (float(week[user_id]), evidence)
    return found


def pair(approvals: list[tuple[int, int]], k: float = K) -> Found:
    """Coordinator–resident pairs with far more approved awards than the other pairs."""
    counts = Counter(approvals)
    flagged = outliers({f"{c}:{r}": float(n) for (c, r), n in counts.items()}, k)
    found: Found = {}
    for key, count in flagged.items():
        coordinator_id, resident_id = (int(part) for part in key.split(":"))
        evidence = {"coordinator_id": coordinator_id, "resident_id": resident_id, "approved": int(count)}
        found[f"pair:{key}"] = (count, evidence)
    return found


def _after_hours(at: datetime) -> bool:
    hour = at.astimezone(LOCAL).hour
    return not (WORK_HOURS[0] <= hour < WORK_HOURS[1])


def fast_approval(awards: list[tuple[int, int, datetime, datetime]], bulk: int = BULK) -> Found:
    """Coordinators approving many awards within seconds of entry, or many outside working hours.

    Rows are (award id, coordinator id, entered at, decided at).
    """
    fast: dict[int, list[int]] = defaultdict(list)
    late: dict[int, list[int]] = defaultdict(list)
    for award_id, coordinator_id, entered, decided in awards:
        if (decided - entered).total_seconds() <= FAST_SECONDS:
            fast[coordinator_id].append(award_id)
        if _after_hours(decided):
            late[coordinator_id].append(award_id)
    found: Found = {}
    for coordinator_id in sorted(set(fast) | set(late)):
        quick, night = fast.get(coordinator_id, []), late.get(coordinator_id, [])
        if len(quick) < bulk and len(night) < bulk:
            continue
        evidence = {
            "coordinator_id": coordinator_id,
            "fast": len(quick),
            "after_hours": len(night),
            "award_ids": sorted(set(quick) | set(night))[:50],
        }
        found[f"coordinator:{coordinator_id}"] = (float(max(len(quick), len(night))), evidence)
    return found


def clerk_redeem(
    redemptions: list[tuple[int, int, int | None, str]], k: float = K, minimum: int = MIN_REDEMPTIONS
) -> Found:
    """Clerk–resident pairs redeemed unusually often (a proxy counts for the resident), and clerks
    whose undo/refund rate lies far above the other clerks'. Rows are (clerk, resident, proxy, status)."""
    pairs: Counter = Counter()
    totals: Counter = Counter()
    ended: Counter = Counter()
    for clerk_id, resident_id, _proxy_id, status in redemptions:
        pairs[(clerk_id, resident_id)] += 1
        totals[clerk_id] += 1
        if status in ("undone", "refunded"):
            ended[clerk_id] += 1
    found: Found = {}
    flagged = outliers({f"{c}:{r}": float(n) for (c, r), n in pairs.items()}, k)
    for key, count in flagged.items():
        clerk_id, resident_id = (int(part) for part in key.split(":"))
        evidence = {"clerk_id": clerk_id, "resident_id": resident_id, "redemptions": int(count)}
        found[f"clerk:{clerk_id}:resident:{resident_id}"] = (count, evidence)
    # Rates in percentage points, so a MAD of 0 means one point.
    rates = {str(c): 100.0 * ended[c] / n for c, n in totals.items() if n >= minimum}
    for key, rate in outliers(rates, k).items():
        if rate < UNDO_RATE_MIN:
            continue
        clerk_id = int(key)
        evidence = {"clerk_id": clerk_id, "ended": ended[clerk_id], "total": totals[clerk_id], "rate": round(rate, 1)}
        found[f"clerk:{clerk_id}:undo"] = (round(rate, 1), evidence)
    return found


def shared_device(records: list[tuple[int, str | None, str | None, datetime]]) -> Found:
    """Several residents writing from one device or one address within minutes.

    Rows are (user id, device hash, address hash, at)."""
    groups: dict[str, list[tuple[datetime, int]]] = defaultdict(list)
    for user_id, device_hash, address_hash, at in records:
        if device_hash:
            groups[f"device:{device_hash[:16]}"].append((at, user_id))
        if address_hash:
            groups[f"address:{address_hash[:16]}"].append((at, user_id))
    window = timedelta(minutes=DEVICE_MINUTES)
    found: Found = {}
    for key, rows in groups.items():
        rows.sort()
        best: set[int] = set()
        start = 0
        for end in range(len(rows)):
            while rows[end][0] - rows[start][0] > window:
                start += 1
            users = {user_id for _at, user_id in rows[start : end + 1]}
            if len(users) > len(best):
                best = users
        if len(best) >= DEVICE_USERS:
            found[key] = (float(len(best)), {"user_ids": sorted(best), "minutes": DEVICE_MINUTES})
    return found


def _since(now: datetime) -> datetime:
    return now - timedelta(days=WINDOW_DAYS)


def _posted_awards(community_id: int, since: datetime) -> list[tuple[int, datetime]]:
    """(resident, when) of every award transfer paid into a resident account of the community."""
    from pointsbank.ledger.models import Account, Entry, Transfer

    rows = db.session.execute(
        sa.select(Account.owner_user_id, Transfer.created_at)
        .join(Entry, Entry.transfer_id == Transfer.id)
        .join(Account, Account.id == Entry.account_id)
        .where(
            Transfer.kind == "award",
            Transfer.created_at >= since,
            Account.kind == "resident",
            Account.community_id == community_id,
            Entry.amount > 0,
        )
    ).all()
    return [(user_id, at) for user_id, at in rows if user_id is not None]


def _load(community_id: int, now: datetime, k: float = K) -> dict[str, Found]:
    from pointsbank.reports.models import Report
    from pointsbank.rules.models import PendingAward
    from pointsbank.stations.models import Redemption, Station

    since = _since(now)
    awards = db.session.execute(
        sa.select(PendingAward.id, PendingAward.resident_id, PendingAward.decided_by, PendingAward.created_at)
        .add_columns(PendingAward.decided_at, PendingAward.status)
        .where(PendingAward.community_id == community_id, PendingAward.created_at >= since)
    ).all()
    reports = db.session.execute(
        sa.select(Report.reporter_id, Report.created_at).where(
            Report.community_id == community_id, Report.created_at >= since
        )
    ).all()
    approved = [a for a in awards if a.status == "approved" and a.decided_by and a.decided_at]
    redemptions = db.session.execute(
        sa.select(Redemption.clerk_id, Redemption.resident_id, Redemption.proxy_id, Redemption.status)
        .join(Station, Station.id == Redemption.station_id)
        .where(Station.community_id == community_id, Redemption.created_at >= since)
    ).all()
    devices = db.session.execute(
        sa.select(
            DeviceRecord.user_id, DeviceRecord.device_hash, DeviceRecord.address_hash, DeviceRecord.created_at
        ).where(DeviceRecord.community_id == community_id, DeviceRecord.created_at >= since)
    ).all()
    # Posted awards from the ledger, plus entered awards not posted (still pending or rejected).
    entered = [(a.resident_id, a.created_at) for a in awards if a.status != "approved"]
    velocity_found = velocity(_posted_awards(community_id, since) + entered, k, label="awards")
    velocity_found.update(velocity([tuple(r) for r in reports], k, label="reports"))
    return {
        "velocity": velocity_found,
        "pair": pair([(a.decided_by, a.resident_id) for a in approved], k),
        "fast_approval": fast_approval([(a.id, a.decided_by, a.created_at, a.decided_at) for a in approved]),
        "clerk_redeem": clerk_redeem([tuple(r) for r in redemptions], k),
        "shared_device": shared_device([tuple(r) for r in devices]),
    }


def compute(community_id: int, now: datetime) -> int:
    """Compute every kind for one community and store what was found; how many signals."""
    from pointsbank.people.models import Community

    k = float(db.session.get(Community, community_id).signal_mad_k)
    count = 0
    for kind, found in _load(community_id, now, k).items():
        for subject_key, (score, evidence) in found.items():
            upsert(community_id, kind, subject_key, score, evidence)
            count += 1
    return count


def compute_all(now: datetime) -> dict[str, int]:
    """The nightly run: every community's signals; how many communities and signals."""
    from pointsbank.people.models import Community

    ids = db.session.scalars(sa.select(Community.id).order_by(Community.id)).all()
    return {"communities": len(ids), "signals": sum(compute(community_id, now) for community_id in ids)}
