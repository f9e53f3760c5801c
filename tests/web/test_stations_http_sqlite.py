"""Over real HTTP on the embedded default: gunicorn with 2 sync workers on one SQLite file, 200 redemptions at once."""

from __future__ import annotations

from pointsbank.db import run_in_unit
from pointsbank.extensions import db
from pointsbank.people.auth import create_token
from pointsbank.stations import service as svc
from tests.factories.server import all_at_once, gunicorn


def counter_with_residents(counter_setup, make_user, fund_resident, n: int):
    s = counter_setup(points=0, stock=1000)
    s.residents = [make_user("resident", community=s.community, name=f"居民{i}") for i in range(n)]
    for resident in s.residents:
        fund_resident(resident, 1000)
    _token, s.token = run_in_unit(lambda: create_token(s.clerk, "counter"))
    return s


def redemption_calls(s) -> list:
    """A fresh pay code per resident, each confirmed with one bag of rice and a haircut."""
    calls = []
    for i, resident in enumerate(s.residents):
        payload = svc.pay_payload(run_in_unit(lambda r=resident: svc.issue_pay_code(r)))
        body = {"code": payload, "lines": [{"item_id": s.rice.id, "qty": 1}, {"item_id": s.haircut.id, "qty": 1}]}
        headers = {"Authorization": f"Bearer {s.token}", "Idempotency-Key": f"http:{i}"}
        calls.append(("POST", f"/api/v1/stations/{s.station.id}/redemptions", body, headers))
    return calls


def assert_ledger_verifies(app) -> None:
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output


def test_200_concurrent_redemptions_on_sqlite_never_answer_500(app, tmp_path, counter_setup, make_user, fund_resident):
    s = counter_with_residents(counter_setup, make_user, fund_resident, 200)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with gunicorn(url, app.config["SECRET_KEY"], tmp_path, workers=2) as port:
        answers = all_at_once(port, redemption_calls(s))
    statuses = [status for status, _ in answers]
    assert not [a for a in answers if a[0] >= 500 or a[0] < 200], [a for a in answers if a[0] >= 500][:3]
    for status, body in answers:
        assert status == 201 or (400 <= status < 500 and body["error"]["code"]), (status, body)
    assert statuses.count(201) == 200, sorted(set(statuses))
    db.session.expire_all()
    assert svc.stock_mismatches() == []
    assert_ledger_verifies(app)
