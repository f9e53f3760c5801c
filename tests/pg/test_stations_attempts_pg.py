"""The typed-code attempt limit on PostgreSQL (attempts live in the database, shared by every worker)."""

from __future__ import annotations

from tests.conftest import login_client
from tests.web.test_stations_attempts import check_attempt_limit_per_clerk


def test_ten_wrong_numbers_lock_out_on_postgresql(pg_app, counter_setup):
    check_attempt_limit_per_clerk(pg_app, lambda user, client: login_client(client, user), counter_setup)
