"""Settings from PB_* environment variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def _instance_secret(instance_path: Path) -> str:
    """Return the secret key kept in instance/, creating it once."""
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load(instance_path: str) -> dict:
    """Build the Flask config from the environment."""
    instance = Path(instance_path)
    env = os.environ.get("PB_ENV", "development")
    database_url = os.environ.get("PB_DATABASE_URL") or f"sqlite:///{instance / 'pointsbank.db'}"
    secret = os.environ.get("PB_SECRET_KEY") or _instance_secret(instance)
    return {
        "PB_ENV": env,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(database_url),
        "MAX_CONTENT_LENGTH": int(os.environ.get("PB_MAX_UPLOAD_MB", "12")) * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production" or _bool("PB_SECURE_COOKIES"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "zh_Hans",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "LANGUAGES": ["zh_Hans", "en"],
        "RATELIMIT_STORAGE_URI": os.environ.get("PB_RATELIMIT_STORAGE", "memory://"),
        "RATELIMIT_ENABLED": not _bool("PB_RATELIMIT_DISABLED"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "PB_LOGIN_LIMIT": os.environ.get("PB_LOGIN_LIMIT", "5 per 15 minutes"),
        "PB_LOGIN_ADDRESS_LIMIT": os.environ.get("PB_LOGIN_ADDRESS_LIMIT", "20 per 15 minutes"),
        "PB_SESSION_IDLE_MINUTES": int(os.environ.get("PB_SESSION_IDLE_MINUTES", "120")),
        "PB_REAUTH_MINUTES": int(os.environ.get("PB_REAUTH_MINUTES", "5")),
        "PB_TOKEN_DAYS": int(os.environ.get("PB_TOKEN_DAYS", "90")),
        "PB_UPLOAD_DIR": os.environ.get("PB_UPLOAD_DIR") or str(instance / "uploads"),
        "PB_PORT": int(os.environ.get("PB_PORT", "5000")),
        # Duplicate suggestions for reports: within this many metres, or the same grid and place text, and days.
        "PB_DUPLICATE_METRES": int(os.environ.get("PB_DUPLICATE_METRES", "100")),
        "PB_DUPLICATE_DAYS": int(os.environ.get("PB_DUPLICATE_DAYS", "7")),
        "API_TITLE": "pointsbank 幸福银行",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "/docs",
        "OPENAPI_SWAGGER_UI_URL": "/static/vendor/swagger-ui/",
    }


def engine_options(url: str) -> dict:
    """Engine options: a pool for PostgreSQL (pinged after idle time: pointsbank.pg), a busy timeout for SQLite."""
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    return {"pool_size": 10, "max_overflow": 20}
