"""Minimum necessary: a clerk and a coordinator open every GET page and GET API they can; no resident's full number."""

from __future__ import annotations

import re

import pytest

from pointsbank.db import run_in_unit
from pointsbank.people.auth import create_token

SKIP = re.compile(r"^/(static|open311)/|/photos/|/export|\.zip$|\.xlsx$")


def _urls(app, ids: dict[str, int]) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or SKIP.search(rule.rule):
            continue
        values = {}
        for arg in rule.arguments:
            if arg not in ids:
                break
            values[arg] = ids[arg]
        else:
            with app.test_request_context():
                from flask import url_for

                try:
                    urls.append(url_for(rule.endpoint, **values))
                except Exception:  # a converter the walk cannot fill (e.g. any(...)): not a reachable page here
                    continue
    return urls


@pytest.mark.parametrize("role", ["coordinator", "clerk"])
def test_no_full_resident_number_on_any_page_or_api(
    app, client, login, role, make_community, make_user, make_station, make_category, make_report
):
    community = make_community()
    station = make_station(community) if role == "clerk" else None
    viewer = make_user(role, community=community if role == "coordinator" else None, station=station)
    residents = [make_user("resident", community=community, name=f"居民{i}") for i in range(2)]
    report = make_report(residents[0], make_category(community, "设施损坏"))
    ids = {
        "community_id": community.id,
        "user_id": residents[0].id,
        "resident_id": residents[0].id,
        "report_id": report.id,
        "station_id": station.id if station else 1,
    }
    login(viewer)
    _t, plain = run_in_unit(lambda: create_token(viewer, "walk"))
    headers = {"Authorization": f"Bearer {plain}"}
    seen = 0
    for url in _urls(app, ids):
        answer = client.get(url, headers=headers if url.startswith("/api/") else {})
        if answer.status_code != 200 or not answer.mimetype.startswith(("text/", "application/json")):
            continue
        seen += 1
        body = answer.get_data(as_text=True)
        for resident in residents:
            assert resident.phone not in body, f"{url} shows {resident.name}'s full number to a {role}"
    assert seen > 10  # the walk really opened pages
