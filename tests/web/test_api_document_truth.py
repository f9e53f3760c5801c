"""The OpenAPI document tells the truth: 405 names Allow, empty PATCH is 400, long keys are 400,
limits use standard JSON-schema keywords."""

from __future__ import annotations

import json

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
    login(make_user("admin"))
    documented = _document(client)["paths"]
    for path, item in documented.items():
        if "patch" not in item:
            continue
        answer = client.patch(path.replace("{", "").replace("}", "").replace("_id", "1"), json={})
        assert answer.status_code in (400, 404), (path, answer.status_code)
        if answer.status_code == 400:
            assert answer.get_json()["error"]["code"], path
