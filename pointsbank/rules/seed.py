"""Demo rules for 梨园社区: what earns how much, by category and grade. Running it again creates nothing twice."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from pointsbank.extensions import db
from pointsbank.rules import service as rules
from pointsbank.rules.models import Rule

START = datetime(2026, 1, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
# The two rules that pay reports; the report categories name one of them each (see reports/seed.py).
GENERAL_REPORT_RULE = "随手拍：一般问题"
SAFETY_REPORT_RULE = "随手拍：安全隐患"
DEMO_RULES = [
    {
        "category": "志愿服务",
        "title": "楼道清扫",
        "grade": "",
        "points": 10,
        "unit": "hour",
        "cap_day": 30,
        "evidence": "check_in",
        "description": "参加社区组织的楼道、小区公共区域清扫，按签到签退时长计分。",
    },
    {
        "category": "志愿服务",
        "title": "关爱独居老人",
        "grade": "",
        "points": 15,
        "unit": "occurrence",
        "cap_week": 45,
        "evidence": "check_in",
        "description": "上门探访独居、空巢老人，陪聊、代购、检查水电气安全。",
    },
    {
        "category": "垃圾分类",
        "title": "垃圾分类督导",
        "grade": "",
        "points": 5,
        "unit": "occurrence",
        "cap_day": 10,
        "evidence": "check_in",
        "description": "早晚投放高峰在垃圾站点值守，指导居民正确分类投放。",
    },
    {
        "category": "随手拍/社情民意",
        "title": GENERAL_REPORT_RULE,
        "grade": "",
        "points": 5,
        "unit": "occurrence",
        "cap_month": 100,
        "evidence": "report",
        "description": "发现乱堆乱放、路灯不亮、噪音扰民等问题，拍照上报并被受理。",
    },
    {
        "category": "随手拍/社情民意",
        "title": SAFETY_REPORT_RULE,
        "grade": "",
        "points": 10,
        "unit": "occurrence",
        "cap_month": 100,
        "evidence": "report",
        "description": "井盖破损、消防通道堵塞、飞线充电等设施和消防安全隐患，拍照上报并被受理。",
    },
    {
        "category": "文明行为",
        "title": "文明养犬劝导",
        "grade": "",
        "points": 3,
        "unit": "occurrence",
        "cap_day": 6,
        "evidence": "coordinator",
        "description": "劝导不牵绳遛狗、不清理犬粪等不文明行为。",
    },
    {
        "category": "邻里互助",
        "title": "邻里帮扶",
        "grade": "",
        "points": 5,
        "unit": "occurrence",
        "cap_week": 20,
        "evidence": "coordinator",
        "needs_approval": True,
        "description": "帮行动不便的邻居代买代办、接送看病，由网格员确认。",
    },
]


def find_rule(community_id: int, title: str) -> Rule | None:
    """The community's rule with this title that is not retired, if any (published titles are unique)."""
    return db.session.scalar(
        sa.select(Rule)
        .where(Rule.community_id == community_id, Rule.title == title, Rule.status != "retired")
        .order_by(Rule.id)
        .limit(1)
    )


def seed_demo(ctx) -> None:
    """Publish the demo rules in the demo community (once)."""
    for values in DEMO_RULES:
        if find_rule(ctx.community.id, values["title"]) is not None:
            continue
        rule = rules.create_rule(ctx.coordinator, ctx.community.id, valid_from=START, **values)
        rules.publish_rule(ctx.coordinator, rule)
