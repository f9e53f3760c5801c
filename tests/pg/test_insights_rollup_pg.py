"""The dashboard rollups on PostgreSQL: the same figures as the entries (bit shifts and upserts in its dialect)."""

from __future__ import annotations

from tests.unit.test_insights_rollup import (
    test_rollups_answer_what_the_entries_answer,
    test_the_job_rolls_every_community_and_the_dashboards_read_the_rollups,
)


def test_rollups_answer_what_the_entries_answer_on_postgresql(
    pg_app, monkeypatch, make_community, make_user, ledger_station
):
    test_rollups_answer_what_the_entries_answer(pg_app, monkeypatch, make_community, make_user, ledger_station, 5)


def test_the_rollups_job_on_postgresql(pg_app, make_community, make_user):
    test_the_job_rolls_every_community_and_the_dashboards_read_the_rollups(pg_app, make_community, make_user)
