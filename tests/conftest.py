"""Shared fixtures. Fixtures return factory callables; service tests do not go through HTTP."""

from __future__ import annotations

import itertools
import os
import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from pointsbank import create_app
from pointsbank.extensions import db

FACTORIES = ("ledger", "rules", "activities", "reports", "stations", "privacy")
pytest_plugins = [f"tests.factories.{name}" for name in FACTORIES]

PG_URL = os.environ.get("PB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("CI") == "true" or os.environ.get("PB_REQUIRE_POSTGRES") == "1"
TEST_CONFIG = {
    "TESTING": True,
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    "PB_PASSWORD_HASH": "pbkdf2:sha256:1000",
    "SERVER_NAME": "localhost",
    "PB_PRIVACY_CONSENT": False,  # the privacy notice gate has its own tests
}
_phones = itertools.count(1)


def make_test_app(database_url: str, tmp_path: Path, **extra) -> "Flask":  # noqa: F821
    config = dict(TEST_CONFIG, SQLALCHEMY_DATABASE_URI=database_url, PB_UPLOAD_DIR=str(tmp_path / "uploads"))
    config.update(extra)
    os.environ.setdefault("PB_INSTANCE_PATH", str(tmp_path / "instance"))
    return create_app(config)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file with the schema, copied for each test (faster than create_all each time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    app = make_test_app(f"sqlite:///{path}", path.parent)
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return path


@pytest.fixture
def app(sqlite_template, tmp_path, request):
    """A fresh app on its own SQLite file."""
    path = tmp_path / "test.db"
    shutil.copy(sqlite_template, path)
    extra = getattr(request, "param", None) or {}
    marker = request.node.get_closest_marker("app_config")
    if marker:
        extra = {**extra, **marker.kwargs}
    app = make_test_app(f"sqlite:///{path}", tmp_path, **extra)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _pg_admin_url() -> sa.URL:
    return sa.make_url(PG_URL)


def pg_reachable() -> bool:
    try:
        engine = sa.create_engine(_pg_admin_url(), connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def pg_database():
    """A fresh PostgreSQL database for this run (pb_test_<random>), dropped at the end."""
    if not pg_reachable():
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required (CI) but {PG_URL} cannot be reached")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: skipping the PostgreSQL suite")
    name = f"pb_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = _pg_admin_url().set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="session")
def pg_schema(pg_database, tmp_path_factory):
    app = make_test_app(pg_database, tmp_path_factory.mktemp("pg"))
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return pg_database


@pytest.fixture
def pg_app(pg_schema, tmp_path):
    """An app on the run's PostgreSQL database; every table is emptied after the test."""
    app = make_test_app(pg_schema, tmp_path)
    with app.app_context():
        yield app
        db.session.remove()
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.exec_driver_sql("SET session_replication_role = replica")
            conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_community():
    """make_community(name=...) -> Community in 沙坪坝区 › 覃家岗街道 with two grids."""
    from pointsbank.db import run_in_unit
    from pointsbank.people.service import get_or_create_community

    counter = itertools.count(1)

    def factory(name: str | None = None, grids=("第一网格", "第二网格")):
        label = name or f"测试社区{next(counter)}"
        return run_in_unit(lambda: get_or_create_community("沙坪坝区", "覃家岗街道", label, list(grids)))

    return factory


@pytest.fixture
def make_user(make_community):
    """make_user(role="resident"|"coordinator"|"clerk"|"admin", community=..., station=...) -> User."""
    from pointsbank.db import run_in_unit
    from pointsbank.people.service import create_user, grant_role

    def factory(
        role: str = "resident", *, community=None, station=None, name: str = "测试用户", password="secret-pass-1"
    ):
        def work():
            nonlocal community
            if community is None and role in ("resident", "coordinator"):
                community = make_community()
            phone = f"137{os.getpid() % 100:02d}{next(_phones):06d}"
            user = create_user(phone, name, password, community=community if role == "resident" else None)
            if role == "coordinator":
                grant_role(user, "coordinator", community=community)
            elif role == "clerk":
                grant_role(user, "clerk", station_id=station.id)
            elif role == "admin":
                grant_role(user, "admin")
            return user

        return run_in_unit(work)

    return factory


@pytest.fixture
def login(client):
    """login(user) logs the test client in without the form (the form has its own tests)."""

    def do(user, c=None):
        return login_client(c or client, user)

    return do


def login_client(c, user):
    """Give a test client a live server-side session for user (what the login form does)."""
    from pointsbank.db import run_in_unit
    from pointsbank.people import sessions

    secret = run_in_unit(lambda: sessions.start(user))
    with c.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
        session[sessions.SESSION_KEY] = secret
    return c
