"""communities_in_view: admin all, coordinator theirs, officers their street or district; officer grants audited."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from pointsbank.audit.models import AuditEntry
from pointsbank.db import run_in_unit
from pointsbank.errors import NotFound
from pointsbank.extensions import db
from pointsbank.people import scope
from pointsbank.people.service import get_or_create_community, grant_role


@pytest.fixture
def places(app):
    def work():
        a = [get_or_create_community("甲区", "一街道", f"一{i}社区") for i in range(3)]
        b = [get_or_create_community("甲区", "二街道", f"二{i}社区") for i in range(3)]
        c = [get_or_create_community("乙区", "三街道", "三社区")]
        return a, b, c

    return run_in_unit(work)


def _officer(make_user, role, **where):
    user = make_user("resident")
    run_in_unit(lambda: grant_role(user, role, **where))
    return db.session.merge(user)


def test_each_role_sees_its_own_communities(app, make_user, places):
    a, b, c = places
    street = _officer(make_user, "street_officer", street=a[0].street)
    district = _officer(make_user, "district_officer", district=a[0].street.district)
    coordinator = make_user("coordinator", community=b[1])
    admin = make_user("admin")
    ids = lambda cs: {x.id for x in cs}  # noqa: E731
    assert scope.communities_in_view(street) == ids(a)
    assert scope.communities_in_view(district) == ids(a) | ids(b)
    assert scope.communities_in_view(coordinator) == {b[1].id}
    assert ids(a + b + c) <= scope.communities_in_view(admin)
    assert scope.communities_in_view(make_user("resident")) == set()
    with pytest.raises(NotFound):
        scope.community_in_view(street, b[0].id)
    with pytest.raises(NotFound):
        scope.community_in_view(district, c[0].id)
    with pytest.raises(NotFound):
        scope.street_in_view(street, b[0].street_id)
    with pytest.raises(NotFound):
        scope.district_in_view(street, a[0].street.district_id)
    assert scope.street_in_view(district, b[0].street_id).id == b[0].street_id


def test_officer_grants_coordinator_only_in_view_and_it_is_audited_once(app, make_user, places):
    a, b, _ = places
    officer = _officer(make_user, "street_officer", street=a[0].street)
    person = make_user("resident")
    with pytest.raises(NotFound):
        run_in_unit(lambda: scope.grant_coordinator_in_view(officer, person, b[0].id))
    grant = run_in_unit(lambda: scope.grant_coordinator_in_view(officer, person, a[1].id))
    run_in_unit(lambda: scope.grant_coordinator_in_view(officer, person, a[1].id))  # idempotent, not audited again
    granted = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "role.granted")).all()
    assert [(e.actor_id, e.subject_id, e.community_id) for e in granted] == [(officer.id, person.id, a[1].id)]
    other = make_user("coordinator", community=b[2])
    with pytest.raises(NotFound):
        run_in_unit(lambda: scope.revoke_coordinator_in_view(officer, other.grants[0].id))
    run_in_unit(lambda: scope.revoke_coordinator_in_view(officer, grant.id))
    revoked = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "role.revoked")).all()
    assert [(e.actor_id, e.subject_id) for e in revoked] == [(officer.id, person.id)]
    coordinator = make_user("coordinator", community=a[0])
    with pytest.raises(NotFound):  # a coordinator does not manage coordinators
        run_in_unit(lambda: scope.grant_coordinator_in_view(coordinator, person, a[0].id))


def test_demo_officers_see_their_street_and_district(app):
    from pointsbank.insights import overview
    from pointsbank.people.models import User
    from pointsbank.seed import seed_all

    logins = run_in_unit(seed_all)
    roles = {role for role, *_ in logins}
    assert {"street_officer", "district_officer"} <= roles
    street = db.session.scalar(sa.select(User).where(User.phone == "13800000005"))
    district = db.session.scalar(sa.select(User).where(User.phone == "13800000006"))
    assert len(scope.communities_in_view(street)) == 3
    assert len(scope.communities_in_view(district)) == 6
    data = overview.street_overview(street, street.grants[0].street_id, 2)
    assert all(c["totals"]["issued"] > 0 for c in data["communities"])


def test_admin_grants_a_street_officer_audited_once(app, make_user, places):
    from pointsbank.people.service import grant_role_by_ids

    a, _, _ = places
    admin, person = make_user("admin"), make_user("resident")
    for _ in range(2):
        run_in_unit(
            lambda: grant_role_by_ids(person, "street_officer", None, None, actor=admin, street_id=a[0].street_id)
        )
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "role.granted")).all()
    assert [e.details["street"] for e in entries] == [a[0].street_id]
    assert scope.communities_in_view(db.session.merge(person)) == {c.id for c in a}
