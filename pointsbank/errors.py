"""DomainError family with stable codes, and one handler for pages and the API."""

from __future__ import annotations

from typing import Any

from flask import Flask, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A refusal with a stable code; status is the HTTP status the API answers with."""

    status = 422

    def __init__(self, code: str, message: Any = None, details: dict | None = None, status: int | None = None):
        super().__init__(code)
        self.code = code
        self.message = message if message is not None else code
        self.details = details or {}
        if status is not None:
            self.status = status

    def to_dict(self) -> dict:
        body = {"code": self.code, "message": str(self.message)}
        if self.details:
            body["details"] = self.details
        return {"error": body}


class Invalid(DomainError):
    """Malformed input (400)."""

    status = 400


class Refused(DomainError):
    """Valid input refused by a rule (422)."""

    status = 422


class Conflict(DomainError):
    """Conflicting state: used code, replayed key with another body, stale state (409)."""

    status = 409


class NotFound(DomainError):
    """Missing or outside the caller's scope (404)."""

    status = 404

    def __init__(self, code: str = "not_found", message: Any = None, **kw: Any):
        super().__init__(code, message if message is not None else _l("Not found."), **kw)


class Forbidden(DomainError):
    """Authenticated but not allowed (403)."""

    status = 403

    def __init__(self, code: str = "forbidden", message: Any = None, **kw: Any):
        super().__init__(code, message if message is not None else _l("You are not allowed to do this."), **kw)


def wants_json() -> bool:
    """API paths and clients that prefer JSON get JSON errors."""
    if request.path.startswith("/api/") or request.path.startswith("/open311/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "rate_limited",
    500: "server_error",
}


def http_error_body(status: int, message: str, code: str | None = None, details: dict | None = None) -> dict:
    """The JSON error body every API error uses."""
    body: dict = {"code": code or HTTP_CODES.get(status, "error"), "message": message}
    if details:
        body["details"] = details
    return {"error": body}


def _back_target() -> str:
    """Where a refused page request goes: the referring page of this site, else the form again, else home.

    A refused GET never redirects to itself (that would loop).
    """
    referrer = request.referrer or ""
    if referrer.startswith(request.host_url) and referrer != request.url:
        return referrer
    if request.method != "GET":
        return request.url
    return url_for("home.index")


def register_error_handlers(app: Flask) -> None:
    """One handler answers HTML or JSON."""

    @app.errorhandler(DomainError)
    def _domain(err: DomainError):
        headers = getattr(err, "headers", None) or {}  # e.g. Retry-After on a 429
        if wants_json():
            return jsonify(err.to_dict()), err.status, headers
        if err.status in (403, 404):
            return render_template(f"errors/{err.status}.html", message=err.message), err.status
        flash(str(err.message), "error")
        return redirect(_back_target())

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):
        status = err.code or 500
        if wants_json():
            details = None
            data = getattr(err, "data", None)
            if isinstance(data, dict) and data.get("messages"):
                details = {"fields": data["messages"]}
            code = getattr(err, "pb_code", None)
            body = jsonify(http_error_body(status, err.description or err.name, code, details))
            return body, status, _allow(err)
        template = f"errors/{status}.html" if status in (403, 404, 429, 413) else "errors/generic.html"
        return render_template(template, error=err), status, _allow(err)

    def _allow(err: HTTPException) -> dict:
        """A 405 names the methods the address does take (RFC 9110)."""
        methods = getattr(err, "valid_methods", None)
        return {"Allow": ", ".join(sorted(methods))} if err.code == 405 and methods else {}

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        app.logger.exception("unhandled error")
        if wants_json():
            return jsonify(http_error_body(500, str(_l("Internal server error.")))), 500
        return render_template("errors/500.html"), 500
