"""Demo streets: 覃家岗街道 and 土主街道 with three communities each, their residents and points, two officers."""

from __future__ import annotations

import sqlalchemy as sa

from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from pointsbank.people.models import User
from pointsbank.people.service import create_user, get_or_create_community, grant_role
from pointsbank.stations.models import Station
from pointsbank.stations.seed import seed_item

STREETS = {
    "覃家岗街道": ["梨园社区", "新桥社区", "上桥社区"],
    "土主街道": ["土主社区", "月台社区", "西永社区"],
}
NAMES = ["吴桂芳", "郑国栋", "冯淑贞", "蒋立新", "韩玉珍", "曹建军"]
AWARDS = ["志愿活动：楼道清扫 2 小时", "随手拍：路灯不亮（已处理）", "志愿活动：敬老院陪伴 3 小时"]
# A small shelf at each other station (name, points, stock, reference value in fen); the school bag was donated
# and nobody has valued it yet, so the liability view has an item without a reference value to point at.
SHELF = [("大米 10kg", 400, 3, 5000), ("食用油 5L", 150, 4, 6500), ("爱心书包", 60, 2, None)]


def _user(phone: str, name: str, password: str, **kw) -> User:
    user = db.session.scalar(sa.select(User).where(User.phone == phone))
    return user or create_user(phone, name, password, **kw)


def seed_demo(ctx) -> None:
    """Residents, awards, spends and donations in every demo community; fixed keys, so twice posts nothing twice."""
    from pointsbank.seed import DEMO_PASSWORD

    district = ctx.community.street.district.name
    streets = []
    for s, (street, names) in enumerate(STREETS.items()):
        for c, name in enumerate(names):
            community = get_or_create_community(district, street, name, ["第一网格", "第二网格"])
            streets.append(community.street)
            if community.id == ctx.community.id:
                continue
            station = db.session.scalar(sa.select(Station).where(Station.community_id == community.id))
            if station is None:
                station = Station(community=community, name=f"{name}幸福银行", address="社区服务中心", opening_hours="")
                db.session.add(station)
                db.session.flush()
            for n, (item, points, stock, fen) in enumerate(SHELF):
                seed_item(station, ctx.admin, item, "goods", points, stock + (s + c + n) % 3, None, None, fen)
            for i, person in enumerate(NAMES[: 3 + (s + c) % 4]):
                phone = f"1370{s}{c}{i:05d}"
                resident = _user(phone, person, DEMO_PASSWORD, community=community, grid=community.grids[0])
                for n in range(1 + (i + c) % 3):
                    ledger.award(
                        resident,
                        10 + 5 * ((i + n + s) % 4),
                        key=f"demo:street-award:{resident.id}:{n}",
                        actor_id=ctx.coordinator.id,
                        memo=AWARDS[(i + n) % len(AWARDS)],
                        subject=("demo", None),
                    )
                if i % 2 == 0:
                    ledger.spend(
                        resident,
                        station.id,
                        5,
                        key=f"demo:street-spend:{resident.id}",
                        actor_id=None,
                        memo="兑换：大米 5kg ×1",
                    )
                if i % 3 == 1:
                    ledger.donate(resident, 5, key=f"demo:street-donation:{resident.id}")
    grant_role(_user("13800000005", "周敏", DEMO_PASSWORD), "street_officer", street=streets[0])
    grant_role(_user("13800000006", "唐建华", DEMO_PASSWORD), "district_officer", district=streets[0].district)
    from pointsbank.reports.seed import seed_street_reports

    seed_street_reports(ctx, [c for street in dict.fromkeys(streets) for c in street.communities])
