"""A refused page request says why and goes somewhere sensible; it never redirects to itself."""

import pytest

from pointsbank.errors import Refused


@pytest.fixture
def refusing_app(app):
    def refuse():
        raise Refused("test_refused", "Refused for the test.")

    app.add_url_rule("/test-refuse", "test_refuse", refuse, methods=["GET", "POST"])
    return app


def test_refused_get_without_referrer_goes_home(refusing_app):
    answer = refusing_app.test_client().get("/test-refuse")
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/")


def test_refused_get_from_a_page_goes_back_there(refusing_app):
    answer = refusing_app.test_client().get("/test-refuse", headers={"Referer": "http://localhost/ledger/"})
    assert answer.headers["Location"] == "http://localhost/ledger/"


def test_refused_post_shows_the_form_again_with_the_message(refusing_app):
    client = refusing_app.test_client()
    answer = client.post("/test-refuse")
    assert answer.headers["Location"].endswith("/test-refuse")
    with client.session_transaction() as session:
        assert ("error", "Refused for the test.") in session["_flashes"]


def test_refused_api_call_answers_json(refusing_app):
    answer = refusing_app.test_client().get("/test-refuse", headers={"Accept": "application/json"})
    assert answer.status_code == 422
    assert answer.get_json() == {"error": {"code": "test_refused", "message": "Refused for the test."}}


def test_a_405_names_the_allowed_methods_in_json_and_html(client):
    api = client.delete("/api/v1/openapi.json")
    assert api.status_code == 405 and "GET" in api.headers["Allow"]
    assert api.get_json()["error"]["code"] == "method_not_allowed"
    page = client.put("/login")
    assert page.status_code == 405 and "POST" in page.headers["Allow"] and "GET" in page.headers["Allow"]
