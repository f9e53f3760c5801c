"""flask seed-demo and flask create-user."""

from __future__ import annotations

import re

import sqlalchemy as sa

from pointsbank.extensions import db
from pointsbank.people.auth import verify_password
from pointsbank.people.models import Community, RoleGrant, User


def _row_counts() -> dict[str, int]:
    return {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def test_seed_demo_twice_creates_nothing_twice(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    db.session.remove()
    counts = _row_counts()
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    db.session.remove()
    assert _row_counts() == counts
    assert first.output == second.output


def test_seed_demo_is_realistic(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    community = db.session.scalar(sa.select(Community).where(Community.name == "梨园社区"))
    assert community.full_name == "沙坪坝区 › 覃家岗街道 › 梨园社区"
    assert len(community.grids) >= 4
    residents = db.session.scalars(sa.select(User).where(User.community_id == community.id)).all()
    assert len(residents) == 20
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,4}", r.name) for r in residents)
    assert len({r.grid_id for r in residents}) >= 4
    roles = db.session.scalars(sa.select(RoleGrant.role)).all()
    assert roles.count("coordinator") == 1 and roles.count("clerk") == 2 and roles.count("admin") == 1
    # The demo logins are printed and work with the printed password.
    password = re.search(r"password for all: (\S+)\)", result.output).group(1)
    phones = re.findall(r"\b1\d{10}\b", result.output)
    assert len(phones) >= 5
    for phone in phones:
        user = db.session.scalar(sa.select(User).where(User.phone == phone))
        assert verify_password(user, password) and not user.must_change_password


def test_create_user(app, make_community):
    community = make_community()
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-user",
            "--phone",
            "13955556666",
            "--name",
            "陈渝",
            "--password",
            "strong-pass-2026",
            "--role",
            "coordinator",
            "--community-id",
            str(community.id),
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.phone == "13955556666"))
    assert user.coordinated_community_ids() == {community.id} and user.community_id is None
    resident = runner.invoke(
        args=[
            "create-user",
            "--phone",
            "13955557777",
            "--name",
            "王秀英",
            "--password",
            "strong-pass-2026",
            "--community-id",
            str(community.id),
        ]
    )
    assert resident.exit_code == 0
    assert db.session.scalar(sa.select(User).where(User.phone == "13955557777")).community_id == community.id


def test_create_user_prompts_for_password(app):
    result = app.test_cli_runner().invoke(
        args=["create-user", "--phone", "13955556666", "--name", "管理员", "--role", "admin"],
        input="strong-pass-2026\nstrong-pass-2026\n",
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(User).where(User.phone == "13955556666")).is_admin


def test_create_user_bad_input_changes_nothing(app, make_user):
    existing = make_user("resident")
    runner = app.test_cli_runner()
    cases = [
        (["--phone", "12345", "--name", "某人", "--password", "strong-pass-2026"], "invalid_phone"),
        (["--phone", existing.phone, "--name", "某人", "--password", "strong-pass-2026"], "duplicate_phone"),
        (["--phone", "13955556666", "--name", "某人", "--password", "12345678"], "weak_password"),
        (["--phone", "13955556666", "--name", "某人", "--password", "short"], "weak_password"),
        (
            ["--phone", "13955556666", "--name", "某人", "--password", "strong-pass-2026", "--role", "clerk"],
            "scope_required",
        ),
        (
            ["--phone", "13955556666", "--name", "某人", "--password", "strong-pass-2026", "--role", "coordinator"],
            "scope_required",
        ),
    ]
    before = db.session.scalar(sa.select(sa.func.count(User.id)))
    for args, code in cases:
        result = runner.invoke(args=["create-user", *args])
        assert result.exit_code != 0 and code in result.output, (args, result.output)
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == before
