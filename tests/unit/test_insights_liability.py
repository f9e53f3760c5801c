"""The liability view against the ledger: points outstanding, stock value, monthly issued vs redeemed, expiring points.

Every figure is checked two ways: against the accounts' cached balances and holds, and against the entries
summed here in Python (kinds and months worked out row by row), on the demo data and on a generated dataset.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from pointsbank.db import run_in_unit, utcnow
from pointsbank.errors import DomainError
from pointsbank.extensions import db
from pointsbank.insights import liability
from pointsbank.ledger import expiry
from pointsbank.ledger import service as ledger
from pointsbank.ledger.models import Account, Entry, Hold, Transfer
from pointsbank.people.models import Community
from tests.factories.ledger import new_key, set_ledger_clock
from tests.web.test_ledger_statement_counts import counted

LOCAL = expiry.LOCAL


# ---------------------------------------------------------------- the ledger, summed here


def expected_figures(community_ids: list[int], now: datetime) -> dict[int, dict]:
    """Each community's figures worked out row by row from accounts, entries, transfers and holds."""
    db.session.rollback()
    accounts = {a.id: a for a in db.session.scalars(sa.select(Account).where(Account.kind == "resident"))}
    transfers = {t.id: t for t in db.session.scalars(sa.select(Transfer))}
    months = [label for label, _s, _e in liability.months_back(liability.MONTHS, now)]
    out = {
        c: {
            "balance": 0,
            "held": 0,
            "entries": 0,
            "pending_holds": 0,
            "issued": dict.fromkeys(months, 0),
            "redeemed": dict.fromkeys(months, 0),
            "expiring": 0,
        }
        for c in community_ids
    }
    for account in accounts.values():
        if account.community_id in out:
            out[account.community_id]["balance"] += account.balance
            out[account.community_id]["held"] += account.held
    for entry in db.session.scalars(sa.select(Entry)):
        account = accounts.get(entry.account_id)
        if account is None or account.community_id not in out:
            continue
        row = out[account.community_id]
        row["entries"] += entry.amount
        transfer = transfers[entry.transfer_id]
        kind = transfers[transfer.reverses_id].kind if transfer.reverses_id else transfer.kind
        month = transfer.created_at.astimezone(LOCAL).strftime("%Y-%m")
        if month in row["issued"] and kind in ("award", "fund_award"):
            row["issued"][month] += entry.amount
        if month in row["redeemed"] and kind == "spend":
            row["redeemed"][month] -= entry.amount
    for h in db.session.scalars(sa.select(Hold).where(Hold.status == "pending")):
        account = accounts.get(h.account_id)
        if account is not None and account.community_id in out:
            out[account.community_id]["pending_holds"] += h.amount
    for community_id in community_ids:
        policy = db.session.get(Community, community_id).expiry_policy
        clearing = expiry.next_clearing(policy, now)
        for account in accounts.values():
            if account.community_id != community_id or clearing is None:
                continue
            soon = expiry.expiring_soon(account, now)
            if soon.date == (clearing.astimezone(LOCAL) - timedelta(seconds=1)).date():
                out[community_id]["expiring"] += soon.points
    return out


def assert_matches_ledger(data: dict, now: datetime) -> None:
    """Every community row of a liability answer equals the ledger summed here; the total row adds them up."""
    ids = [row["community_id"] for row in data["communities"]]
    expected = expected_figures(ids, now)
    for row in data["communities"]:
        want = expected[row["community_id"]]
        assert row["outstanding"] == want["balance"] == want["entries"], row["name"]
        assert row["held"] == want["held"] == want["pending_holds"], row["name"]
        assert row["available"] == want["balance"] - want["held"]
        assert {m["month"]: m["issued"] for m in row["monthly"]} == want["issued"], row["name"]
        assert {m["month"]: m["redeemed"] for m in row["monthly"]} == want["redeemed"], row["name"]
        assert row["expiring_points"] == want["expiring"], row["name"]
    total = data["total"]
    for key in ("outstanding", "held", "available", "stock_points", "stock_value_fen", "expiring_points"):
        assert total[key] == sum(row[key] for row in data["communities"]), key
    for n, month in enumerate(total["monthly"]):
        assert month["issued"] == sum(row["monthly"][n]["issued"] for row in data["communities"])
        assert month["redeemed"] == sum(row["monthly"][n]["redeemed"] for row in data["communities"])


# ---------------------------------------------------------------- a generated dataset


def generated_dataset(
    monkeypatch, make_community, make_user, ledger_station, *, seed: int = 12, steps: int = 160, days: int = 480
):
    """Two communities of one street (rolling 12 months and year-end expiry), over `days` days ending ten days ago
    (16 months by default): awards, fund grants, donations, gifts between neighbours, redemptions, refunds, reversed
    awards, holds posted, voided and left pending, and one expiry run."""
    rnd = random.Random(seed)
    a, b = make_community(), make_community()
    assert a.street_id == b.street_id

    def policies():
        db.session.get(Community, a.id).expiry_policy = "rolling_12_months"
        db.session.get(Community, b.id).expiry_policy = "year_end"

    run_in_unit(policies)
    world = {}
    for community in (a, b):
        world[community.id] = SimpleNamespace(
            residents=[make_user(community=community) for _ in range(4)],
            coordinator=make_user("coordinator", community=community),
            station=ledger_station(community),
            holds=[],
        )
    start = utcnow() - timedelta(days=days + 10)
    clock = [start]
    step = timedelta(days=days) / steps
    set_ledger_clock(monkeypatch, lambda: clock[0])
    spends, awards = [], []

    def available(user) -> int:
        account = ledger.find_resident_account(user)
        return ledger.balance(account).available if account else 0

    for i in range(steps):
        clock[0] = start + step * i + timedelta(minutes=rnd.randint(0, 30))
        w = world[rnd.choice((a.id, b.id))]
        r = rnd.choice(w.residents)
        what = rnd.random()

        def act():
            if what < 0.35:
                awards.append(ledger.award(r, rnd.randint(5, 60), key=new_key("a"), actor_id=None, memo="志愿").id)
            elif what < 0.5 and available(r) > 1:
                t = ledger.spend(
                    r, w.station.id, rnd.randint(1, available(r)), key=new_key("s"), actor_id=None, memo="兑"
                )
                spends.append(t.id)
            elif what < 0.57 and spends:
                original = db.session.get(Transfer, spends.pop(rnd.randrange(len(spends))))
                ledger.reverse(original, key=new_key("refund"), actor_id=None, reason="退货")
            elif what < 0.62 and awards:
                original = db.session.get(Transfer, awards.pop(rnd.randrange(len(awards))))
                ledger.reverse(original, key=new_key("undo-award"), actor_id=None, reason="误发")
            elif what < 0.72 and available(r) > 1:
                h = ledger.hold(
                    ledger.find_resident_account(r),
                    rnd.randint(1, available(r)),
                    key=new_key("h"),
                    expires_at=clock[0] + timedelta(days=2),
                    memo="预约",
                )
                w.holds.append(h.id)
            elif what < 0.8 and w.holds:
                h = db.session.get(Hold, w.holds.pop(rnd.randrange(len(w.holds))))
                if rnd.random() < 0.6:
                    to = ledger.station_account(w.station.id, w.station.community_id)
                    ledger.post_hold(h, to, key=new_key("p"), actor_id=None)
                else:
                    ledger.void_hold(h, reason="取消")
            elif what < 0.86 and available(r) > 1:
                ledger.donate(r, rnd.randint(1, available(r) // 2 + 1), key=new_key("d"))
            elif what < 0.9:
                fund = ledger.community_account(w.station.community_id, "fund")
                if fund.balance > 0:
                    ledger.fund_award(
                        r, rnd.randint(1, fund.balance), key=new_key("f"), actor=w.coordinator, memo="爱心基金"
                    )
            elif available(r) > 1:
                other = rnd.choice([x for x in w.residents if x.id != r.id])
                legs = [(ledger.find_resident_account(r), -1), (ledger.resident_account(other), 1)]
                ledger.post("transfer", legs, key=new_key("gift"), actor_id=None, memo="转赠")
            if i == steps * 2 // 3:
                expiry.expire_points(clock[0])  # the expiry job ran once, late in the period

        try:
            run_in_unit(act)
        except DomainError:
            db.session.rollback()
    monkeypatch.undo()
    db.session.rollback()
    return a, b


@pytest.mark.parametrize("seed", [12, 3, 2026])
def test_generated_dataset_matches_the_ledger(app, monkeypatch, make_community, make_user, ledger_station, seed):
    a, b = generated_dataset(monkeypatch, make_community, make_user, ledger_station, seed=seed)
    now = utcnow()
    data = liability.liability([db.session.get(Community, a.id), db.session.get(Community, b.id)], now)
    assert [row["community_id"] for row in data["communities"]] == sorted([a.id, b.id])
    assert_matches_ledger(data, now)
    rows = {row["community_id"]: row for row in data["communities"]}
    # The dataset is meant to exercise every figure: something outstanding, on hold, issued, redeemed, expiring.
    assert all(rows[c]["outstanding"] > 0 for c in rows)
    assert sum(rows[c]["held"] for c in rows) > 0
    assert sum(m["redeemed"] for c in rows for m in rows[c]["monthly"]) > 0
    assert rows[b.id]["expiring_points"] > 0  # year-end: this year's unspent lots
    assert (
        rows[a.id]["expiring_on"]
        == (expiry.next_clearing("rolling_12_months", now).astimezone(LOCAL) - timedelta(seconds=1)).date()
    )
    assert rows[b.id]["expiring_on"].month == 12 and rows[b.id]["expiring_on"].day == 31
    days = {rows[a.id]["expiring_on"], rows[b.id]["expiring_on"]}
    assert data["total"]["expiring_on"] == (days.pop() if len(days) == 1 else None)  # in December both clear


def test_demo_data_matches_the_ledger(app):
    from pointsbank.people.models import Street
    from pointsbank.seed import seed_all

    run_in_unit(seed_all)
    now = utcnow()
    for street in db.session.scalars(sa.select(Street).order_by(Street.id)):
        data = liability.liability(list(street.communities), now)
        assert len(data["communities"]) >= 3
        assert_matches_ledger(data, now)
    core = db.session.scalar(sa.select(Community).where(Community.name == "梨园社区"))
    row = liability.liability([core], now)["communities"][0]
    assert row["outstanding"] > 0 and row["stock_points"] > 0 and row["stock_value_fen"] > 0
    assert row["items_without_value"] == 0  # every demo item of the first community has a reference value
    assert row["cover_ratio"] == round(row["stock_points"] / row["outstanding"], 3)


# ---------------------------------------------------------------- stock


def test_stock_value_with_and_without_reference_values(app, make_community, make_station, make_item):
    community = make_community()
    station = make_station(community)
    make_item(station, "大米 10kg", 400, stock=3, reference_value_fen=5000)
    make_item(station, "食用油 5L", 150, stock=2, reference_value_fen=6550)
    make_item(station, "爱心书包", 60, stock=4)  # no reference value: counts 0 yuan, and is counted as missing
    make_item(station, "理发服务", 50, stock=0, kind="service", reference_value_fen=2000)  # a service has no stock
    make_item(station, "旧款雨伞", 30, stock=5, reference_value_fen=1000, active=False)  # not offered
    closed = make_station(community, active=False)
    make_item(closed, "挂面 2kg", 40, stock=9, reference_value_fen=1280)  # at a closed station
    make_item(make_station(make_community()), "鸡蛋", 80, stock=7, reference_value_fen=2400)  # another community
    row = liability.stock_by_community([community.id])[community.id]
    assert row == {
        "stock_points": 3 * 400 + 2 * 150 + 4 * 60,
        "stock_value_fen": 3 * 5000 + 2 * 6550,
        "items_in_stock": 3,
        "items_without_value": 1,
    }
    assert liability.yuan(row["stock_value_fen"]) == "281.00"
    empty = make_community().id
    assert liability.stock_by_community([empty])[empty] == dict.fromkeys(row, 0)


def test_cover_ratio_and_money():
    assert liability.cover_ratio(500, 0) is None
    assert liability.cover_ratio(150, 100) == 1.5
    assert liability.cover_ratio(0, 7) == 0.0
    assert liability.yuan(None) == "—"
    assert liability.yuan(123456789) == "1,234,567.89"
    assert liability.yuan(5) == "0.05"


def test_nothing_outstanding_and_never_expiring(app, make_community):
    community = make_community()
    row = liability.liability([community])["communities"][0]
    assert row["outstanding"] == row["held"] == row["stock_points"] == 0
    assert row["cover_ratio"] is None
    assert row["expiry_policy"] == "none" and row["expiring_points"] == 0 and row["expiring_on"] is None
    assert [m["month"] for m in row["monthly"]] == liability.liability([community])["months"]
    assert len(row["monthly"]) == 12


# ---------------------------------------------------------------- months and clearings


def test_months_are_local_calendar_months():
    # 2026-01-31 16:30 UTC is already 1 February in Shanghai.
    months = liability.months_back(12, datetime(2026, 1, 31, 16, 30, tzinfo=UTC))
    assert [m[0] for m in months][-2:] == ["2026-01", "2026-02"] and months[0][0] == "2025-03"
    assert months[-1][1] == datetime(2026, 1, 31, 16, 0, tzinfo=UTC)
    assert months[-1][2] == datetime(2026, 2, 28, 16, 0, tzinfo=UTC)
    assert all(earlier[2] == later[1] for earlier, later in zip(months, months[1:]))


@pytest.mark.parametrize("policy", ["rolling_12_months", "year_end"])
def test_clearing_cut_offs_agree_with_lot_expiry(policy):
    rnd = random.Random(policy)
    base = datetime(2024, 1, 1, tzinfo=UTC)
    for _ in range(400):
        earned = base + timedelta(minutes=rnd.randint(0, 3 * 365 * 24 * 60))
        at = base + timedelta(minutes=rnd.randint(0, 4 * 365 * 24 * 60))
        assert (expiry.lot_expiry(earned, policy) <= at) == (earned < expiry.earned_before(policy, at))
        clearing = expiry.next_clearing(policy, at)
        assert clearing > at
        # Nothing expires strictly between now and the next clearing.
        assert not at < expiry.lot_expiry(earned, policy) < clearing
    assert expiry.next_clearing("none") is None


def test_expiring_points_at_the_next_clearing(app, monkeypatch, make_community, make_user):
    community = make_community()
    run_in_unit(lambda: setattr(db.session.get(Community, community.id), "expiry_policy", "rolling_12_months"))
    resident = make_user(community=community)
    now = datetime(2026, 6, 15, 4, 0, tzinfo=UTC)
    for when, points in ((datetime(2025, 5, 20, tzinfo=UTC), 7), (datetime(2025, 6, 10, tzinfo=UTC), 30)):
        set_ledger_clock(monkeypatch, lambda when=when: when)
        run_in_unit(lambda points=points: ledger.award(resident, points, key=new_key("a"), actor_id=None, memo="m"))
    # May 2025's 7 points are overdue (the expiry job takes them); June 2025's 30 expire at the end of June 2026.
    row = liability.liability([db.session.get(Community, community.id)], now)["communities"][0]
    assert row["expiring_points"] == 30
    assert row["expiring_on"].isoformat() == "2026-06-30"
    assert expiry.expiring_soon(ledger.find_resident_account(resident), now).points == 30


# ---------------------------------------------------------------- statements


def test_statements_do_not_grow_with_residents(app, make_community, make_user, award_points, ledger_station):
    a, b = make_community(), make_community()
    run_in_unit(lambda: setattr(db.session.get(Community, b.id), "expiry_policy", "year_end"))
    run_in_unit(lambda: setattr(db.session.get(Community, a.id), "expiry_policy", "rolling_12_months"))

    def populate(count: int) -> None:
        for community in (a, b):
            station = ledger_station(community)
            for n in range(count):
                resident = make_user(community=community)
                award_points(resident, 20 + n)
                run_in_unit(
                    lambda r=resident: ledger.spend(r, station.id, 5, key=new_key("s"), actor_id=None, memo="m")
                )

    def statements() -> list[str]:
        communities = [db.session.get(Community, a.id), db.session.get(Community, b.id)]
        with counted(fresh=False) as seen:
            liability.liability(communities)
        return [q for q in seen if q != "BEGIN"]  # SQLite's BEGIN of the read transaction

    populate(2)
    few = statements()
    populate(25)
    many = statements()
    # Outstanding, stock, months, and one expiry query per policy in use (two here).
    assert len(many) == len(few) <= 5, many
