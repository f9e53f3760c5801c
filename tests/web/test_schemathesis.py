"""schemathesis over the WHOLE OpenAPI document, in-process: every check schemathesis has (`--checks all`).

Operations are read from the live document at collection time, so new endpoints are fuzzed without
touching this file. Each operation runs on a fresh copy of a seeded database; every example is sent with
the bearer token of one of the seeded demo users (admin, coordinator, clerk, resident), drawn with the
case. Deterministic (derandomized) and bounded: PB_FUZZ_EXAMPLES examples per operation (default 24).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS as CHECK_REGISTRY
from schemathesis.specs.openapi.checks import positive_data_acceptance  # also registers the OpenAPI checks

from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from tests.conftest import make_test_app

EXAMPLES = int(os.environ.get("PB_FUZZ_EXAMPLES", "24"))
ROLES = ("admin", "coordinator", "clerk", "resident")
ALL_CHECKS = CHECK_REGISTRY.get_all()  # every check schemathesis has (`--checks all`)
assert len(ALL_CHECKS) > 10, [c.__name__ for c in ALL_CHECKS]

# positive_data_acceptance expects 2xx for every request the document allows. Two kinds of answer are
# allowed besides, each for its reason:
# - 422: the design's code for a well-formed request that a rule of the bank refuses (not enough points,
#   not a resident, over a cap); what is refused is the business state, not the request's shape.
# - 400 with one of the codes below, on the operation named: a rule JSON Schema cannot state. Each is
#   answered with its stable code and has a test in its feature's tests.
RULES_THE_SCHEMA_CANNOT_STATE = {
    ("GET /api/v1/accounts/{account_id}/entries", "bad_request"): "before and after are one cursor: not both",
    ("GET /open311/v2/requests.json", "open311"): "Open311 arguments are free text (id lists, W3C dates): bad ones 400",
    ("GET /open311/v2/requests.xml", "open311"): "Open311 arguments are free text (id lists, W3C dates): bad ones 400",
    ("GET /api/v1/reports/hot-topics", "invalid_week"): "the ISO week must exist (W53 only in long years)",
    ("PUT /api/v1/me/notice-preferences", "quiet_hours_incomplete"): "quiet hours need both a start and an end",
    ("GET /api/v1/reports/hot-topics", "community_required"): "an admin (many communities) must name one",
    ("GET /api/v1/reports", "community_required"): "an admin (many communities) must name one",
    ("POST /api/v1/reports", "unknown_category"): "the category must be one of the reporter's community",
    ("POST /api/v1/reports/bulk-assign", "assignee_required"): "a grid worker or a department: one of two",
    ("POST /api/v1/reports/{report_id}/assign", "assignee_required"): "a grid worker or a department: one of two",
    ("POST /api/v1/stations/{station_id}/offline-sync", "invalid_characters"): "no text may hold NUL",
    ("POST /api/v1/communities/{community_id}/residents", "invalid_characters"): "no text may hold NUL",
    ("PUT /api/v1/me/notice-preferences", "unknown_channel"): "channels are what this server is configured with",
    ("PUT /api/v1/resident-card", "invalid_pin"): "a PIN may not be one digit repeated",
    ("POST /api/v1/role-grants", "invalid_phone"): "a mainland mobile number (checked by its prefix rules)",
}


def positive_data_acceptance_or_rule(ctx, response, case):
    """schemathesis's positive_data_acceptance, with the two allowances above."""
    if case.meta is not None and case.meta.generation.mode.is_positive:
        if response.status_code == 422:
            return None
        if response.status_code == 400:
            try:
                code = response.json()["error"]["code"]
            except Exception:  # noqa: BLE001  (Open311 answers its own error list, in JSON or XML)
                code = "open311" if case.operation.label.startswith("GET /open311/") else None
            if (case.operation.label, code) in RULES_THE_SCHEMA_CANNOT_STATE:
                return None
    return positive_data_acceptance(ctx, response, case)


CHECKS = [c for c in ALL_CHECKS if c is not positive_data_acceptance] + [positive_data_acceptance_or_rule]
METHODS = ("get", "put", "post", "patch", "delete")


def _document() -> dict:
    """The OpenAPI document, read once at collection."""
    with tempfile.TemporaryDirectory() as tmp:
        app = make_test_app("sqlite://", Path(tmp))
        return app.test_client().get("/api/v1/openapi.json").get_json()


DOCUMENT = _document()
OPERATIONS = sorted(
    (method.upper(), path) for path, item in DOCUMENT["paths"].items() for method in item if method in METHODS
)


@pytest.fixture(scope="module")
def seeded_template(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A SQLite file with the schema and the demo data, and a personal token per role."""
    from pointsbank.people.auth import create_token
    from pointsbank.seed import seed_all, seed_core

    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "seeded.db"
    app = make_test_app(f"sqlite:///{path}", folder)
    tokens: dict[str, str] = {}
    with app.app_context(), app.test_request_context():
        db.create_all()
        run_in_unit(seed_all)
        ctx = run_in_unit(seed_core)  # idempotent: returns the same demo people
        people = {
            "admin": ctx.admin,
            "coordinator": ctx.coordinator,
            "clerk": ctx.clerks[0],
            "resident": ctx.residents[0],
        }
        for role, user in people.items():
            tokens[role] = run_in_unit(lambda user=user: create_token(user, "fuzz"))[1]
        db.session.remove()
        db.engine.dispose()
    return path, tokens


def test_document_is_valid_openapi():
    assert DOCUMENT["openapi"].startswith("3.")
    assert OPERATIONS, "no operations found"
    schemathesis.openapi.from_dict(DOCUMENT)


@pytest.mark.parametrize("method, path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_api_operation(seeded_template, tmp_path, method, path):
    template, tokens = seeded_template
    database = tmp_path / "fuzz.db"
    shutil.copy(template, database)
    app = make_test_app(f"sqlite:///{database}", tmp_path)
    schema = schemathesis.openapi.from_dict(DOCUMENT)
    schema.app = app
    operation = schema[path][method]
    cases = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(GenerationMode.NEGATIVE)

    @settings(
        max_examples=EXAMPLES, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(case=cases, role=st.sampled_from(ROLES))
    def fuzz(case, role):
        # Passed as the caller's own headers, so schemathesis knows the token is real (ignored_auth probes
        # the same request without it and with a wrong one, and expects 401).
        case.call_and_validate(checks=CHECKS, headers={"Authorization": f"Bearer {tokens[role]}"})

    with app.app_context():
        try:
            fuzz()
        finally:
            db.session.remove()
            db.engine.dispose()
