"""Factory fixtures: a community with two volunteers who served, reported, hold tokens and got notices."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest


@dataclass
class PrivacyWorld:
    community: Any
    coordinator: Any
    other_coordinator: Any
    resident: Any
    other: Any
    activity: Any
    report: Any


@pytest.fixture
def privacy_world(app, make_community, make_user, make_activity, make_category, make_report):
    """Two residents (张三丰, 李四) served 2 and 1 hours on a confirmed activity; 张三丰 filed a report."""
    from pointsbank import notices
    from pointsbank.activities import service as activities
    from pointsbank.activities.models import Activity, Signup
    from pointsbank.db import run_in_unit
    from pointsbank.extensions import db
    from pointsbank.offline.models import PayDevice
    from pointsbank.people import sessions
    from pointsbank.people.auth import create_token
    from pointsbank.reports.notices import notify

    community = make_community("梨园社区")
    coordinator = make_user("coordinator", community=community, name="陈渝")
    other_coordinator = make_user("coordinator", community=community, name="刘敏")
    resident = make_user("resident", community=community, name="张三丰")
    other = make_user("resident", community=community, name="李四")
    activity = make_activity(community, coordinator, hours=2, title="楼道清扫", place="梨园小区3栋")
    for user in (resident, other):
        run_in_unit(lambda u=user: activities.sign_up(u, db.session.get(Activity, activity.id)))
    run_in_unit(lambda: activities.close_activity(coordinator, db.session.get(Activity, activity.id)))
    for user, hours in ((resident, 2), (other, 1)):
        signup = activities.signup_of(activity, user.id)
        run_in_unit(
            lambda s=signup, h=hours: activities.set_attendance(
                coordinator, db.session.get(Signup, s.id), attended=True, hours=h
            )
        )
    run_in_unit(lambda: activities.confirm_activity(coordinator, db.session.get(Activity, activity.id)))
    category = make_category(community)
    text = f"我是张三丰，电话{resident.phone}，南门井盖破损"
    report = make_report(resident, category, description=text, place="南门")
    make_report(other, category, description="李四看到北门路灯坏了", place="北门")
    run_in_unit(lambda: create_token(db.session.get(type(resident), resident.id), "我的手机"))
    run_in_unit(lambda: notify(resident.id, "张三丰，您的上报已受理"))
    run_in_unit(lambda: notify(other.id, "李四，您的上报已受理"))
    run_in_unit(lambda: sessions.start(db.session.get(type(resident), resident.id), address="10.0.0.8"))
    run_in_unit(lambda: notices.notify(resident.id, "award.rejected", {"reason": f"张三丰 {resident.phone}"}))
    run_in_unit(lambda: db.session.add(PayDevice(user_id=resident.id, label="张三丰的手机", secret="ab" * 32)))
    db.session.expire_all()
    return PrivacyWorld(community, coordinator, other_coordinator, resident, other, activity, report)
