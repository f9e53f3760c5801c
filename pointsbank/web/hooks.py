"""Request hooks: language, time zone, elder mode, security headers, template helpers."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, has_request_context, jsonify, render_template, request
from flask_babel import format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.routing import IntegerConverter

SHANGHAI = ZoneInfo("Asia/Shanghai")
REQUEST_STATE = ("_login_user", "pb_token_auth", "pb_token", "pb_session", "_flask_babel")
LOCALE_COOKIE = "pb_lang"
ELDER_COOKIE = "pb_elder"
CSP = (
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self'; "
    "script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# The API reference page (Swagger UI) needs an inline script and inline styles.
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; font-src 'self' data:; frame-ancestors 'none'"
)


class IdConverter(IntegerConverter):
    """`<int:...>` in URLs: 1 to 2**31-1, the range of an id column; anything else is a plain 404."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("min", 0)
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def select_locale() -> str:
    """?lang=, then the cookie, then the user's choice, then Chinese."""
    supported = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and services called outside a request
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    for candidate in (request.args.get("lang"), request.cookies.get(LOCALE_COOKIE)):
        if candidate in supported:
            return candidate
    if current_user and current_user.is_authenticated and current_user.locale in supported:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return "Asia/Shanghai"


def elder_mode() -> bool:
    """The 长辈版 switch: the cookie wins, then the user's saved choice."""
    if not has_request_context():
        return False
    cookie = request.cookies.get(ELDER_COOKIE)
    if cookie in ("1", "0"):
        return cookie == "1"
    return bool(current_user and current_user.is_authenticated and current_user.elder_mode)


def local_time(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    """A stored UTC time shown in Asia/Shanghai."""
    if value is None:
        return ""
    return format_datetime(value, fmt)


def _has_nul(value: object) -> bool:
    """Whether a string anywhere in a JSON-like value holds a NUL character."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _nul_refused():
    from pointsbank.errors import Invalid

    return Invalid("invalid_characters", _l("The text contains a character that cannot be stored (NUL)."))


def register(app: Flask) -> None:
    @app.teardown_request
    def _forget_request_state(_exc: BaseException | None = None) -> None:
        # A request reuses an app context that is already pushed (CLI, tests), and with it `g`:
        # never let the user, token or language of an earlier request answer for this one.
        for name in REQUEST_STATE:
            g.pop(name, None)

    def _read_without_transaction() -> None:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            from pointsbank.db import read_without_transaction
            from pointsbank.extensions import db

            read_without_transaction(db.session())

    # First of all before-request hooks: those registered earlier by blueprints may load the user.
    app.before_request_funcs.setdefault(None, [])[:0] = [_forget_request_state, _read_without_transaction]

    @app.before_request
    def _refuse_nul_characters() -> None:
        """NUL cannot be stored as text (PostgreSQL refuses it): a clean 400 before anything runs."""
        if _has_nul(request.path) or _has_nul(list(request.args.values())) or _has_nul(list(request.headers.values())):
            raise _nul_refused()
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return
        body = request.get_json(silent=True) if request.is_json else list(request.form.values())
        if _has_nul(body):
            raise _nul_refused()

    @app.before_request
    def _token_scope() -> None:
        """A bearer token may call only what its scope covers (read, counter, manage): 403 otherwise."""
        if not request.headers.get("Authorization", "").startswith("Bearer "):
            return
        if current_user.is_authenticated and g.get("pb_token") is not None:
            from pointsbank.people.tokens import require_scope

            require_scope(g.pb_token, request.method, request.url_rule.rule if request.url_rule else None)

    @app.after_request
    def _security_headers(response):
        docs = request.path.startswith("/api/v1/docs")
        response.headers.setdefault("Content-Security-Policy", DOCS_CSP if docs else CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()")
        return response

    @app.context_processor
    def _template_globals():
        return {
            "elder_mode": elder_mode(),
            "current_locale": str(get_locale()),
            "languages": app.config["LANGUAGES"],
        }

    @app.errorhandler(CSRFError)
    def _csrf_error(err: CSRFError):
        """A form without a valid CSRF token: a clear message in the user's language; nothing changed."""
        from pointsbank.errors import http_error_body, wants_json

        message = _l("The form has expired or was not sent from this site. Go back, reload the page and try again.")
        if wants_json():
            return jsonify(http_error_body(400, str(message), "csrf_failed")), 400
        return render_template("errors/generic.html", error=err, message=message), 400

    from pointsbank.web.nav import home_links

    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.globals["home_links"] = home_links
    app.jinja_env.globals["g"] = g
