"""Demo activities and a team for 梨园社区: one past (confirmed, points awarded), two coming up. Idempotent."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from pointsbank.activities import service as activities
from pointsbank.activities.models import Activity, Signup, Team
from pointsbank.db import utcnow
from pointsbank.extensions import db
from pointsbank.rules.seed import find_rule

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _at(days: int, hour: int, minute: int = 0) -> datetime:
    day = datetime.now(SHANGHAI).date() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def _activity(ctx, title: str, **values) -> tuple[Activity, bool]:
    found = db.session.scalar(
        sa.select(Activity).where(Activity.community_id == ctx.community.id, Activity.title == title)
    )
    if found is not None:
        return found, False
    return activities.create_activity(ctx.coordinator, ctx.community.id, title=title, **values), True


def seed_demo(ctx) -> None:
    """A delivery riders' team, a confirmed past clean-up and two upcoming activities."""
    cleaning = find_rule(ctx.community.id, "楼道清扫")
    elders = find_rule(ctx.community.id, "关爱独居老人")
    sorting = find_rule(ctx.community.id, "垃圾分类督导")
    if not (cleaning and elders and sorting):
        return
    team = db.session.scalar(
        sa.select(Team).where(Team.community_id == ctx.community.id, Team.name == "外卖小哥志愿服务队")
    )
    if team is None:
        team = activities.create_team(
            ctx.coordinator,
            ctx.community.id,
            "外卖小哥志愿服务队",
            "骑手兄弟们送餐路上顺手发现问题、帮独居老人捎带东西。",
        )
    riders = ctx.residents[5:8]
    for rider in riders:
        activities.join_team(rider, team)

    past, created = _activity(
        ctx,
        "周末楼道大扫除",
        place="梨园小区3栋、5栋楼道",
        starts_at=_at(-2, 9),
        ends_at=_at(-2, 11),
        capacity=8,
        rule_id=cleaning.id,
        description="清理楼道杂物、擦拭扶手，注意消防通道畅通。",
    )
    if created:
        # Volunteers who came, and one who did not: recorded as they would have been on the day.
        for i, resident in enumerate(ctx.residents[:4]):
            signup = Signup(
                activity_id=past.id,
                user_id=resident.id,
                status="signed_up",
                queued_at=past.starts_at,
            )
            if i < 3:
                signup.checked_in_at = past.starts_at + timedelta(minutes=5 * i)
                signup.checked_out_at = past.ends_at - timedelta(minutes=10 * i)
                signup.checked_in_by = resident.id
            db.session.add(signup)
        db.session.flush()
        activities.close_activity(ctx.coordinator, past, now=past.ends_at + timedelta(minutes=40))
        activities.confirm_activity(ctx.coordinator, past)

    visit, created = _activity(
        ctx,
        "关爱独居老人上门探访",
        place="梨园社区党群服务中心集合",
        starts_at=_at(3, 14, 30),
        ends_at=_at(3, 17),
        capacity=5,
        rule_id=elders.id,
        description="两人一组探访独居老人，检查燃气、电器安全，陪老人聊聊天。",
    )
    if created:
        for resident in ctx.residents[:2]:
            activities.sign_up(resident, visit)

    evening, created = _activity(
        ctx,
        "垃圾分类督导（晚高峰）",
        place="融汇丽苑垃圾分类投放点",
        starts_at=_at(1, 18, 30),
        ends_at=_at(1, 20),
        capacity=3,
        rule_id=sorting.id,
        team_id=team.id,
        description="晚高峰站桶值守，指导居民破袋投放厨余垃圾。",
    )
    if created and utcnow() < evening.ends_at:
        for rider in riders:
            activities.sign_up(rider, evening)
