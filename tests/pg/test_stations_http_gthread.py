"""Over real HTTP on PostgreSQL: gunicorn gthread workers, 100 redemptions at one station at once (outcomes only)."""

from __future__ import annotations

import pytest

from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.stations import service as svc
from tests.factories.server import all_at_once, gunicorn
from tests.web.test_stations_http_sqlite import assert_ledger_verifies, counter_with_residents, redemption_calls


@pytest.mark.parametrize("opened", [False, True], ids=["new-station", "opened-station"])
def test_100_concurrent_redemptions_at_one_station_with_gthread_workers(
    pg_app, tmp_path, counter_setup, make_user, fund_resident, opened
):
    """A new station's first redemptions open its account (the ORM path); an opened one's take one statement."""
    s = counter_with_residents(counter_setup, make_user, fund_resident, 100)
    if opened:
        first = svc.pay_payload(run_in_unit(lambda: svc.issue_pay_code(s.residents[0])))
        run_in_unit(lambda: svc.redeem(s.clerk, s.station, first, [(s.haircut.id, 1)], key="open-the-station"))
    url = pg_app.config["SQLALCHEMY_DATABASE_URI"]
    if not isinstance(url, str):
        url = url.render_as_string(hide_password=False)
    with gunicorn(url, pg_app.config["SECRET_KEY"], tmp_path, worker_class="gthread", workers=2, threads=4) as port:
        answers = all_at_once(port, redemption_calls(s))
    assert [status for status, _ in answers] == [201] * 100, [a for a in answers if a[0] != 201][:3]
    db.session.expire_all()
    assert svc.stock_mismatches() == []
    assert_ledger_verifies(pg_app)
