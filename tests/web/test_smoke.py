"""The app starts, pages answer in Chinese by default, the API document is served."""


def test_welcome_in_chinese_by_default(client):
    page = client.get("/")
    assert page.status_code == 200
    assert "幸福银行" in page.get_data(as_text=True)


def test_english_on_request(client):
    page = client.get("/?lang=en")
    assert "Happiness Bank" in page.get_data(as_text=True)


def test_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert "/api/v1/me" in doc["paths"]


def test_api_needs_login(client):
    answer = client.get("/api/v1/me")
    assert answer.status_code == 401
    assert answer.get_json()["error"]["code"] == "unauthorized"


def test_me_for_logged_in_resident(client, make_user, login):
    user = make_user("resident", name="王秀英")
    login(user)
    body = client.get("/api/v1/me").get_json()
    assert body["name"] == "王秀英"
    assert body["roles"] == ["resident"]
