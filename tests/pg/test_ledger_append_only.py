"""Promise 4 on PostgreSQL: the database itself refuses UPDATE and DELETE of entries and transfers."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.ledger import service as ledger
from tests.factories.ledger import ledger_totals


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE entry SET amount = amount + 1",
        "DELETE FROM entry",
        "UPDATE transfer SET memo = 'changed'",
        "DELETE FROM transfer",
        "UPDATE entry SET balance_after = 0 WHERE id = (SELECT min(id) FROM entry)",
    ],
)
def test_raw_update_and_delete_are_refused(pg_app, make_user, award_points, sql):
    resident = make_user()
    award_points(resident, 10)
    with pytest.raises(DBAPIError) as err, db.engine.begin() as conn:
        conn.execute(sa.text(sql))
    assert "append-only" in str(err.value)
    assert ledger_totals() == (0, {}, [])
    assert ledger.balance(ledger.find_resident_account(resident)).balance == 10


def test_verify_on_postgresql_names_tampering_done_by_a_superuser(pg_app, make_user, award_points):
    resident = make_user()
    transfer = award_points(resident, 10)
    runner = pg_app.test_cli_runner()
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0
    with db.engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")  # bypasses triggers
        conn.execute(sa.text("UPDATE entry SET amount = 11 WHERE amount = 10"))
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert f"transfer {transfer.id}: entries sum to 1" in result.output


def test_reversal_is_new_rows_not_an_update(pg_app, make_user, award_points):
    resident = make_user()
    transfer = award_points(resident, 10)
    reversal = run_in_unit(lambda: ledger.reverse(transfer, key="r", actor_id=None, reason="发错了"))
    assert reversal.reverses_id == transfer.id
    with pytest.raises(DBAPIError), db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE transfer SET reverses_id = NULL"))
    assert ledger_totals() == (0, {}, [])
