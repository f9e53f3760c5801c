"""PostgreSQL helpers for the benchmark: throw-away databases, migrations, the app's environment."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("PB_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PASSWORD = "bench-pass-2026"  # every generated resident's password (the benchmark logs in with it)
SECRET = "bench-secret-key-not-for-production"


def admin() -> sa.Engine:
    return sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})


def url_of(name: str, driver: str = "postgresql+psycopg") -> str:
    """The SQLAlchemy URL of database name on the benchmark's server."""
    return sa.make_url(ADMIN_URL).set(drivername=driver, database=name).render_as_string(hide_password=False)


def libpq_url(name: str) -> str:
    """The same database as a libpq URL (psql, pgbench, psycopg)."""
    return url_of(name, "postgresql")


def new_database(prefix: str = "pb_bench") -> str:
    """Create an empty database with a fresh name and return the name."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    engine = admin()
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return name


def drop_database(name: str) -> None:
    engine = admin()
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    engine.dispose()


def app_env(database: str, instance: Path) -> dict[str, str]:
    """Environment for the app (gunicorn workers, flask commands) on database."""
    env = dict(os.environ)
    env.update(
        {
            "PB_DATABASE_URL": url_of(database),
            "PB_SECRET_KEY": SECRET,
            "PB_INSTANCE_PATH": str(instance),
            "PB_RATELIMIT_DISABLED": "1",
            "PB_ENV": "production",
            "FLASK_APP": "wsgi",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def migrate(database: str, instance: Path) -> None:
    """Build the schema with the project's migrations (`flask db upgrade`)."""
    flask = Path(sys.executable).with_name("flask")
    subprocess.run(
        [str(flask), "db", "upgrade"], cwd=ROOT, env=app_env(database, instance), check=True, capture_output=True
    )
