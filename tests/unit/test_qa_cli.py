"""Adversarial CLI input: a bad --now is a usage error (exit 2, a message), not a traceback; nothing moves."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from pointsbank.extensions import db
from pointsbank.ledger.models import Transfer


@pytest.mark.parametrize("now", ["yesterday", "2026-13-01T00:00:00+08:00"])
def test_points_expire_with_a_bad_now_is_a_usage_error(app, now):
    result = app.test_cli_runner().invoke(args=["points", "expire", "--now", now])
    assert result.exit_code == 2, result.output
    assert "--now" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Transfer)) == 0


@pytest.mark.parametrize(
    "args",
    [
        ["--role", "resident", "--community-id", "999"],
        ["--role", "resident", "--community-id", "99999999999999999999"],
        ["--role", "clerk", "--station-id", "999"],
        ["--role", "coordinator", "--community-id", "999"],
    ],
)
def test_create_user_for_a_place_that_does_not_exist_creates_nobody(app, args):
    from pointsbank.people.models import User

    base = ["create-user", "--phone", "13800138000", "--name", "王秀英", "--password", "secret-pass-9"]
    result = app.test_cli_runner().invoke(args=[*base, *args])
    assert result.exit_code in (1, 2) and isinstance(result.exception, SystemExit), result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
