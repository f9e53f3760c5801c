"""Statement budgets on PostgreSQL: a redemption, and a page behind the consent gate (counts, never time)."""

from __future__ import annotations

from tests.conftest import login_client
from tests.unit.test_stations_statement_counts import check_redemption_budget
from tests.web.test_ledger_statement_counts import check_consent_gate_costs_no_statement


def test_redemption_of_three_items_stays_within_budget_on_postgresql(pg_app, counter_setup):
    check_redemption_budget(counter_setup)


def test_consent_gate_costs_no_statement_on_postgresql(pg_app, counter_setup):
    s = counter_setup(points=50)
    client = pg_app.test_client()
    login_client(client, s.resident)
    check_consent_gate_costs_no_statement(pg_app, client, s.resident)
