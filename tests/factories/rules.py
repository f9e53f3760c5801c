"""Factory fixtures: rules."""

from __future__ import annotations

import pytest


@pytest.fixture
def make_rule(make_user):
    """make_rule(community, coordinator=None, publish=True, **values) -> Rule (published by default)."""
    import sqlalchemy as sa

    from pointsbank.db import run_in_unit
    from pointsbank.extensions import db
    from pointsbank.rules import service as rules
    from pointsbank.rules.models import Rule

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
            if "title" not in values:  # published rules of a community have distinct titles
                taken = set(db.session.scalars(sa.select(Rule.title).where(Rule.community_id == community.id)))
                base, n = defaults["title"], 1
                while defaults["title"] in taken:
                    n += 1
                    defaults["title"] = f"{base} {n}"
            rule = rules.create_rule(coordinator, community.id, **defaults)
            if publish:
                rules.publish_rule(coordinator, rule)
            return rule

        return run_in_unit(work)

    return factory
