"""Demo reports for 梨园社区: the categories, the rules that pay them, and reports in every state."""

from __future__ import annotations

import io

import sqlalchemy as sa
from PIL import Image, ImageDraw

from pointsbank.extensions import db
from pointsbank.reports import service
from pointsbank.reports.models import Report

# Each category leads to one rule: safety problems pay the 安全隐患 rule, the others the 一般问题 rule.
SAFETY_CATEGORIES = ("设施损坏", "消防安全")
# Rules of earlier demo data that paid every category the same and a bonus on resolving: retired.
OLD_RULE_TITLES = ("随手拍：有效问题上报", "随手拍：问题办结反馈")
DEMO_REPORTS = [
    # (resident index, category, description, building, place, actions)
    (
        0,
        "设施损坏",
        "南门人行道上的井盖破损，边缘翘起，老人晚上经过容易绊倒。",
        "3栋",
        "南门人行道",
        ["assign", "resolve"],
    ),
    (1, "消防安全", "2单元楼道堆放了很多纸箱和旧家具，把消防通道堵住了一半。", "5栋2单元", "1楼楼道", ["accept"]),
    (2, "环境卫生", "垃圾房旁边的污水漫到路面，气味很大，已经好几天没人清理。", "", "垃圾房旁", []),
    (3, "占道经营", "早上7点到9点有流动摊贩占用小区出口，电动车和行人很难通过。", "", "北门出口", ["assign"]),
    (4, "噪音扰民", "楼上装修每天晚上10点后还在电钻，影响休息。", "8栋", "8栋3楼", ["reject"]),
    (5, "设施损坏", "南门井盖松动，踩上去会晃。", "3栋", "南门", ["duplicate"]),
    (6, "文明养犬", "有住户遛狗不牵绳，孩子在儿童游乐区被吓哭。", "", "儿童游乐区", ["assign", "resolve", "close"]),
    (7, "垃圾分类", "厨余垃圾桶里混了很多塑料袋，分类督导时间没人值守。", "", "2号垃圾投放点", []),
]


def _demo_photo(seed: int) -> io.BytesIO:
    """A plain stand-in photo (the demo has no real pictures)."""
    img = Image.new("RGB", (640, 480), (90 + seed * 15 % 120, 120, 140))
    draw = ImageDraw.Draw(img)
    draw.rectangle((160, 140, 480, 340), outline=(255, 255, 255), width=6)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=70)
    out.seek(0)
    return out


def _rule(ctx, title: str, points: int):
    """The community's published report rule with this title (the rules seed makes it), created if missing."""
    from pointsbank.rules import service as rules
    from pointsbank.rules.seed import find_rule

    rule = find_rule(ctx.community.id, title)
    if rule is None:
        rule = rules.create_rule(
            ctx.coordinator,
            ctx.community.id,
            category="随手拍/社情民意",
            title=title,
            points=points,
            unit="occurrence",
            cap_month=100,
            evidence="report",
        )
        rules.publish_rule(ctx.coordinator, rule)
    return rule


def _link_categories(ctx, categories) -> None:
    """Each category but 其他 leads to one report rule; the earlier demo's shared rule and bonus are retired."""
    from pointsbank.rules import service as rules
    from pointsbank.rules.seed import GENERAL_REPORT_RULE, SAFETY_REPORT_RULE, find_rule

    general, safety = _rule(ctx, GENERAL_REPORT_RULE, 5), _rule(ctx, SAFETY_REPORT_RULE, 10)
    old = [r for r in (find_rule(ctx.community.id, title) for title in OLD_RULE_TITLES) if r is not None]
    old_ids = {r.id for r in old}
    for category in categories:
        if category.name != "其他" and (category.rule_id is None or category.rule_id in old_ids):
            category.rule_id = safety.id if category.name in SAFETY_CATEGORIES else general.id
        if category.resolve_rule_id in old_ids:
            category.resolve_rule_id = None
    db.session.flush()
    for rule in old:
        rules.retire_rule(ctx.coordinator, rule)


def seed_demo(ctx) -> None:
    """Seed the categories (linked to their rules) and a handful of reports; safe to run again."""
    categories = service.ensure_default_categories(ctx.community.id)
    _link_categories(ctx, categories)
    exists = db.session.scalar(
        sa.select(sa.func.count()).select_from(Report).where(Report.community_id == ctx.community.id)
    )
    if exists or len(ctx.residents) < 8:
        return
    by_name = {c.name: c for c in categories}
    first: Report | None = None
    for index, (who, category, text, building, place, actions) in enumerate(DEMO_REPORTS):
        resident = ctx.residents[who]
        filing = service.Filing(
            category_id=by_name[category].id, description=text, grid_id=resident.grid_id, building=building, place=place
        )
        report = service.file_report(resident, filing, [_demo_photo(index)])
        first = first or report
        for action in actions:
            _apply(ctx, report, action, first)


def _apply(ctx, report: Report, action: str, first: Report) -> None:
    coordinator = ctx.coordinator
    if action == "accept":
        service.accept(report, coordinator, "情况属实，已受理")
    elif action == "assign":
        service.assign(report, coordinator, department="物业公司")
    elif action == "resolve":
        service.resolve(
            report,
            coordinator,
            "物业已更换新的井盖并加固" if report.category.name == "设施损坏" else "已上门劝导，住户承诺遛狗牵绳",
        )
    elif action == "close":
        service.close(report, report.reporter, 5, "处理很及时，谢谢！")
    elif action == "reject":
        service.reject(report, coordinator, "属于邻里纠纷，已转人民调解员联系处理，不计入随手拍")
    elif action == "duplicate":
        service.mark_duplicate(report, coordinator, first.id, "与先前上报的南门井盖问题相同")


STREET_REPORTS = [
    # (category, description, place, resolved after hours or None)
    ("设施损坏", "小区门口的路灯坏了一个星期，晚上很黑。", "小区门口", 6),
    ("环境卫生", "楼下绿化带里有人倒了建筑垃圾。", "绿化带", 30),
    ("占道经营", "菜市场门口的摊位占了半条人行道。", "菜市场门口", None),
    ("消防安全", "地下车库里有电动车在充电，插座拉到了楼道。", "地下车库", 3),
]


def seed_street_reports(ctx, communities) -> None:
    """A few reports in each other demo community, some resolved hours after filing; safe to run again."""
    from datetime import timedelta

    from pointsbank.people.models import User

    for c, community in enumerate(communities):
        if community.id == ctx.community.id:
            continue
        if db.session.scalar(sa.select(sa.func.count(Report.id)).where(Report.community_id == community.id)):
            continue
        by_name = {cat.name: cat for cat in service.ensure_default_categories(community.id)}
        residents = db.session.scalars(sa.select(User).where(User.community_id == community.id).order_by(User.id)).all()
        for i, (category, text, place, hours) in enumerate(STREET_REPORTS[: 2 + c % 3]):
            if not residents:
                break
            reporter = residents[i % len(residents)]
            filing = service.Filing(category_id=by_name[category].id, description=text, place=place)
            report = service.file_report(reporter, filing, [_demo_photo(10 + c + i)])
            if hours is None:
                continue
            service.accept(report, ctx.admin, "情况属实，已受理")
            service.assign(report, ctx.admin, department="物业公司")
            service.resolve(report, ctx.admin, "已联系物业处理完毕")
            # As if filed that many hours earlier, so the handling times on the street view mean something.
            report.created_at = report.resolved_at - timedelta(hours=hours + c)
    db.session.flush()
