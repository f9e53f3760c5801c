"""The offline counter: the signed bundle it downloads, and the sync of what it confirmed while offline."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from pointsbank.db import utcnow
from pointsbank.errors import Conflict, DomainError, Invalid, NotFound, Refused
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.ledger.models import Account
from pointsbank.offline import devices, keys
from pointsbank.offline.models import OfflineBundle, OfflineConfirmation, PayDevice
from pointsbank.people.models import Community, User
from pointsbank.stations import service as stations
from pointsbank.stations.models import Item, Redemption, RedemptionLine, Station

BUNDLE_HOURS = 24


def _active_stations(community_id: int) -> int:
    count = db.session.scalar(
        sa.select(sa.func.count()).where(Station.community_id == community_id, Station.active.is_(True))
    )
    return max(int(count or 0), 1)


def share(available: int, daily_allowance: int, stations_count: int) -> int:
    """What one station may accept offline from one resident: the allowance split over the community's stations.

    Split, so that a resident can never spend more offline than the allowance across stations that cannot talk.
    """
    return max(min(available, daily_allowance), 0) // max(stations_count, 1)


def build_bundle(clerk: User, station: Station) -> dict[str, Any]:
    """The signed download: items and prices, and per enrolled resident the day keys and the allowance here."""
    if not stations.can_operate(clerk, station):
        raise NotFound("station_not_found")
    community = db.session.get(Community, station.community_id)
    now = utcnow().replace(microsecond=0)
    expires = now + timedelta(hours=BUNDLE_HOURS)
    days = keys.days_covering(now, BUNDLE_HOURS)
    stations_count = _active_stations(station.community_id)
    rows = db.session.execute(
        sa.select(PayDevice.id, PayDevice.secret, User, Account.balance, Account.held)
        .join(User, User.id == PayDevice.user_id)
        .join(Account, sa.and_(Account.owner_user_id == User.id, Account.kind == "resident"), isouter=True)
        .where(User.community_id == station.community_id, PayDevice.revoked_at.is_(None), User.active.is_(True))
        .order_by(User.id, PayDevice.id)
    ).all()
    residents: dict[int, dict[str, Any]] = {}
    for device_id, secret, user, balance, held in rows:
        entry = residents.setdefault(
            user.id,
            {
                "id": user.id,
                "name": user.masked_name,
                "allowance": share((balance or 0) - (held or 0), community.offline_allowance, stations_count),
                "devices": [],
            },
        )
        entry["devices"].append({"id": device_id, "keys": {d.isoformat(): keys.day_key(secret, d).hex() for d in days}})
    items = [
        {"id": i.id, "name": i.name, "points": i.points, "kind": i.kind, "stock": i.stock}
        for i in db.session.scalars(
            sa.select(Item).where(Item.station_id == station.id, Item.active.is_(True)).order_by(Item.id)
        )
    ]
    record = OfflineBundle(
        station_id=station.id,
        clerk_id=clerk.id,
        expires_at=expires,
        allowances={str(r["id"]): r["allowance"] for r in residents.values()},
        prices={str(i["id"]): i["points"] for i in items},
    )
    db.session.add(record)
    db.session.flush()
    body = {
        "version": 1,
        "bundle_id": record.id,
        "station": {"id": station.id, "name": station.name},
        "issued_at": now.isoformat(),
        "expires_at": expires.isoformat(),
        "step_seconds": keys.STEP_SECONDS,
        "digits": keys.DIGITS,
        "items": items,
        "residents": list(residents.values()),
    }
    return {"body": body, "signature": keys.sign(body), "public_key": keys.public_key_b64()}


@dataclass
class SyncResult:
    key: str
    outcome: str  # posted | short | refused
    points: int
    posted: int
    reason: str | None
    redemption_id: int | None


def _hash(record: dict[str, Any]) -> str:
    raw = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def _result(c: OfflineConfirmation) -> SyncResult:
    return SyncResult(c.idempotency_key, c.outcome, c.points, c.posted, c.reason, c.redemption_id)


def _bundle(station: Station, bundle_id: int) -> OfflineBundle:
    # Locked: two syncs of one counter at once are held to one allowance.
    bundle = db.session.get(OfflineBundle, bundle_id, with_for_update=True)
    if bundle is None or bundle.station_id != station.id:
        raise NotFound("bundle_not_found", _l("This offline download does not belong to this station."))
    return bundle


def _spent_offline(bundle: OfflineBundle, resident_id: int) -> int:
    """Points this resident spent offline at this station under any download of the same day (no double shares)."""
    since = bundle.created_at - timedelta(hours=BUNDLE_HOURS)
    return int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(OfflineConfirmation.points), 0))
            .join(OfflineBundle, OfflineBundle.id == OfflineConfirmation.bundle_id)
            .where(
                OfflineConfirmation.station_id == bundle.station_id,
                OfflineConfirmation.resident_id == resident_id,
                OfflineConfirmation.outcome != "refused",
                OfflineBundle.created_at > since,
            )
        )
    )


def _priced(bundle: OfflineBundle, station: Station, lines: list[tuple[int, int]]) -> list[tuple[Item, int, int]]:
    prices = bundle.prices or {}
    found = {i.id: i for i in db.session.scalars(sa.select(Item).where(Item.id.in_([i for i, _ in lines])))}
    priced = []
    for item_id, qty in lines:
        item = found.get(item_id)
        if item is None or item.station_id != station.id or str(item_id) not in prices or not 0 < qty <= 99:
            raise Invalid("invalid_lines", _l("An item of this confirmation is not in the station's offline list."))
        priced.append((item, qty, int(prices[str(item_id)])))
    return priced


def _post(clerk: User, station: Station, resident: User, conf: OfflineConfirmation, priced: list) -> None:
    """Post a confirmation as far as the resident's balance allows; record any shortfall on it."""
    available = stations.available_points(resident)
    amount = min(conf.points, max(available, 0))
    memo = "离线兑换：" + "、".join(f"{item.name} ×{qty}" for item, qty, _ in priced)
    redemption = Redemption(
        station_id=station.id,
        resident_id=resident.id,
        clerk_id=clerk.id,
        total=amount,
        status="done",
        idempotency_key=f"offline:{conf.idempotency_key}",
        request_hash=conf.request_hash,
        lines=[RedemptionLine(item_id=i.id, item_name=i.name, qty=q, unit_points=p) for i, q, p in priced],
    )
    db.session.add(redemption)
    db.session.flush()
    goods = [(item, -min(qty, item.stock)) for item, qty, _ in priced if item.tracks_stock and item.stock > 0]
    if goods:
        stations.move_stocks(goods, "redemption", actor_id=clerk.id, redemption_id=redemption.id, note="offline")
    if amount > 0:
        transfer = ledger.spend(
            resident,
            station.id,
            amount,
            key=f"offline:{conf.idempotency_key}",
            actor_id=clerk.id,
            memo=memo[:200],
            subject=("redemption", redemption.id),
        )
        redemption.transfer_id = transfer.id
    redemption.balance_after = stations.available_points(resident)
    conf.posted = amount
    conf.redemption_id = redemption.id
    conf.outcome = "posted" if amount == conf.points else "short"
    conf.reason = None if amount == conf.points else "insufficient_points"


def sync_one(clerk: User, station: Station, bundle_id: int, record: dict[str, Any]) -> SyncResult:
    """One offline confirmation, idempotent by its key: verified, held to the allowance, posted through the ledger."""
    key = record["key"]
    request_hash = _hash({k: record[k] for k in ("device_id", "step", "otp", "lines")} | {"bundle": bundle_id})
    existing = db.session.scalar(sa.select(OfflineConfirmation).where(OfflineConfirmation.idempotency_key == key))
    if existing is not None:
        if existing.request_hash != request_hash or existing.station_id != station.id:
            raise Conflict("idempotency_conflict", _l("This request key was already used for a different request."))
        return _result(existing)
    bundle = _bundle(station, bundle_id)
    lines = [(int(i), int(q)) for i, q in record["lines"]]
    priced = _priced(bundle, station, lines)
    conf = OfflineConfirmation(
        idempotency_key=key,
        request_hash=request_hash,
        bundle_id=bundle.id,
        station_id=station.id,
        device_id=None,
        step=record["step"],
        confirmed_at=record["confirmed_at"],
        points=sum(q * p for _, q, p in priced),
        outcome="refused",
    )
    db.session.add(conf)
    db.session.flush()
    try:
        with db.session.begin_nested():
            _check_and_post(clerk, station, bundle, conf, record, priced)
    except DomainError as error:
        conf.outcome, conf.reason, conf.posted = "refused", error.code, 0
    db.session.flush()
    return _result(conf)


def _check_and_post(
    clerk: User, station: Station, bundle: OfflineBundle, conf: OfflineConfirmation, record: dict, priced: list
) -> None:
    step_time = datetime.fromtimestamp(record["step"] * keys.STEP_SECONDS, bundle.expires_at.tzinfo)
    window = timedelta(seconds=keys.STEP_SECONDS * keys.SKEW_STEPS)
    if not bundle.created_at - window <= step_time <= bundle.expires_at + window:
        raise Refused("expired", _l("This code was not made while the offline download was valid."))
    device, _ = devices.check_code(record["device_id"], record["otp"], record["step"], station_id=station.id)
    conf.device_id = device.id
    resident = db.session.get(User, device.user_id)
    conf.resident_id = resident.id
    if resident.community_id != station.community_id:
        raise Refused("wrong_station", _l("This resident's points are spent in another community."))
    allowance = int(bundle.allowances.get(str(resident.id), 0))
    if _spent_offline(bundle, resident.id) + conf.points > allowance:
        raise Refused("over_allowance", _l("More than this resident's offline allowance at this station."))
    _post(clerk, station, resident, conf, priced)


def waiting(community_id: int) -> list[dict[str, Any]]:
    """Per station: the latest download, the most it can still post, what synced short (points at risk)."""
    out = []
    for station in db.session.scalars(
        sa.select(Station).where(Station.community_id == community_id).order_by(Station.id)
    ):
        bundle = db.session.scalar(
            sa.select(OfflineBundle).where(OfflineBundle.station_id == station.id).order_by(OfflineBundle.id.desc())
        )
        synced = db.session.execute(
            sa.select(
                sa.func.count(),
                sa.func.coalesce(sa.func.sum(OfflineConfirmation.posted), 0),
                sa.func.coalesce(sa.func.sum(OfflineConfirmation.points - OfflineConfirmation.posted), 0),
                sa.func.max(OfflineConfirmation.created_at),
            ).where(OfflineConfirmation.station_id == station.id, OfflineConfirmation.outcome != "refused")
        ).one()
        exposure = 0
        if bundle is not None and bundle.expires_at > utcnow():
            exposure = sum(bundle.allowances.values())
            exposure -= _bundle_used(bundle.id)
        out.append(
            {
                "station": station,
                "bundle_at": bundle.created_at if bundle else None,
                "bundle_expires_at": bundle.expires_at if bundle else None,
                "exposure": max(exposure, 0),
                "synced": synced[0],
                "posted": int(synced[1]),
                "at_risk": int(synced[2]),
                "last_sync_at": synced[3],
            }
        )
    return out


def _bundle_used(bundle_id: int) -> int:
    return int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(OfflineConfirmation.points), 0)).where(
                OfflineConfirmation.bundle_id == bundle_id, OfflineConfirmation.outcome != "refused"
            )
        )
    )


def shortfalls(community_id: int, limit: int = 50) -> list[OfflineConfirmation]:
    """Offline confirmations that synced short: the coordinator's signal, with the amount at risk."""
    return list(
        db.session.scalars(
            sa.select(OfflineConfirmation)
            .join(Station, Station.id == OfflineConfirmation.station_id)
            .where(Station.community_id == community_id, OfflineConfirmation.outcome == "short")
            .order_by(OfflineConfirmation.id.desc())
            .limit(limit)
        )
    )


def overview(actor: User, community_id: int) -> list[dict[str, Any]]:
    """The coordinator's view of a community's offline counters (404 outside their communities)."""
    if not (actor.is_admin or community_id in actor.coordinated_community_ids()):
        raise NotFound("community_not_found")
    return waiting(community_id)
