"""Acceptance 4: scenarios (a)-(d) on a SQLite file with threads; no lost update, no "database is locked"."""

from __future__ import annotations

from tests.factories.ledger import (
    scenario_hold_end_race,
    scenario_opposite_directions,
    scenario_reverse_race,
    scenario_same_key,
    scenario_spend_race,
)


def test_a_spend_race_on_sqlite(app, make_user, award_points, ledger_station):
    scenario_spend_race(app, make_user, award_points, ledger_station, threads=50)


def test_b_opposite_directions_on_sqlite(app, make_user, award_points):
    scenario_opposite_directions(app, make_user, award_points, per_thread=500)


def test_c_reverse_race_on_sqlite(app, make_user, award_points):
    scenario_reverse_race(app, make_user, award_points, threads=20)


def test_d_same_key_on_sqlite(app, make_user, award_points):
    scenario_same_key(app, make_user, award_points, threads=50)


def test_hold_ends_once_on_sqlite(app, make_user, award_points, ledger_station):
    scenario_hold_end_race(app, make_user, award_points, ledger_station, threads=20)
