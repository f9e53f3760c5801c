"""Factory fixtures: stations."""

from __future__ import annotations

import itertools

import pytest

_names = itertools.count(1)
_keys = itertools.count(1)


@pytest.fixture
def make_station(make_community):
    """make_station(community=None, name=None) -> Station."""
    from pointsbank.db import run_in_unit
    from pointsbank.extensions import db
    from pointsbank.stations.models import Station

    def factory(community=None, name: str | None = None, **fields):
        community = community or make_community()

        def work():
            station = Station(
                community_id=community.id,
                name=name or f"测试幸福银行{next(_names)}",
                address="测试路1号",
                opening_hours="每天 9:00-17:00",
                **fields,
            )
            db.session.add(station)
            db.session.flush()
            return station

        return run_in_unit(work)

    return factory


@pytest.fixture
def make_item():
    """make_item(station, name="大米 5kg", points=200, stock=10, kind="goods", limit_qty=None, limit_period=None)."""
    from pointsbank.db import run_in_unit
    from pointsbank.extensions import db
    from pointsbank.stations.models import Item
    from pointsbank.stations.service import move_stock

    def factory(station, name: str = "大米 5kg", points: int = 200, stock: int = 10, kind: str = "goods", **fields):
        def work():
            item = Item(station_id=station.id, name=name, points=points, kind=kind, stock=0, **fields)
            db.session.add(item)
            db.session.flush()
            if stock and kind == "goods":
                move_stock(item, stock, "intake", actor_id=None, note="测试入库")
            db.session.flush()
            return item

        return run_in_unit(work)

    return factory


@pytest.fixture
def fund_resident():
    """fund_resident(user, points) awards points through the ledger (committed)."""
    from pointsbank.db import run_in_unit
    from pointsbank.ledger import service as ledger

    def factory(user, points: int):
        return run_in_unit(
            lambda: ledger.award(user, points, key=f"test:fund:{next(_keys)}", actor_id=None, memo="志愿活动：测试")
        )

    return factory


@pytest.fixture
def counter_setup(make_community, make_station, make_item, make_user, fund_resident):
    """counter_setup(points=500) -> namespace(community, station, clerk, resident, rice, oil, haircut)."""
    from types import SimpleNamespace

    def factory(points: int = 500, stock: int = 10):
        community = make_community()
        station = make_station(community)
        clerk = make_user("clerk", station=station, name="刘小琴")
        resident = make_user("resident", community=community, name="王秀英")
        if points:
            fund_resident(resident, points)
        rice = make_item(station, "大米 5kg", 200, stock=stock)
        oil = make_item(station, "食用油 5L", 150, stock=stock)
        haircut = make_item(station, "理发服务", 50, stock=0, kind="service")
        return SimpleNamespace(
            community=community, station=station, clerk=clerk, resident=resident, rice=rice, oil=oil, haircut=haircut
        )

    return factory


def new_key(prefix: str = "t") -> str:
    """A fresh idempotency key."""
    return f"{prefix}:{next(_keys)}"


def freeze_station_clock(monkeypatch, when) -> None:
    """Make every station module read `when` as the server's clock."""
    import importlib
    import pkgutil

    import pointsbank.stations as package

    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"pointsbank.stations.{info.name}")
        if hasattr(module, "utcnow"):
            monkeypatch.setattr(module, "utcnow", lambda: when)
