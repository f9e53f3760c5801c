"""Statement budgets on PostgreSQL: a redemption, the balance page and JSON, the consent gate (counts, never time)."""

from __future__ import annotations

from tests.conftest import login_client
from tests.unit.test_stations_statement_counts import check_redemption_budget
from tests.web.test_ledger_statement_counts import check_consent_gate_costs_no_statement, counted


def test_redemption_of_three_items_stays_within_budget_on_postgresql(pg_app, counter_setup):
    check_redemption_budget(counter_setup)


def test_consent_gate_costs_no_statement_on_postgresql(pg_app, counter_setup):
    s = counter_setup(points=50)
    client = pg_app.test_client()
    login_client(client, s.resident)
    check_consent_gate_costs_no_statement(pg_app, client, s.resident)


def test_balance_page_is_two_statements_and_json_one_on_postgresql(pg_app, counter_setup):
    s = counter_setup(points=50)
    client = pg_app.test_client()
    login_client(client, s.resident)
    for url, budget in (("/ledger/", 2), ("/api/v1/accounts/me", 1)):
        client.get(url)
        with counted() as seen:
            assert client.get(url).status_code == 200
        assert len(seen) == budget, seen
    assert client.get("/api/v1/accounts/me").get_json()["balance"] == 50
