"""Acceptance 5 on PostgreSQL: the same state machine against the real ledger on PostgreSQL."""

from tests.unit.test_ledger_state_machine import run_ledger_machine


def test_ledger_matches_a_simple_model_on_postgresql(pg_app, make_user, make_community, ledger_station):
    run_ledger_machine(make_user, make_community, ledger_station, max_examples=8)
