"""Models and migrations agree: `flask db upgrade` on an empty database, then nothing left to generate."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from pointsbank.extensions import db
from tests.conftest import make_test_app


def _diff(app):
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
            return compare_metadata(context, db.metadata)


def test_sqlite_migrations_match_models(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path / 'migrated.db'}", tmp_path)
    assert _diff(app) == []
