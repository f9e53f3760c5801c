"""Factory fixtures: activities."""

from __future__ import annotations

from datetime import timedelta

import pytest


@pytest.fixture
def make_activity(make_rule, make_user):
    """make_activity(community, coordinator=None, rule=None, starts_in=..., hours=2, capacity=10, **kw) -> Activity."""
    from pointsbank.activities import service as activities
    from pointsbank.db import run_in_unit, utcnow

    def factory(
        community,
        coordinator=None,
        *,
        rule=None,
        starts_in=timedelta(minutes=-10),
        hours: float = 2,
        capacity: int = 10,
        **kw,
    ):
        coordinator = coordinator or make_user("coordinator", community=community, name="活动协调员")
        rule = rule or make_rule(community, coordinator, points=10, unit="hour")
        starts_at = utcnow().replace(microsecond=0) + starts_in
        values = {"title": "楼道清扫志愿活动", "place": "梨园小区3栋"}
        values.update(kw)
        return run_in_unit(
            lambda: activities.create_activity(
                coordinator,
                community.id,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=hours),
                capacity=capacity,
                rule_id=rule.id,
                **values,
            )
        )

    return factory
