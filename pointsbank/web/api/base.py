"""Shared pieces of the JSON API: the Api class, the blueprint class, error schema, auth."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import marshmallow as ma
from flask import current_app, g, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Api, Blueprint
from flask_wtf.csrf import CSRFError, validate_csrf
from webargs.flaskparser import FlaskParser
from wtforms.validators import ValidationError

from pointsbank.errors import DomainError, Invalid


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

    def _init_spec(self, *args: Any, **kwargs: Any) -> None:
        super()._init_spec(*args, **kwargs)
        self.ma_plugin.converter.add_attribute_function(_standard_limits)
        to_dict = self.spec.to_dict
        self.spec.to_dict = lambda: _patch_bodies_change_something(to_dict())


def _patch_bodies_change_something(document: dict) -> dict:
    """A PATCH body must name at least one field (api_auth answers an empty one 400 `nothing_to_change`)."""
    schemas = document.get("components", {}).get("schemas", {})
    for item in document.get("paths", {}).values():
        body = item.get("patch", {}).get("requestBody", {}).get("content", {}).get("application/json", {})
        ref = body.get("schema", {}).get("$ref", "")
        if ref.rsplit("/", 1)[-1] in schemas:
            schemas[ref.rsplit("/", 1)[-1]]["minProperties"] = 1
    return document


def _standard_limits(self: Any, field: ma.fields.Field, ret: dict, **kwargs: Any) -> dict:
    """apispec writes non-numeric ranges (dates) as x-minimum/x-maximum; JSON schema has no such keywords,
    so the document states them in the description instead (the API still enforces them)."""
    low, high = ret.pop("x-minimum", None), ret.pop("x-maximum", None)
    if low is None and high is None:
        return {}
    bounds = f"from {low if low is not None else '…'} to {high if high is not None else '…'}"
    description = ret.get("description")
    return {"description": f"{description} ({bounds})" if description else bounds.capitalize()}


class Parser(FlaskParser):
    """Malformed input is 400 (422 is for valid input refused by a rule)."""

    DEFAULT_VALIDATION_STATUS = 400


class ApiBlueprint(Blueprint):
    """Blueprint for /api/v1 resources."""

    ARGUMENTS_PARSER = Parser()
    PAGINATION_ARGUMENTS_PARSER = Parser()

    def _prepare_arguments_doc(self, doc, doc_info, *, api, spec, **kwargs):
        """A form and its files are one multipart body: document both schemas' fields together."""
        operation = doc_info.get("arguments")
        params = [p for p in (operation or {}).get("parameters", []) if isinstance(p, dict)]
        form = next((p for p in params if p.get("in") == "form"), None)
        files = next((p for p in params if p.get("in") == "files"), None)
        if form is not None and files is not None:
            form_schema, files_schema = _schema_of(form["schema"]), _schema_of(files["schema"])
            name = type(form_schema).__name__.removesuffix("Schema").removesuffix("Form") + "Upload"
            both = ma.Schema.from_dict({**form_schema.fields, **files_schema.fields}, name=name)
            merged = {**files, "schema": both, "required": bool(form.get("required") or files.get("required"))}
            rest = [p for p in operation["parameters"] if p is not form and p is not files]
            doc_info = {**doc_info, "arguments": {**operation, "parameters": [merged, *rest]}}
        return super()._prepare_arguments_doc(doc, doc_info, api=api, spec=spec, **kwargs)


def _schema_of(schema: Any) -> ma.Schema:
    return schema() if isinstance(schema, type) else schema


_DOCS = ApiBlueprint("api_docs", __name__)  # never registered: alt_response only needs a blueprint to build the doc


def errors(*statuses: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Document the error body (ErrorSchema) for each of the given statuses."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        for status in statuses:
            fn = _DOCS.alt_response(status, schema=ErrorSchema)(fn)
        return fn

    return decorate


IDEMPOTENCY_KEY_MAX = 100
IDEMPOTENCY_HEADER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_KEY_MAX, "pattern": "\\S"},
    "description": "Repeat a write safely: the same key returns the first result.",
}


def idempotency_header() -> str:
    """The client's Idempotency-Key header, stripped ("" without one); blank or too long is 400."""
    raw = request.headers.get("Idempotency-Key")
    if raw is None:
        return ""
    header = raw.strip()
    if not header or len(header) > IDEMPOTENCY_KEY_MAX:
        raise Invalid(
            "invalid_idempotency_key",
            _l("The Idempotency-Key header must be 1 to %(n)d characters.", n=IDEMPOTENCY_KEY_MAX),
        )
    return header


def idempotency_key(action: str) -> str | None:
    """The client's Idempotency-Key scoped by action and user, or None without one."""
    header = idempotency_header()
    return f"api:{action}:{current_user.id}:{header}" if header else None


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
        if request.method == "PATCH" and request.is_json and request.get_json(silent=True) == {}:
            raise Invalid("nothing_to_change", _l("Send at least one field to change."))
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            idempotency_header()  # a blank or over-long key is 400 on every write, used or not
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
