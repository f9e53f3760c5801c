"""Demo data for stations: catalogues, donated stock, a family proxy and a few past redemptions."""

from __future__ import annotations

import sqlalchemy as sa

from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.stations import service as svc
from pointsbank.stations.models import Item, Redemption, StockMovement

# (name, kind, points, stock, limit_qty, limit_period, reference value in fen: what one costs in a shop)
CATALOGUES = [
    [
        ("大米 5kg", "goods", 200, 30, 1, "month", 3500),
        ("食用油 5L", "goods", 150, 20, 1, "month", 6500),
        ("洗衣液 2kg", "goods", 60, 40, None, None, 2590),
        ("抽纸 10包", "goods", 40, 4, None, None, 1990),
        ("理发服务", "service", 50, 0, 2, "month", 2000),
        ("家电维修", "service", 100, 0, None, None, 5000),
    ],
    [
        ("挂面 2kg", "goods", 40, 50, None, None, 1280),
        ("鸡蛋 30枚", "goods", 80, 25, 1, "week", 2400),
        ("食用油 5L", "goods", 150, 10, 1, "month", 6500),
        ("牙膏套装", "goods", 30, 3, None, None, 1590),
        ("磨刀服务", "service", 20, 0, None, None, 500),
    ],
]
DONATIONS = [("洗衣液 2kg", 10, "爱心捐赠入库：梨园小区业委会"), ("挂面 2kg", 20, "爱心捐赠入库：覃家岗粮油店")]


def seed_item(station, clerk, name, kind, points, stock, limit_qty, limit_period, fen=None) -> Item:
    """The demo item of that name at the station, made with its first intake when missing."""
    item = db.session.scalar(sa.select(Item).where(Item.station_id == station.id, Item.name == name))
    if item is None:
        item = svc.create_item(
            clerk,
            station,
            name,
            points,
            kind=kind,
            limit_qty=limit_qty,
            limit_period=limit_period,
            reference_value_fen=fen,
        )
        if kind == "goods" and stock:
            svc.record_stock(clerk, item, stock, "intake", "首批入库")
    elif item.reference_value_fen is None and fen is not None:
        item.reference_value_fen = fen  # a demo seeded before items had a reference value
    return item


def seed_demo(ctx) -> None:
    """Items for the demo stations, donated stock, a proxy, and past redemptions (run twice: nothing twice)."""
    items: dict[tuple[int, str], Item] = {}
    for station, clerk, catalogue in zip(ctx.stations, ctx.clerks, CATALOGUES):
        for row in catalogue:
            items[(station.id, row[0])] = seed_item(station, clerk, *row)
    for station, clerk in zip(ctx.stations, ctx.clerks):
        for name, qty, note in DONATIONS:
            item = items.get((station.id, name))
            if item is not None and not db.session.scalar(
                sa.select(sa.func.count())
                .select_from(StockMovement)
                .where(StockMovement.item_id == item.id, StockMovement.reason == "donation")
            ):
                svc.record_stock(clerk, item, qty, "donation", note)
    if len(ctx.residents) < 4:
        return
    elder, daughter = ctx.residents[0], ctx.residents[3]
    svc.register_proxy(ctx.coordinator, elder, daughter, "女儿")
    station, clerk = ctx.stations[0], ctx.clerks[0]
    if db.session.scalar(sa.select(sa.func.count()).select_from(Redemption).where(Redemption.station_id == station.id)):
        return
    purchases = [
        (ctx.residents[1], None, [("洗衣液 2kg", 1), ("理发服务", 1)]),
        (ctx.residents[2], None, [("食用油 5L", 1)]),
        (elder, daughter, [("大米 5kg", 1)]),
    ]
    for resident, proxy, lines in purchases:
        ledger.award(
            resident,
            300,
            key=f"seed:stations:award:{resident.id}",
            actor_id=ctx.coordinator.id,
            memo="志愿活动：爱心超市整理货架 3 小时",
        )
        code = svc.issue_pay_code(proxy, for_resident_id=resident.id) if proxy else svc.issue_pay_code(resident)
        svc.redeem(
            clerk,
            station,
            svc.pay_payload(code),
            [(items[(station.id, n)].id, q) for n, q in lines],
            key=f"seed:stations:redeem:{resident.id}",
        )
