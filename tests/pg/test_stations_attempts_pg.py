"""The typed-code attempt limit on PostgreSQL (attempts live in the database, shared by every worker)."""

from __future__ import annotations

from tests.web.test_stations_attempts import check_attempt_limit_per_clerk


def test_ten_wrong_numbers_lock_out_on_postgresql(pg_app, counter_setup):
    def login(user, client):
        with client.session_transaction() as session:
            session["_user_id"] = str(user.id)
            session["_fresh"] = True
        return client

    check_attempt_limit_per_clerk(pg_app, login, counter_setup)
