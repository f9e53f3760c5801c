"""The ledger's demo data is realistic and idempotent, and verifies clean."""

from __future__ import annotations

import sqlalchemy as sa

from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.ledger import seal
from pointsbank.ledger.models import Adjustment, Transfer
from pointsbank.ledger.seed import seed_demo
from pointsbank.seed import seed_core


def counts() -> tuple[int, int]:
    db.session.rollback()
    return (
        db.session.scalar(sa.select(sa.func.count()).select_from(Transfer)),
        db.session.scalar(sa.select(sa.func.count()).select_from(Adjustment)),
    )


def test_seed_twice_creates_nothing_twice(app):
    run_in_unit(lambda: seed_demo(seed_core()))
    first = counts()
    assert first[0] > 40 and first[1] == 1
    run_in_unit(lambda: seed_demo(seed_core()))
    assert counts() == first
    memos = set(db.session.scalars(sa.select(Transfer.memo)))
    assert "志愿活动：楼道清扫 2 小时" in memos and "爱心捐赠：捐入社区爱心基金" in memos
    assert seal.verify().ok
