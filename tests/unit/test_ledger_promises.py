"""Promises 7 and 10, and the hot path: all-or-nothing operations, who/why/when on every transfer."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from pointsbank.db import run_in_unit, utcnow
from pointsbank.errors import Invalid, Refused
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.ledger.models import Transfer
from tests.factories.ledger import ledger_totals


def count(model) -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_multi_leg_transfer_is_all_or_nothing(app, make_user, award_points, ledger_station):
    resident = make_user()
    other = make_user(community=resident.community)
    station = ledger_station(resident.community)
    award_points(resident, 50)
    award_points(other, 5)
    a, b = ledger.find_resident_account(resident), ledger.find_resident_account(other)
    to = run_in_unit(lambda: ledger.station_account(station.id, station.community_id))
    before = count(Transfer)
    # a team redemption: the first leg could move, the second cannot; nothing moves
    with pytest.raises(Refused):
        run_in_unit(
            lambda: ledger.post("spend", [(a, -30), (b, -10), (to, 40)], key="team", actor_id=None, memo="兑换：团队")
        )
    assert count(Transfer) == before
    assert (ledger.balance(a).balance, ledger.balance(b).balance, ledger.balance(to).balance) == (50, 5, 0)
    assert ledger_totals() == (0, {}, [])


def test_unit_of_work_with_several_movements_is_all_or_nothing(app, make_user, award_points, ledger_station):
    resident = make_user()
    station = ledger_station(resident.community)
    award_points(resident, 20)
    before = count(Transfer)

    def redeem_three_items():
        for n, points in enumerate((5, 10, 15)):  # the third item is one too many
            ledger.spend(resident, station.id, points, key=f"basket:{n}", actor_id=None, memo=f"兑换：物品{n}")

    with pytest.raises(Refused):
        run_in_unit(redeem_three_items)
    assert count(Transfer) == before
    assert ledger.balance(ledger.find_resident_account(resident)).balance == 20

    # a caller that catches the refusal inside its unit keeps the earlier steps and nothing of the refused one
    def catch_and_continue():
        ledger.spend(resident, station.id, 5, key="c:1", actor_id=None, memo="兑换")
        with pytest.raises(Refused):
            ledger.post(
                "spend",
                [(ledger.resident_account(resident), -16), (ledger.station_account(station.id), 16)],
                key="c:2",
                actor_id=None,
                memo="兑换",
            )

    run_in_unit(catch_and_continue)
    assert ledger.balance(ledger.find_resident_account(resident)).balance == 15
    assert ledger_totals() == (0, {}, [])


def test_every_transfer_records_who_why_and_server_time(app, make_user):
    resident = make_user()
    coordinator = make_user("coordinator", community=resident.community)
    started = utcnow()
    t = run_in_unit(
        lambda: ledger.award(
            resident,
            8,
            key="w",
            actor_id=coordinator.id,
            memo="志愿活动：楼道清扫 2 小时",
            subject=("activity", 41),
            rule_version_id=7,
        )
    )
    db.session.rollback()
    stored = db.session.get(Transfer, t.id)
    assert (stored.actor_id, stored.subject_type, stored.subject_id, stored.rule_version_id, stored.memo) == (
        coordinator.id,
        "activity",
        41,
        7,
        "志愿活动：楼道清扫 2 小时",
    )
    created = stored.created_at if stored.created_at.tzinfo else stored.created_at.replace(tzinfo=started.tzinfo)
    assert started - timedelta(seconds=1) <= created <= utcnow() + timedelta(seconds=1)
    with pytest.raises(TypeError):  # the caller cannot choose the time
        ledger.award(resident, 1, key="x", actor_id=None, memo="x", created_at=started)


def test_bad_keys_are_invalid(app, make_user):
    resident = make_user()
    for key in ("", "   ", None, "k" * 201):
        with pytest.raises(Invalid):
            run_in_unit(lambda key=key: ledger.award(resident, 1, key=key, actor_id=None, memo="x"))
    assert count(Transfer) == 0


def test_balance_page_statement_count_does_not_grow_with_lines(client, login, make_user, award_points):
    resident = make_user()
    login(resident)
    counts = []
    for lines in (2, 20):
        while count(Transfer) < lines:
            award_points(resident, 1)
        hits = []

        def hit(*_a, hits=hits):
            hits.append(1)

        sa.event.listen(db.engine, "before_cursor_execute", hit)
        try:
            assert client.get("/ledger/").status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", hit)
        counts.append(len(hits))
    assert counts[0] == counts[1] and counts[0] <= 10, counts
