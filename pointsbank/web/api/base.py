"""Shared pieces of the JSON API: the Api class, the blueprint class, error schema, auth."""

from __future__ import annotations

import functools
from typing import Any, Callable

import marshmallow as ma
from flask import current_app, g, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Api, Blueprint
from flask_wtf.csrf import CSRFError, validate_csrf
from webargs.flaskparser import FlaskParser
from wtforms.validators import ValidationError

from pointsbank.errors import DomainError


class ErrorBodySchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "Stable error code"})
    message = ma.fields.String(required=True)
    details = ma.fields.Dict()


class ErrorSchema(ma.Schema):
    """`{"error": {"code": ..., "message": ..., "details": {...}}}`"""

    error = ma.fields.Nested(ErrorBodySchema, required=True)


class PbApi(Api):
    """flask-smorest Api using the project's error body and its single error handler."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:  # errors.register_error_handlers answers JSON
        return None


class Parser(FlaskParser):
    """Malformed input is 400 (422 is for valid input refused by a rule)."""

    DEFAULT_VALIDATION_STATUS = 400


class ApiBlueprint(Blueprint):
    """Blueprint for /api/v1 resources."""

    ARGUMENTS_PARSER = Parser()
    PAGINATION_ARGUMENTS_PARSER = Parser()


class Unauthorized(DomainError):
    status = 401


def api_auth(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Require a logged-in user (session or bearer token); session writes need the CSRF header."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            raise Unauthorized("unauthorized", _l("Log in or send a bearer token."))
        if _needs_csrf():
            try:
                validate_csrf(request.headers.get("X-CSRFToken", ""))
            except (ValidationError, CSRFError) as exc:
                raise DomainError("csrf_failed", _l("Missing or invalid CSRF token."), status=400) from exc
        return fn(*args, **kwargs)

    return wrapper


def _needs_csrf() -> bool:
    """Cookie-authenticated writes must carry X-CSRFToken; token-authenticated ones need not."""
    if request.method in ("GET", "HEAD", "OPTIONS") or g.get("pb_token_auth"):
        return False
    return current_app.config.get("WTF_CSRF_ENABLED", True)


BEARER = {"bearerAuth": []}
SESSION = {"cookieAuth": []}
SECURITY = [BEARER, SESSION]
