"""Events other features already have tell the person through the outbox, in the reader's language."""

from __future__ import annotations

import itertools
from datetime import timedelta

import sqlalchemy as sa

from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.jobs import runner
from pointsbank.notices import codes
from pointsbank.notices.models import OutboxNotice
from pointsbank.rules import service as rules

_keys = itertools.count(1)


def notices_of(user) -> list[OutboxNotice]:
    return db.session.scalars(
        sa.select(OutboxNotice).where(OutboxNotice.user_id == user.id).order_by(OutboxNotice.id)
    ).all()


def test_reservation_made_and_expired_by_the_scheduler(app, counter_setup):
    from pointsbank.stations import service as stations

    s = counter_setup(points=500)
    res = run_in_unit(lambda: stations.reserve(s.resident, s.station, [(s.rice.id, 1)], key="ev-r1"))
    runner.tick(res.expires_at + timedelta(minutes=1), holder="t")
    made, expired = notices_of(s.resident)
    assert made.code == "reservation.made" and made.params["points"] == 200 and made.subject_id == res.id
    assert expired.code == "reservation.expired"
    assert codes.render(expired.code, expired.params, "en") == (
        f"Your reservation at {s.station.name} was not picked up in time: 200 points are back."
    )


def test_undo_and_refund_tell_the_resident(app, counter_setup, make_user):
    from pointsbank.stations import service as stations
    from pointsbank.stations.models import Redemption

    s = counter_setup(points=1000)
    coordinator = make_user("coordinator", community=s.community)
    for end in ("undo", "refund"):
        code = run_in_unit(lambda: stations.issue_pay_code(s.resident))
        payload = stations.pay_payload(code)
        r = run_in_unit(lambda: stations.redeem(s.clerk, s.station, payload, [(s.rice.id, 1)], key=f"ev-{end}"))
        if end == "undo":
            run_in_unit(lambda: stations.undo(s.clerk, db.session.get(Redemption, r.id)))
        else:
            run_in_unit(lambda: stations.refund(coordinator, db.session.get(Redemption, r.id), "坏了"))
    undone, refunded = notices_of(s.resident)  # the redemption itself is not told: the resident has the receipt
    assert (undone.code, refunded.code) == ("redemption.undone", "redemption.refunded")
    assert codes.render(undone.code, undone.params, "zh_Hans") == f"您在{s.station.name}的兑换已撤销：200 积分已退回。"


def test_award_approved_and_rejected_tell_the_resident(app, make_community, make_user, make_rule):
    from pointsbank.rules.models import PendingAward, RuleVersion

    community = make_community()
    coordinator = make_user("coordinator", community=community)
    resident = make_user("resident", community=community)
    version = rules.current_version(make_rule(community, coordinator, points=10, needs_approval=True))

    def queue():
        return run_in_unit(
            lambda: rules.award_under_rule(
                resident,
                db.session.get(RuleVersion, version.id),
                quantity=1,
                key=f"ev-award-{next(_keys)}",
                actor_id=None,
                memo="志愿活动：楼道清扫",
                evidence="coordinator",
                subject=("activity", 1),
            )
        ).pending_award

    first, second = queue(), queue()
    run_in_unit(lambda: rules.approve(db.session.get(PendingAward, first.id), coordinator))
    run_in_unit(lambda: rules.reject(db.session.get(PendingAward, second.id), coordinator, "没有照片"))
    approved, rejected = notices_of(resident)
    assert (approved.code, approved.params) == ("award.approved", {"points": 10, "reason": "志愿活动：楼道清扫"})
    assert codes.render(approved.code, approved.params, "en") == "You were awarded 10 points: 志愿活动：楼道清扫."
    assert codes.render(rejected.code, rejected.params, "zh_Hans") == "您的积分申请未通过：没有照片。"


def test_a_report_notice_written_in_zh_reads_in_en(app, make_user):
    from pointsbank.notices.service import notify

    user = make_user()
    n = run_in_unit(
        lambda: notify(
            user.id,
            "report.progress",
            {"message": "Your report #%(id)s (%(category)s) was accepted.", "id": 7, "category": "设施损坏"},
        )
    )
    assert codes.render(n.code, n.params, "zh_Hans") != codes.render(n.code, n.params, "en")
    assert codes.render(n.code, n.params, "en") == "Your report #7 (设施损坏) was accepted."


def test_ledger_memos_read_in_the_readers_language(app):
    from pointsbank.notices.memos import render_memo

    with app.test_request_context("/?lang=en"):
        assert render_memo("兑换：大米 5kg ×1、食用油 ×2", "spend") == "Redemption: 大米 5kg ×1, 食用油 ×2"
        assert (
            render_memo("撤销：兑换：大米 ×1（撤销兑换）", "reversal")
            == "Reversed: Redemption: 大米 ×1 (redemption undone)"
        )
        assert render_memo("积分过期：30 分（年底清零）", "expiry") == "Points expired"
        assert render_memo("爱心捐赠：捐入社区爱心基金", "donation") == "Donation: to the community charity fund"
        assert render_memo("老张自己写的备注", "adjustment") == "老张自己写的备注"
    with app.test_request_context("/?lang=zh_Hans"):
        assert render_memo("兑换：大米 5kg ×1", "spend") == "兑换：大米 5kg ×1"
