"""A redemption on PostgreSQL stays within its statement budget (counts, never time)."""

from __future__ import annotations

from tests.unit.test_stations_statement_counts import check_redemption_budget


def test_redemption_of_three_items_stays_within_budget_on_postgresql(pg_app, counter_setup):
    check_redemption_budget(counter_setup)
