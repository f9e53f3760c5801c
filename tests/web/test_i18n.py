"""Chinese first, English second: every string translated, a language switch on every page, error pages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from pointsbank import i18n_tool

CATALOGS = ["core", *[f for f in i18n_tool.FEATURES if i18n_tool._po_path(f).exists()]]


def _extracted_ids(feature: str, tmp_path: Path) -> set[str]:
    pot = tmp_path / f"{feature}.pot"
    files = [str(p.relative_to(i18n_tool.ROOT)) for p in i18n_tool.sources(feature)]
    subprocess.run(
        [
            str(Path(sys.executable).with_name("pybabel")),
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "--no-location",
            "-o",
            str(pot),
            *files,
        ],
        check=True,
        cwd=i18n_tool.ROOT,
    )
    with pot.open("rb") as fh:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}


@pytest.mark.parametrize("feature", ["core", *i18n_tool.FEATURES])
def test_every_string_has_chinese(feature, tmp_path):
    """Strings in the code and templates, freshly extracted, all have a Chinese translation in their catalog."""
    extracted = _extracted_ids(feature, tmp_path) if i18n_tool.sources(feature) else set()
    po = i18n_tool._po_path(feature)
    translated: set[str] = set()
    if po.exists():
        with po.open("rb") as fh:
            catalog = read_po(fh)
        translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and i18n_tool._translated(m)}
    missing = sorted(extracted - translated)
    assert not missing, f"{feature}: no Chinese for {missing}"


@pytest.mark.parametrize("feature", CATALOGS)
def test_catalogs_compiled(feature):
    po = i18n_tool._po_path(feature)
    assert po.with_suffix(".mo").exists(), "run the set-up (make translations) to compile catalogs"


PAGES = {
    "anonymous": ["/", "/login"],
    "resident": ["/", "/account", "/account/tokens", "/account/password"],
    "coordinator": ["/", "/communities/{community}/residents"],
    "admin": ["/", "/admin/places", "/admin/roles"],
}


@pytest.mark.parametrize("role", list(PAGES))
def test_language_switch_on_every_page(client, make_user, login, role):
    user = None
    if role != "anonymous":
        user = make_user(role)
        login(user)
    community = next(iter(user.coordinated_community_ids()), None) if user else None
    for path in PAGES[role]:
        url = path.format(community=community)
        zh = client.get(url)
        assert zh.status_code == 200, url
        body = zh.get_data(as_text=True)
        assert 'lang="zh-Hans"' in body and 'action="/lang/en"' in body and "English" in body, url
        en = client.get(url + "?lang=en").get_data(as_text=True)
        assert 'lang="en"' in en and 'action="/lang/zh_Hans"' in en and "中文" in en, url


def test_switch_is_remembered(client, make_user, login):
    user = make_user("resident")
    login(user)
    answer = client.post("/lang/en", headers={"Referer": "http://localhost/account"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/account")
    assert "My account" in client.get("/account").get_data(as_text=True)
    assert user.locale == "en"
    client.post("/lang/zh_Hans")
    assert "我的账号" in client.get("/account").get_data(as_text=True)


def test_unknown_language_falls_back_to_chinese(client):
    client.post("/lang/xx")
    assert 'lang="zh-Hans"' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    "lang, words", [("zh_Hans", ["页面不存在", "返回首页"]), ("en", ["Not found", "Back to home"])]
)
def test_404_page_in_both_languages(client, lang, words):
    answer = client.get(f"/no-such-page?lang={lang}")
    assert answer.status_code == 404
    assert all(w in answer.get_data(as_text=True) for w in words)


@pytest.mark.parametrize("lang, word", [("zh_Hans", "出错"), ("en", "Something went wrong")])
def test_500_page_in_both_languages(app, lang, word):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    answer = app.test_client().get(f"/boom?lang={lang}")
    assert answer.status_code == 500 and word in answer.get_data(as_text=True)


@pytest.mark.parametrize("lang, word", [("zh_Hans", "无权"), ("en", "Not allowed")])
def test_403_page_in_both_languages(app, lang, word):
    from pointsbank.errors import Forbidden

    @app.get("/forbidden")
    def forbidden():
        raise Forbidden()

    answer = app.test_client().get(f"/forbidden?lang={lang}")
    assert answer.status_code == 403 and word in answer.get_data(as_text=True)


def test_api_errors_translated_by_language(client, make_user, login):
    login(make_user("coordinator"))
    answer = client.post("/api/v1/communities/999999/residents?lang=en", json={"name": "x", "phone": "13911112222"})
    assert answer.status_code == 404 and answer.get_json()["error"]["message"] == "Not found."
