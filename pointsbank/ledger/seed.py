"""Demo ledger: volunteer awards, a few redemptions, donations to the charity fund, a pending adjustment."""

from __future__ import annotations

from pointsbank.ledger import service as ledger

AWARDS = [
    "志愿活动：楼道清扫 2 小时",
    "随手拍：井盖破损（已受理）",
    "志愿活动：敬老院陪伴 3 小时",
    "志愿活动：垃圾分类宣传 2 小时",
    "随手拍：消防通道被占（已处理）",
    "志愿活动：疫苗接种引导 4 小时",
]
SPENDS = ["兑换：大米 5kg ×1", "兑换：洗衣液 2L ×1", "兑换：理发服务 ×1"]


def seed_demo(ctx) -> None:
    """Give the demo residents a believable history; every key is fixed, so running twice posts nothing twice."""
    community = ctx.community
    if community.expiry_policy == "none":
        community.expiry_policy = "rolling_12_months"
    for i, resident in enumerate(ctx.residents):
        for n in range(2 + i % 4):
            memo = AWARDS[(i + n) % len(AWARDS)]
            ledger.award(
                resident,
                10 + 5 * ((i + n) % 5),
                key=f"demo:award:{resident.id}:{n}",
                actor_id=ctx.coordinator.id,
                memo=memo,
                subject=("demo", None),
            )
        if i % 3 == 0 and ctx.stations:
            station = ctx.stations[i % len(ctx.stations)]
            ledger.spend(
                resident,
                station.id,
                15,
                key=f"demo:spend:{resident.id}",
                actor_id=ctx.clerks[0].id,
                memo=SPENDS[i % len(SPENDS)],
            )
        if i % 4 == 1:
            ledger.donate(resident, 5, key=f"demo:donation:{resident.id}")
    if len(ctx.residents) > 2:
        ledger.fund_award(
            ctx.residents[2], 5, key="demo:fund-award:1", actor=ctx.coordinator, memo="爱心基金：慰问独居老人"
        )
        account = ledger.resident_account(ctx.residents[1])
        ledger.request_adjustment(
            account,
            community.adjustment_threshold + 100,
            reason="历史纸质积分卡迁移",
            requested_by=ctx.coordinator,
            key="demo:adjustment:1",
        )
