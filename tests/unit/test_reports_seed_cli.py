"""Demo reports are seeded once, realistically; `flask reports autoclose` closes old resolved reports."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from pointsbank.db import run_in_unit, utcnow
from pointsbank.extensions import db
from pointsbank.reports.models import Notice, Report, ReportCategory, ReportEvent


def _counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(m))
        for m in (ReportCategory, Report, ReportEvent, Notice)
    )


def test_seed_is_idempotent_and_covers_the_loop(app):
    from pointsbank.seed import seed_all

    run_in_unit(seed_all)
    first = _counts()
    run_in_unit(seed_all)
    assert _counts() == first
    names = set(db.session.scalars(sa.select(ReportCategory.name)))
    assert {"设施损坏", "消防安全", "环境卫生", "占道经营", "噪音扰民", "文明养犬", "垃圾分类", "其他"} <= names
    statuses = set(db.session.scalars(sa.select(Report.status)))
    assert {"submitted", "accepted", "assigned", "resolved", "closed", "rejected", "duplicate"} <= statuses
    # 梨园社区's categories lead to its rules; the other demo communities have categories without rules.
    paid = db.session.scalars(
        sa.select(ReportCategory).where(ReportCategory.name == "设施损坏").order_by(ReportCategory.id)
    ).first()
    assert paid.rule_id is not None
    resolved = db.session.scalars(sa.select(Report.community_id).where(Report.resolved_at.is_not(None))).all()
    assert len(set(resolved)) >= 4  # the street views have handling times in several communities


def test_autoclose_command(app, make_community, make_user, make_category, make_report):
    from pointsbank.reports import service

    community = make_community()
    coordinator = make_user("coordinator", community=community)
    category = make_category(community)
    report = make_report(make_user("resident", community=community), category)

    def resolve_long_ago():
        r = db.session.get(Report, report.id)
        service.assign(r, db.session.get(type(coordinator), coordinator.id), department="物业公司")
        service.resolve(r, db.session.get(type(coordinator), coordinator.id), "已处理")
        r.resolved_at = utcnow() - timedelta(days=10)

    run_in_unit(resolve_long_ago)
    result = app.test_cli_runner().invoke(args=["reports", "autoclose", "--days", "7"])
    assert result.exit_code == 0, result.output
    assert "closed 1 reports" in result.output
    assert db.session.get(Report, report.id).status == "closed"
    again = app.test_cli_runner().invoke(args=["reports", "autoclose"])
    assert "closed 0 reports" in again.output
