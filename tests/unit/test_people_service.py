"""People services without HTTP: users, the hierarchy, roles, resident registration and sheet import."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from pointsbank.db import run_in_unit
from pointsbank.errors import Conflict, Invalid, NotFound, Refused
from pointsbank.extensions import db
from pointsbank.people import service
from pointsbank.people.auth import check_password_rules, normalize_phone, verify_password
from pointsbank.people.importing import import_residents, parse_sheet
from pointsbank.people.models import District, Grid, User


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.parametrize("raw", ["13912345678", "139 1234 5678", "+86 139-1234-5678", "008613912345678"])
def test_phone_normalized(raw):
    assert normalize_phone(raw) == "13912345678"


@pytest.mark.parametrize("raw", ["", "12912345678", "1391234567", "139123456789", "phone", "023-6512345"])
def test_bad_phone_refused(raw):
    with pytest.raises(Invalid) as err:
        normalize_phone(raw)
    assert err.value.code == "invalid_phone"


@pytest.mark.parametrize("password", ["short1", "password", "12345678", "Password1", "qwertyuiop"])
def test_weak_passwords_refused(password):
    with pytest.raises(Invalid) as err:
        check_password_rules(password)
    assert err.value.code == "weak_password"


def test_duplicate_phone_creates_nothing(app, make_user):
    user = make_user("resident")
    before = _count(User)
    with pytest.raises(Conflict) as err:
        run_in_unit(lambda: service.create_user(" " + user.phone, "另一个人", "another-pass-9"))
    assert err.value.code == "duplicate_phone"
    assert _count(User) == before


def test_hierarchy_add_rename_delete(app):
    district = run_in_unit(lambda: service.add_place("district", "渝中区"))
    street = run_in_unit(lambda: service.add_place("street", "解放碑街道", district.id))
    community = run_in_unit(lambda: service.add_place("community", "民生路社区", street.id))
    grid = run_in_unit(lambda: service.add_place("grid", "第一网格", community.id))
    with pytest.raises(Conflict):
        run_in_unit(lambda: service.add_place("grid", "第一网格", community.id))
    with pytest.raises(NotFound):
        run_in_unit(lambda: service.add_place("grid", "孤儿网格", 999999))
    with pytest.raises(Invalid):
        run_in_unit(lambda: service.add_place("grid", "   ", community.id))
    run_in_unit(lambda: service.rename_place("grid", grid.id, "一网格"))
    assert db.session.get(Grid, grid.id).name == "一网格"
    with pytest.raises(Refused) as err:
        run_in_unit(lambda: service.delete_place("district", district.id))
    assert err.value.code == "place_in_use"
    for kind, place in (("grid", grid), ("community", community), ("street", street), ("district", district)):
        run_in_unit(lambda kind=kind, place=place: service.delete_place(kind, place.id))
    assert db.session.get(District, district.id) is None


def test_community_with_residents_cannot_be_deleted(app, make_user):
    user = make_user("resident")
    with pytest.raises(Refused):
        run_in_unit(lambda: service.delete_place("community", user.community_id))


def test_scope(app, make_user, make_community):
    coordinator = make_user("coordinator")
    other = make_community()
    assert service.community_in_scope(coordinator, coordinator.coordinated_community_ids().pop())
    with pytest.raises(NotFound):
        service.community_in_scope(coordinator, other.id)
    resident = make_user("resident", community=other)
    with pytest.raises(NotFound):
        service.community_in_scope(resident, other.id)
    with pytest.raises(NotFound):
        service.require_admin(coordinator)


def test_grant_and_revoke(app, make_user, make_community):
    admin = make_user("admin")
    person = make_user("resident")
    community = make_community()
    grant = run_in_unit(lambda: service.grant_role_by_ids(person, "coordinator", community.id, None))
    again = run_in_unit(lambda: service.grant_role_by_ids(person, "coordinator", community.id, None))
    assert grant.id == again.id
    assert community.id in person.coordinated_community_ids()
    with pytest.raises(Invalid):
        run_in_unit(lambda: service.grant_role_by_ids(person, "clerk", None, 999999))
    run_in_unit(lambda: service.revoke_grant(grant.id, admin))
    assert community.id not in db.session.get(User, person.id).coordinated_community_ids()
    own = admin.grants[0]
    with pytest.raises(Refused):
        run_in_unit(lambda: service.revoke_grant(own.id, admin))


def test_register_resident_with_temporary_password(app, make_community):
    community = make_community()
    grid = community.grids[0]
    user, password = run_in_unit(lambda: service.register_resident(community, "张桂兰", "13912340001", grid.id))
    assert user.must_change_password and user.grid_id == grid.id
    assert len(password) == 8 and verify_password(user, password)
    run_in_unit(lambda: service.change_password(user, password, "my-own-pass-2026"))
    assert not user.must_change_password and verify_password(user, "my-own-pass-2026")


def test_register_resident_in_foreign_grid_refused(app, make_community):
    community, other = make_community(), make_community()
    with pytest.raises(Invalid):
        run_in_unit(lambda: service.register_resident(community, "张桂兰", "13912340001", other.grids[0].id))
    assert _count(User) == 0


def test_change_password_checks(app, make_user):
    user = make_user("resident", password="secret-pass-1")
    with pytest.raises(Invalid) as err:
        run_in_unit(lambda: service.change_password(user, "wrong", "another-pass-9"))
    assert err.value.code == "wrong_password"
    with pytest.raises(Invalid) as err:
        run_in_unit(lambda: service.change_password(user, "secret-pass-1", "12345678"))
    assert err.value.code == "weak_password"
    assert verify_password(db.session.get(User, user.id), "secret-pass-1")


# --- import ----------------------------------------------------------------------------------------------------


def _csv(text: str, encoding="utf-8") -> bytes:
    return text.encode(encoding)


def _xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_import_csv_chinese_header(app, make_community):
    community = make_community(grids=("一网格", "二网格"))
    data = _csv("姓名,手机号,网格\n王秀英,13911110001,一网格\n李建国,139 1111 0002,\n")
    slips = run_in_unit(lambda: import_residents(community, parse_sheet("居民.csv", data)))
    assert [(u.name, u.phone, u.grid.name if u.grid else None) for u, _ in slips] == [
        ("王秀英", "13911110001", "一网格"),
        ("李建国", "13911110002", None),
    ]
    assert all(verify_password(u, p) and u.must_change_password for u, p in slips)


def test_import_gbk_csv_and_english_header(app, make_community):
    community = make_community(grids=("一网格",))
    data = _csv("Name,Phone,Grid\n赵玉梅,13911110003,一网格\n", "gb18030")
    slips = run_in_unit(lambda: import_residents(community, parse_sheet("r.csv", data)))
    assert slips[0][0].name == "赵玉梅"


def test_import_xlsx_with_numeric_phone(app, make_community):
    community = make_community(grids=("一网格",))
    data = _xlsx(
        [
            ["姓名", "手机号码", "网格"],
            ["黄文斌", 13911110004, "一网格"],
            [None, None, None],
            ["周丽娟", "13911110005", None],
        ]
    )
    slips = run_in_unit(lambda: import_residents(community, parse_sheet("r.xlsx", data)))
    assert [u.phone for u, _ in slips] == ["13911110004", "13911110005"]


def test_bad_sheet_lists_every_bad_row_and_imports_nothing(app, make_community, make_user):
    community = make_community(grids=("一网格",))
    existing = make_user("resident", community=community)
    before = _count(User)
    data = _csv(
        "姓名,手机号,网格\n"
        "王秀英,13911110001,一网格\n"  # row 2: fine
        "李建国,12345,一网格\n"  # row 3: bad phone
        "张桂兰,13911110001,一网格\n"  # row 4: duplicate of row 2
        f"刘德华,{existing.phone},\n"  # row 5: already registered
        "陈淑芬,13911110006,九网格\n"  # row 6: unknown grid
        ",13911110007,一网格\n"  # row 7: empty name
    )
    with pytest.raises(Refused) as err:
        run_in_unit(lambda: import_residents(community, parse_sheet("r.csv", data)))
    assert err.value.code == "bad_rows"
    found = [(r["row"], r["code"]) for r in err.value.details["rows"]]
    assert found == [
        (3, "invalid_phone"),
        (4, "duplicate_in_sheet"),
        (5, "already_registered"),
        (6, "unknown_grid"),
        (7, "empty_name"),
    ]
    assert "2" in err.value.details["rows"][1]["message"]
    assert _count(User) == before


@pytest.mark.parametrize(
    "filename, data, code",
    [
        ("r.pdf", b"%PDF", "unsupported_file"),
        ("r.csv", b"", "empty_sheet"),
        ("r.csv", "姓名,地址\n王秀英,梨园\n".encode(), "bad_header"),
        ("r.csv", "姓名,手机号\n".encode(), "empty_sheet"),
        ("r.xlsx", b"not a zip", "unreadable_sheet"),
    ],
)
def test_unreadable_sheets(app, filename, data, code):
    with pytest.raises(Invalid) as err:
        parse_sheet(filename, data)
    assert err.value.code == code
