"""What the loads need, made through the app's own services: a clerk and token, logins, fresh pay codes.

Also counts the SQL statements of one request of each kind, in this process, with the app's test client.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from bench import pg
from bench.dataset import ITEMS, PHONE_BASE, District

LOGINS = 32  # residents whose cookies and tokens the read loads rotate through
HTTPS = "https://localhost"  # the login cookie is Secure in production settings


@dataclass
class Fixtures:
    station_id: int
    basket: list[dict]
    clerk_token: str
    coordinator_cookie: str
    cookies: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    busy_cookie: str = ""  # resident 1, with the long statement


@contextmanager
def app_on(database: str, instance: Path):
    """The app on the benchmark database, configured like the gunicorn workers (CSRF off for the logins)."""
    saved = dict(os.environ)
    os.environ.update(pg.app_env(database, instance))
    try:
        from pointsbank import create_app

        app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
        yield app
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _cookie_header(client) -> str:
    jar = getattr(client, "_cookies", {})
    return "; ".join(f"{c.key}={c.value}" for c in jar.values())


def _login(app, phone: str, client=None) -> str:
    client = client or app.test_client()
    response = client.post("/login", data={"phone": phone, "password": pg.PASSWORD}, base_url=HTTPS)
    if response.status_code not in (302, 303):
        raise RuntimeError(f"bench login for {phone} answered {response.status_code}")
    _agree_to_privacy_notice(app, phone)
    return _cookie_header(client)


def _agree_to_privacy_notice(app, phone: str) -> None:
    """A measured resident has read the privacy notice, as every real one has (else pages redirect to it)."""
    import sqlalchemy as sa

    from pointsbank.db import run_in_unit
    from pointsbank.extensions import db
    from pointsbank.people.models import User
    from pointsbank.privacy import consent

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.phone == phone))
        if not consent.has_consented(user.id):
            run_in_unit(lambda: consent.record_consent(user))
        db.session.remove()


def prepare(app, district: District, logins: int = LOGINS) -> Fixtures:
    """A clerk (with an API token) at community 1's station, a coordinator, logins and tokens for residents."""
    from pointsbank.db import run_in_unit
    from pointsbank.extensions import db
    from pointsbank.people.auth import create_token
    from pointsbank.people.models import Community, User
    from pointsbank.people.service import create_user, grant_role

    coordinator_phone = str(PHONE_BASE - 2)
    with app.app_context():

        def setup():
            clerk = create_user(str(PHONE_BASE - 1), "刘小琴", pg.PASSWORD, check_password=False)
            grant_role(clerk, "clerk", station_id=1)
            coordinator = create_user(coordinator_phone, "张主任", pg.PASSWORD, check_password=False)
            grant_role(coordinator, "coordinator", community=db.session.get(Community, 1))
            residents = db.session.scalars(sa.select(User).where(User.id.between(2, logins + 1))).all()
            return create_token(clerk, "bench")[1], [create_token(r, "bench")[1] for r in residents]

        clerk_token, tokens = run_in_unit(setup)
        db.session.remove()
    cookies = [_login(app, str(PHONE_BASE + i)) for i in range(2, logins + 2)]
    return Fixtures(
        station_id=1,
        basket=[{"item_id": 1, "qty": 1}],
        clerk_token=clerk_token,
        coordinator_cookie=_login(app, coordinator_phone),
        cookies=cookies,
        tokens=tokens,
        busy_cookie=_login(app, str(PHONE_BASE + 1)),
    )


def issue_codes(app, resident_ids: list[int], fixtures: Fixtures, path: Path, batch: int = 500) -> Path:
    """A fresh pay code for each resident (through the stations service), one redemption body per line."""
    from pointsbank.db import run_in_unit
    from pointsbank.extensions import db
    from pointsbank.people.models import User
    from pointsbank.stations import service as svc

    lines = []
    with app.app_context():
        for start in range(0, len(resident_ids), batch):
            ids = resident_ids[start : start + batch]

            def issue(ids=ids):
                users = db.session.scalars(sa.select(User).where(User.id.in_(ids))).all()
                return [svc.pay_payload(svc.issue_pay_code(u)) for u in users]

            lines += [json.dumps({"code": p, "lines": fixtures.basket}) for p in run_in_unit(issue)]
            db.session.remove()
    path.write_text("\n".join(reversed(lines)) + "\n")  # the freshest codes first: a code lives a minute
    return path


def statements_per_request(app, fixtures: Fixtures, district: District, folder: Path) -> dict[str, float]:
    """SQL statements of one request of each kind (the app in this process, counted at the engine)."""
    from pointsbank.extensions import db

    with app.app_context():
        engine = db.engine
    count = [0]

    def hit(*_args) -> None:
        count[0] += 1

    client = app.test_client()
    _login(app, str(PHONE_BASE + 2), client)
    bearer = {"Authorization": f"Bearer {fixtures.tokens[0]}"}
    clerk = {"Authorization": f"Bearer {fixtures.clerk_token}", "Idempotency-Key": "bench-count-1"}
    body = json.loads(issue_codes(app, [district.measured_residents()], fixtures, folder / "count-code").read_text())

    def measured(call) -> float:
        call()  # warm
        before = count[0]
        call()
        return float(count[0] - before)

    sa.event.listen(engine, "before_cursor_execute", hit)
    try:
        figures = {
            "page": measured(lambda: _ok(client.get("/ledger/", base_url=HTTPS))),
            "json_cookie": measured(lambda: _ok(client.get("/api/v1/accounts/me", base_url=HTTPS))),
            "json_bearer": measured(lambda: _ok(app.test_client().get("/api/v1/accounts/me", headers=bearer))),
        }
        before = count[0]
        path = f"/api/v1/stations/{fixtures.station_id}/redemptions"
        response = app.test_client().post(path, json=body, headers=clerk)
        if response.status_code != 201:
            raise RuntimeError(f"counted redemption answered {response.status_code}: {response.get_data(as_text=True)}")
        figures["redemption"] = float(count[0] - before)
    finally:
        sa.event.remove(engine, "before_cursor_execute", hit)
    return figures


def _ok(response):
    if response.status_code != 200:
        raise RuntimeError(f"counted request answered {response.status_code}")
    return response


__all__ = ["ITEMS", "Fixtures", "app_on", "issue_codes", "prepare", "statements_per_request"]
