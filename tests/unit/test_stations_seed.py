"""The stations demo seed is realistic and idempotent, and its books add up."""

from __future__ import annotations

import sqlalchemy as sa

from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.stations import seed as stations_seed
from pointsbank.stations.models import Item, Proxy, Redemption, StockMovement
from pointsbank.stations.service import stock_mismatches


def counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (Item, StockMovement, Redemption, Proxy)
    )


def test_seed_twice_creates_nothing_twice(app):
    from pointsbank.seed import seed_core

    run_in_unit(lambda: stations_seed.seed_demo(seed_core()))
    first = counts()
    assert first[0] == 11 and first[2] == 3 and first[3] == 1
    run_in_unit(lambda: stations_seed.seed_demo(seed_core()))
    assert counts() == first
    assert stock_mismatches() == []
    proxied = db.session.scalars(sa.select(Redemption).where(Redemption.proxy_id.is_not(None))).all()
    assert len(proxied) == 1
    donated = db.session.scalar(
        sa.select(sa.func.count()).select_from(StockMovement).where(StockMovement.reason == "donation")
    )
    assert donated == 2
