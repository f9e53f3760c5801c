"""pointsbank (幸福银行): community volunteer points and redemption."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from pointsbank import config as config_module
from pointsbank.extensions import api, babel, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, error handlers, CLI."""
    instance_path = os.environ.get("PB_INSTANCE_PATH") or str(ROOT / "instance")
    app = Flask(
        __name__,
        instance_path=instance_path,
        template_folder=str(ROOT / "templates"),
    )
    app.config.update(config_module.load(app.instance_path))
    if config:
        app.config.update(config)
        if "SQLALCHEMY_DATABASE_URI" in config and "SQLALCHEMY_ENGINE_OPTIONS" not in config:
            app.config["SQLALCHEMY_ENGINE_OPTIONS"] = config_module.engine_options(config["SQLALCHEMY_DATABASE_URI"])
    _refuse_unsafe_production(app)
    _init_extensions(app)
    _register_blueprints(app)

    from pointsbank import offline
    from pointsbank.errors import register_error_handlers
    from pointsbank.web import hooks

    register_error_handlers(app)
    hooks.register(app)
    offline.register()

    from pointsbank import cli

    cli.register(app)
    return app


def _refuse_unsafe_production(app: Flask) -> None:
    if app.config["PB_ENV"] == "production" and not os.environ.get("PB_SECRET_KEY") and not app.config.get("TESTING"):
        raise RuntimeError("PB_SECRET_KEY must be set when PB_ENV=production.")


def _init_extensions(app: Flask) -> None:
    import pointsbank.models  # noqa: F401  (complete metadata)
    from pointsbank.db import install_sqlite_hooks
    from pointsbank.pg import install_postgresql_hooks
    from pointsbank.web.hooks import select_locale, select_timezone

    db.init_app(app)
    with app.app_context():
        install_sqlite_hooks(db.engine)
        install_postgresql_hooks(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True, render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "people.login"
    login_manager.login_message_category = "info"
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=";".join(str(p) for p in _translation_dirs()),
    )
    from pointsbank.web import i18n

    i18n.install(app)
    import pointsbank.people.auth  # noqa: F401  (user loaders)

    api.init_app(app, spec_kwargs={"servers": [{"url": "/"}]})
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.components.security_scheme("cookieAuth", {"type": "apiKey", "in": "cookie", "name": "session"})


def _translation_dirs() -> list[Path]:
    """One catalog per feature: pointsbank/<feature>/translations."""
    base = Path(__file__).resolve().parent
    return sorted(p for p in base.glob("*/translations") if p.is_dir()) + [base / "translations"]


def _register_blueprints(app: Flask) -> None:
    from pointsbank.web.api import API_BLUEPRINTS
    from pointsbank.web.hooks import IdConverter
    from pointsbank.web.pages import PAGE_BLUEPRINTS

    app.url_map.converters["int"] = IdConverter  # ids beyond the database integer range are 404, not 500

    for bp in PAGE_BLUEPRINTS():
        app.register_blueprint(bp)
    for blp in API_BLUEPRINTS():
        csrf.exempt(blp)
        api.register_blueprint(blp)
