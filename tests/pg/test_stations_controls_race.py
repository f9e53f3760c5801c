"""PostgreSQL with real threads: per-resident limits hold, keyed reservation and pickup retries get the first answer."""

from __future__ import annotations

from tests.unit import test_stations_controls_race as checks


def test_limit_holds_for_concurrent_redemptions_on_postgresql(pg_app, counter_setup, make_item):
    checks.check_limit_holds_for_concurrent_redemptions(pg_app, counter_setup, make_item)


def test_limit_holds_for_concurrent_reservations_on_postgresql(pg_app, counter_setup, make_item):
    checks.check_limit_holds_for_concurrent_reservations(pg_app, counter_setup, make_item)


def test_identical_reservation_retries_get_the_first_answer_on_postgresql(pg_app, counter_setup):
    checks.check_identical_reservation_retries_get_the_first_answer(pg_app, counter_setup)


def test_identical_pickup_retries_get_the_first_answer_on_postgresql(pg_app, counter_setup):
    checks.check_identical_pickup_retries_get_the_first_answer(pg_app, counter_setup)
