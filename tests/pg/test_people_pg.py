"""People on PostgreSQL: times come back tz-aware UTC, a bad sheet imports nothing, duplicate numbers refused."""

from __future__ import annotations

from datetime import UTC

import pytest
import sqlalchemy as sa

from pointsbank.db import run_in_unit
from pointsbank.errors import Conflict, Refused
from pointsbank.extensions import db
from pointsbank.people import service
from pointsbank.people.importing import import_residents, parse_sheet
from pointsbank.people.models import User

pytestmark = pytest.mark.pg


def _community():
    return run_in_unit(lambda: service.get_or_create_community("沙坪坝区", "覃家岗街道", "梨园社区", ["第一网格"]))


def test_times_are_aware_utc(pg_app):
    community = _community()
    user, _password = run_in_unit(lambda: service.register_resident(community, "王秀英", "13911110001"))
    db.session.expire_all()
    loaded = db.session.get(User, user.id)
    assert loaded.created_at.tzinfo is not None and loaded.created_at.utcoffset() == UTC.utcoffset(None)


def test_bad_sheet_imports_nothing(pg_app):
    community = _community()
    data = "姓名,手机号,网格\n王秀英,13911110001,第一网格\n李建国,13911110001,第一网格\n".encode()
    with pytest.raises(Refused):
        run_in_unit(lambda: import_residents(community, parse_sheet("r.csv", data)))
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0
    good = "姓名,手机号,网格\n王秀英,13911110001,第一网格\n李建国,13911110002,\n".encode()
    assert len(run_in_unit(lambda: import_residents(community, parse_sheet("r.csv", good)))) == 2


def test_duplicate_phone_refused(pg_app):
    community = _community()
    run_in_unit(lambda: service.register_resident(community, "王秀英", "13911110001"))
    with pytest.raises(Conflict):
        run_in_unit(lambda: service.register_resident(community, "王秀英", "139 1111 0001"))
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1
