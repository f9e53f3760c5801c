"""The OpenAPI document tells the truth: 405 names Allow, empty PATCH is 400, long keys are 400,
limits use standard JSON-schema keywords."""

from __future__ import annotations

import json
import re

PATCHES = ("/api/v1/rules/{rule_id}", "/api/v1/report-categories/{category_id}", "/api/v1/activities/{activity_id}")


def _document(client) -> dict:
    return client.get("/api/v1/openapi.json").get_json()


def test_405_names_the_allowed_methods(client, make_user, login):
    login(make_user("admin"))
    answer = client.delete("/api/v1/openapi.json")
    assert answer.status_code == 405
    assert "GET" in answer.headers["Allow"]
    assert answer.get_json()["error"]["code"] == "method_not_allowed"


def test_no_non_standard_limit_keys_in_the_document(client):
    text = json.dumps(_document(client))
    for key in ("x-minimum", "x-maximum", "x-minLength", "x-maxLength"):
        assert f'"{key}"' not in text


def test_idempotency_header_is_limited_to_100_everywhere(client):
    for path, item in _document(client)["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if parameter.get("name") == "Idempotency-Key":
                    assert parameter["schema"]["maxLength"] == 100, (method, path)


def test_empty_patch_is_400_with_a_stable_code(client, make_user, login):
    """Every documented PATCH, on an object that exists, refuses an empty body (nothing to change)."""
    from pointsbank.db import run_in_unit
    from pointsbank.seed import seed_all

    run_in_unit(seed_all)
    login(make_user("admin"))
    documented = [path for path, item in _document(client)["paths"].items() if "patch" in item]
    assert len(documented) >= 8
    for path in documented:
        url = re.sub(r"\{[a-z_]+\}", "1", path)
        assert client.get(url).status_code != 404 or "residents" in path or "settings" in path, path
        answer = client.patch(url, json={})
        assert answer.status_code == 400, (path, answer.status_code, answer.get_data(as_text=True)[:200])
        assert answer.get_json()["error"]["code"], path


def test_multipart_bodies_document_their_form_fields_and_files(client):
    document = _document(client)
    body = document["paths"]["/api/v1/reports"]["post"]["requestBody"]["content"]["multipart/form-data"]
    schema = document["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[1]]
    assert {"category_id", "description", "photos"} <= set(schema["properties"])
    assert {"category_id", "description"} <= set(schema["required"])


def test_over_long_idempotency_key_is_400_on_bulk_approve(client, make_user, make_community, login):
    login(make_user("coordinator", community=make_community()))
    answer = client.post(
        "/api/v1/pending-awards/bulk-approve", json={"ids": [1]}, headers={"Idempotency-Key": "k" * 101}
    )
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == "invalid_idempotency_key"
    fine = client.post("/api/v1/pending-awards/bulk-approve", json={"ids": [1]}, headers={"Idempotency-Key": "k" * 100})
    assert fine.status_code == 200
