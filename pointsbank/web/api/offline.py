"""API: enrolling phones for offline pay codes, the offline counter's signed download and its sync."""

from __future__ import annotations

from flask_login import current_user

from pointsbank.db import unit_of_work
from pointsbank.errors import DomainError
from pointsbank.offline import counter, devices, keys
from pointsbank.offline import schemas as s
from pointsbank.stations import service as stations
from pointsbank.web.api.base import SECURITY, ApiBlueprint, ErrorSchema, api_auth

blp = ApiBlueprint("api_offline", __name__, url_prefix="/api/v1", description="Offline pay codes and counters")


@blp.get("/devices")
@blp.response(200, s.DeviceListSchema)
@blp.doc(security=SECURITY)
@api_auth
def list_devices():
    """My phones enrolled for offline pay codes."""
    return {"items": devices.devices_of(current_user)}


@blp.post("/devices")
@blp.arguments(s.DeviceSchema)
@blp.response(201, s.EnrolledDeviceSchema)
@blp.alt_response(422, schema=ErrorSchema)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def enrol_device(data):
    """Enrol this phone: the answer carries the device secret once; keep it on the phone."""
    device = devices.enrol(current_user, data["label"])
    device.step_seconds, device.digits = keys.STEP_SECONDS, keys.DIGITS
    return device


@blp.delete("/devices/<int(max=2147483647):device_id>")
@blp.response(200, s.DeviceSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def revoke_device(device_id: int):
    """Revoke a phone (mine, or as coordinator a resident's): its codes are refused from now on."""
    return devices.revoke(current_user, devices.device_for(current_user, device_id))


@blp.get("/offline/public-key")
@blp.response(200, s.PublicKeySchema)
def public_key():
    """The key that verifies offline downloads (no login needed)."""
    return {"public_key": keys.public_key_b64(), "algorithm": "ECDSA P-256 SHA-256"}


@blp.post("/stations/<int(max=2147483647):station_id>/offline-bundles")
@blp.response(201, s.BundleSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=SECURITY)
@api_auth
@unit_of_work
def download_bundle(station_id: int):
    """What the counter needs to work offline today, signed: items, prices, allowances, day keys."""
    return counter.build_bundle(current_user, stations.station_for_staff(current_user, station_id))


@blp.post("/stations/<int(max=2147483647):station_id>/offline-sync")
@blp.arguments(s.SyncArgsSchema)
@blp.response(200, s.SyncAnswerSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=SECURITY)
@api_auth
def sync(data, station_id: int):
    """Post what the counter confirmed offline, in order; each confirmation once by its key."""
    station = stations.station_for_staff(current_user, station_id)
    results = []
    for record in data["confirmations"]:
        record = {**record, "lines": [[line["item_id"], line["qty"]] for line in record["lines"]]}
        try:
            result = unit_of_work(lambda r=record: counter.sync_one(current_user, station, data["bundle_id"], r))()
            results.append(result.__dict__)
        except DomainError as error:
            if error.code != "idempotency_conflict":
                raise
            results.append({"key": record["key"], "outcome": "refused", "points": 0, "posted": 0, "reason": error.code})
    return {"results": results}


@blp.get("/communities/<int(max=2147483647):community_id>/offline")
@blp.response(200, s.OfflineOverviewSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=SECURITY)
@api_auth
def overview(community_id: int):
    """Per station, for coordinators: the latest download, what it may still post, what synced short."""
    return {"stations": counter.overview(current_user, community_id)}
