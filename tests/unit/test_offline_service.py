"""Offline pay codes and the offline counter, without HTTP: steps used once, skew, revocation, signed bundles,
idempotent sync, and the allowance that bounds what two offline stations can hand over."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from pointsbank.db import run_in_unit, utcnow
from pointsbank.errors import DomainError
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.ledger.seal import verify as verify_ledger
from pointsbank.offline import counter, devices, keys
from pointsbank.stations import service as stations
from pointsbank.stations.models import Redemption


def available(user) -> int:
    return ledger.balance(ledger.find_resident_account(user)).available


def refusal(fn) -> DomainError:
    with pytest.raises(DomainError) as info:
        run_in_unit(fn)
    return info.value


def _code(device, moment=None):
    step = keys.step_of(moment or utcnow())
    return step, keys.device_code(device.secret, step)


def _record(device, step, otp, lines, key):
    return {"key": key, "device_id": device.id, "step": step, "otp": otp, "lines": lines, "confirmed_at": utcnow()}


def test_an_offline_code_is_accepted_online_once(app, counter_setup):
    s = counter_setup(points=500)
    device = run_in_unit(lambda: devices.enrol(s.resident, "我的手机"))
    step, otp = _code(device)
    text = keys.payload(device.id, otp)
    info = run_in_unit(lambda: stations.look_up(s.clerk, s.station, text))
    assert info.kind == "pay" and info.resident.id == s.resident.id
    redemption = run_in_unit(lambda: stations.redeem(s.clerk, s.station, info.code, [(s.haircut.id, 1)]))
    assert redemption.total == 50 and available(s.resident) == 450
    assert refusal(lambda: stations.look_up(s.clerk, s.station, text)).code == "already_used"


def test_skew_window_and_an_old_code(app, counter_setup):
    s = counter_setup()
    device = run_in_unit(lambda: devices.enrol(s.resident))
    now = utcnow()
    _, near = _code(device, now - timedelta(seconds=keys.STEP_SECONDS * keys.SKEW_STEPS))
    assert run_in_unit(lambda: stations.look_up(s.clerk, s.station, keys.payload(device.id, near))).kind == "pay"
    _, old = _code(device, now - timedelta(seconds=keys.STEP_SECONDS * (keys.SKEW_STEPS + 2)))
    assert refusal(lambda: stations.look_up(s.clerk, s.station, keys.payload(device.id, old))).code == "expired"


def test_a_revoked_device_is_refused_online_and_at_sync(app, counter_setup):
    s = counter_setup()
    device = run_in_unit(lambda: devices.enrol(s.resident))
    bundle = run_in_unit(lambda: counter.build_bundle(s.clerk, s.station))
    run_in_unit(lambda: devices.revoke(s.resident, db.session.get(type(device), device.id)))
    step, otp = _code(device, utcnow() + timedelta(seconds=keys.STEP_SECONDS))
    assert refusal(lambda: stations.look_up(s.clerk, s.station, keys.payload(device.id, otp))).code in (
        "revoked",
        "expired",
    )
    result = run_in_unit(
        lambda: counter.sync_one(
            s.clerk, s.station, bundle["body"]["bundle_id"], _record(device, step, otp, [[s.haircut.id, 1]], "k1")
        )
    )
    assert result.outcome == "refused" and result.reason == "revoked"
    assert available(s.resident) == 500


def test_the_bundle_is_signed_and_holds_no_device_secret(app, counter_setup):
    s = counter_setup()
    device = run_in_unit(lambda: devices.enrol(s.resident))
    bundle = run_in_unit(lambda: counter.build_bundle(s.clerk, s.station))
    body = bundle["body"]
    assert keys.verify(body, bundle["signature"])
    assert device.secret not in str(body)
    forged = {**body, "residents": [{**body["residents"][0], "allowance": 10_000}]}
    assert not keys.verify(forged, bundle["signature"])
    assert not keys.verify(body, "A" * 88)
    resident = body["residents"][0]
    assert resident["name"] != s.resident.name and resident["allowance"] == 100  # the community's daily allowance
    day_keys = resident["devices"][0]["keys"]
    step = keys.step_of(utcnow())
    day = keys.day_of_step(step).isoformat()
    assert keys.code_at(bytes.fromhex(day_keys[day]), step) == keys.device_code(device.secret, step)


def test_sync_posts_once_and_a_retry_posts_nothing(app, counter_setup):
    s = counter_setup(points=500)
    device = run_in_unit(lambda: devices.enrol(s.resident))
    bundle_id = run_in_unit(lambda: counter.build_bundle(s.clerk, s.station))["body"]["bundle_id"]
    step, otp = _code(device)
    record = _record(device, step, otp, [[s.haircut.id, 1]], "queue:1")
    first = run_in_unit(lambda: counter.sync_one(s.clerk, s.station, bundle_id, record))
    again = run_in_unit(lambda: counter.sync_one(s.clerk, s.station, bundle_id, record))
    assert first.outcome == again.outcome == "posted" and first.redemption_id == again.redemption_id
    assert available(s.resident) == 450
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Redemption)) == 1
    other = {**record, "lines": [[s.haircut.id, 2]]}
    assert refusal(lambda: counter.sync_one(s.clerk, s.station, bundle_id, other)).code == "idempotency_conflict"
    assert verify_ledger().ok


def test_two_offline_stations_never_exceed_the_allowance(app, counter_setup, make_station, make_item, make_user):
    s = counter_setup(points=500)
    second = make_station(s.community)
    cut2 = make_item(second, "理发服务", 50, stock=0, kind="service")
    device = run_in_unit(lambda: devices.enrol(s.resident))
    first_bundle = run_in_unit(lambda: counter.build_bundle(s.clerk, s.station))
    clerk2 = make_user("clerk", station=second)
    second_bundle = run_in_unit(lambda: counter.build_bundle(clerk2, second))
    shares = [b["body"]["residents"][0]["allowance"] for b in (first_bundle, second_bundle)]
    assert shares == [50, 50]  # 100 a day, split over the community's two stations
    step, otp = _code(device)
    # The same code at both offline stations: the second is refused at sync (the step is used).
    one = run_in_unit(
        lambda: counter.sync_one(
            s.clerk, s.station, first_bundle["body"]["bundle_id"], _record(device, step, otp, [[s.haircut.id, 1]], "a")
        )
    )
    two = run_in_unit(
        lambda: counter.sync_one(
            clerk2,
            second,
            second_bundle["body"]["bundle_id"],
            _record(device, step, otp, [[cut2.id, 1]], "b"),
        )
    )
    assert (one.outcome, two.outcome, two.reason) == ("posted", "refused", "already_used")
    # Another code at the first station: over its share of 50, refused.
    step2, otp2 = _code(device, utcnow() + timedelta(seconds=keys.STEP_SECONDS))
    three = run_in_unit(
        lambda: counter.sync_one(
            s.clerk,
            s.station,
            first_bundle["body"]["bundle_id"],
            _record(device, step2, otp2, [[s.haircut.id, 1]], "c"),
        )
    )
    assert (three.outcome, three.reason) == ("refused", "over_allowance")
    assert available(s.resident) == 450


def test_balance_spent_online_meanwhile_posts_short_and_raises_a_signal(app, counter_setup, make_item):
    s = counter_setup(points=100)
    eggs = make_item(s.station, "鸡蛋一盒", 80, stock=0, kind="service")
    device = run_in_unit(lambda: devices.enrol(s.resident))
    bundle_id = run_in_unit(lambda: counter.build_bundle(s.clerk, s.station))["body"]["bundle_id"]
    # Online, after the counter went offline with a share of 100, the resident spends 50 elsewhere.
    code = run_in_unit(lambda: stations.issue_pay_code(s.resident))
    run_in_unit(lambda: stations.redeem(s.clerk, s.station, stations.pay_payload(code), [(s.haircut.id, 1)]))
    step, otp = _code(device)
    result = run_in_unit(
        lambda: counter.sync_one(s.clerk, s.station, bundle_id, _record(device, step, otp, [[eggs.id, 1]], "short"))
    )
    assert (result.outcome, result.points, result.posted) == ("short", 80, 50)
    assert available(s.resident) == 0
    signals = counter.shortfalls(s.community.id)
    assert [(c.points - c.posted) for c in signals] == [30]
    overview = counter.waiting(s.community.id)
    assert overview[0]["at_risk"] == 30 and overview[0]["posted"] == 50
    assert verify_ledger().ok


def test_a_code_from_outside_the_downloads_validity_is_refused_at_sync(app, counter_setup):
    s = counter_setup(points=500)
    device = run_in_unit(lambda: devices.enrol(s.resident))
    bundle = run_in_unit(lambda: counter.build_bundle(s.clerk, s.station))
    later = utcnow() + timedelta(hours=counter.BUNDLE_HOURS + 1)
    step, otp = _code(device, later)
    record = _record(device, step, otp, [[s.haircut.id, 1]], "late")
    result = run_in_unit(lambda: counter.sync_one(s.clerk, s.station, bundle["body"]["bundle_id"], record))
    assert (result.outcome, result.reason) == ("refused", "expired")
    expired = {**bundle["body"], "expires_at": later.isoformat()}
    assert not keys.verify(expired, bundle["signature"])  # a counter cannot stretch its download
    assert available(s.resident) == 500
