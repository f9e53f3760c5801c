"""On PostgreSQL too, `flask db upgrade` builds exactly the models' schema."""

import uuid

import sqlalchemy as sa

from pointsbank.extensions import db
from tests.conftest import PG_URL, make_test_app
from tests.web.test_migrations import _diff


def test_postgres_migrations_match_models(pg_app, pg_database, tmp_path):
    # A database of its own: the shared one is built by create_all.
    name = f"pb_mig_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(sa.make_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        url = sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        app = make_test_app(url, tmp_path)
        assert _diff(app) == []
        with app.app_context():
            triggers = set(db.session.scalars(sa.text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")))
            migrated = _functions(db.session)
            db.session.remove()
            db.engine.dispose()
        assert {"entry_append_only", "transfer_append_only"} <= triggers
        assert migrated == _functions(db.session)  # pg_app's database, built by create_all
        assert {"ledger_spend", "station_redeem"} <= set(migrated)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


FUNCTIONS = (
    "SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p"
    " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'"
)


def _functions(session) -> dict[str, str]:
    return dict(session.execute(sa.text(FUNCTIONS)).all())
