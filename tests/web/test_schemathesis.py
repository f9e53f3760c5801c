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
from schemathesis.specs.openapi import checks as _openapi_checks  # noqa: F401  (registers the OpenAPI checks)

from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from tests.conftest import make_test_app

EXAMPLES = int(os.environ.get("PB_FUZZ_EXAMPLES", "24"))
ROLES = ("admin", "coordinator", "clerk", "resident")
CHECKS = CHECK_REGISTRY.get_all()  # every check schemathesis has (`--checks all`)
assert len(CHECKS) > 10, [c.__name__ for c in CHECKS]
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
