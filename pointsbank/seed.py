"""The demo community: 沙坪坝区 › 覃家岗街道 › 梨园社区. Running it again creates nothing twice."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module

import sqlalchemy as sa

from pointsbank.extensions import db
from pointsbank.people.models import Community, User
from pointsbank.people.service import create_user, get_or_create_community, grant_role
from pointsbank.stations.models import Station

DEMO_PASSWORD = "lybank2026"
FEATURE_SEEDS = ("ledger", "rules", "activities", "reports", "stations", "insights")
GRIDS = [
    "第一网格（梨园小区）",
    "第二网格（融汇丽苑）",
    "第三网格（金沙星城）",
    "第四网格（康居苑）",
    "第五网格（覃家岗老街）",
]
RESIDENTS = [
    "王秀英",
    "李建国",
    "张桂兰",
    "刘德华",
    "陈淑芬",
    "杨志强",
    "赵玉梅",
    "黄文斌",
    "周丽娟",
    "吴国庆",
    "徐凤英",
    "孙海涛",
    "胡秀珍",
    "朱永明",
    "高雅琴",
    "林家豪",
    "何玉兰",
    "郭晓东",
    "马春花",
    "罗天佑",
]


@dataclass
class DemoContext:
    """What the core seed made; feature seeds build on it."""

    community: Community
    admin: User
    coordinator: User
    clerks: list[User]
    stations: list[Station]
    residents: list[User] = field(default_factory=list)


def _user(phone: str, name: str, **kw) -> User:
    user = db.session.scalar(sa.select(User).where(User.phone == phone))
    return user or create_user(phone, name, DEMO_PASSWORD, **kw)


def _station(community: Community, name: str, address: str, hours: str) -> Station:
    station = db.session.scalar(sa.select(Station).where(Station.community_id == community.id, Station.name == name))
    if station is None:
        station = Station(community=community, name=name, address=address, opening_hours=hours)
        db.session.add(station)
        db.session.flush()
    return station


def seed_core() -> DemoContext:
    community = get_or_create_community("沙坪坝区", "覃家岗街道", "梨园社区", GRIDS)
    admin = _user("13800000001", "系统管理员")
    grant_role(admin, "admin")
    coordinator = _user("13800000002", "陈渝")
    grant_role(coordinator, "coordinator", community=community)
    stations = [
        _station(community, "梨园社区幸福银行", "梨园小区3栋1楼", "周一至周五 9:00-17:00"),
        _station(community, "融汇丽苑爱心超市", "融汇丽苑南门旁", "每天 9:00-18:00"),
    ]
    clerks = [_user("13800000003", "刘小琴"), _user("13800000004", "邓志刚")]
    for clerk, station in zip(clerks, stations):
        grant_role(clerk, "clerk", station_id=station.id)
    grids = community.grids
    residents = [
        _user(f"139{i:08d}", name, community=community, grid=grids[i % len(grids)])
        for i, name in enumerate(RESIDENTS, start=1)
    ]
    return DemoContext(community, admin, coordinator, clerks, stations, residents)


def seed_all() -> list[tuple[str, str, str]]:
    """Seed the core, then each feature; return the demo logins."""
    ctx = seed_core()
    for name in FEATURE_SEEDS:
        try:
            module = import_module(f"pointsbank.{name}.seed")
        except ModuleNotFoundError as exc:
            if exc.name != f"pointsbank.{name}.seed":
                raise
            continue
        module.seed_demo(ctx)
    logins = [("admin", ctx.admin.phone, ctx.admin.name), ("coordinator", ctx.coordinator.phone, ctx.coordinator.name)]
    logins += [("clerk", c.phone, c.name) for c in ctx.clerks]
    logins += [("resident", r.phone, r.name) for r in ctx.residents[:3]]
    officers = db.session.scalars(
        sa.select(User).where(User.phone.in_(("13800000005", "13800000006"))).order_by(User.phone)
    )
    logins += [(u.grants[0].role, u.phone, u.name) for u in officers if u.grants]
    return logins
