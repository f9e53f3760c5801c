"""Factory fixtures: rules."""

from __future__ import annotations

import pytest


@pytest.fixture
def make_rule(make_user):
    """make_rule(community, coordinator=None, publish=True, **values) -> Rule (published by default)."""
    from pointsbank.db import run_in_unit
    from pointsbank.rules import service as rules

    def factory(community, coordinator=None, *, publish: bool = True, **values):
        coordinator = coordinator or make_user("coordinator", community=community, name="规则协调员")
        defaults = {
            "category": "志愿服务",
            "title": "楼道清扫",
            "points": 10,
            "unit": "occurrence",
        }
        defaults.update(values)

        def work():
            rule = rules.create_rule(coordinator, community.id, **defaults)
            if publish:
                rules.publish_rule(coordinator, rule)
            return rule

        return run_in_unit(work)

    return factory
