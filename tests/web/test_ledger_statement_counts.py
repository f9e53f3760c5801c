"""The balance page stays within a handful of SQL statements, however many lines it shows (counts, never time)."""

from __future__ import annotations

from contextlib import contextmanager

import sqlalchemy as sa

from pointsbank.extensions import db

# The logged-in user (session, user, roles, community and resident account in one), one keyset page of the
# statement, and the read transaction's BEGIN on SQLite (was 6: total, account and policy had their own).
BALANCE_PAGE_BUDGET = 3
# Beyond loading the user: the statement page; the JSON needs nothing more.
PAGE_BEYOND_USER = 1
JSON_BEYOND_USER = 0


def beyond_user(statements: list[str]) -> list[str]:
    """The statements other than loading the logged-in user (session, user, roles, token) and BEGIN."""
    user_tables = ("user_session", "user_account", "role_grant", "api_token")
    return [s for s in statements if s.strip().upper() != "BEGIN" and not any(f"FROM {t}" in s for t in user_tables)]


@contextmanager
def counted(fresh: bool = True):
    """Count the SQL statements sent while the block runs, from an empty session (as a new request does) if fresh."""
    if fresh:
        db.session.remove()
    seen: list[str] = []

    def hit(_conn, _cursor, statement, *_args):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", hit)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", hit)


def test_balance_page_statements_are_bounded_and_do_not_grow_with_lines(client, login, make_user, award_points):
    resident = make_user()
    award_points(resident, 5)
    login(resident)
    client.get("/ledger/")
    with counted() as one_line:
        assert client.get("/ledger/").status_code == 200
    for i in range(24):
        award_points(resident, 1, memo=f"志愿活动：第{i + 1}次")
    with counted() as full_page:
        assert client.get("/ledger/").status_code == 200
    with counted() as english:
        assert client.get("/ledger/?lang=en").status_code == 200
    assert len(full_page) <= BALANCE_PAGE_BUDGET, full_page
    assert len(full_page) == len(one_line) == len(english)  # no query per statement line
    assert not any("COUNT(" in s.upper() for s in full_page)  # keyset paging needs no total
    assert len(beyond_user(full_page)) <= PAGE_BEYOND_USER, full_page
    assert "OFFSET" not in " ".join(full_page).upper().replace("OFFSET ?", "")  # SQLite prints a zero offset


def test_statement_is_one_keyset_statement_on_any_page(client, login, make_user, award_points):
    resident = make_user()
    for i in range(45):
        award_points(resident, 1, memo=f"第{i + 1}次")
    login(resident)
    client.get("/ledger/")
    for url in ("/ledger/", "/ledger/?after=0", "/ledger/?before=20", "/ledger/?flow=earned&q=第1"):
        with counted() as seen:
            assert client.get(url).status_code == 200
        assert len(beyond_user(seen)) <= PAGE_BEYOND_USER, (url, seen)
        statement = next(s for s in seen if "FROM entry" in s)
        assert "entry.account_id = " in statement and "ORDER BY entry.id" in statement


def test_balance_json_reads_nothing_beyond_the_user(client, login, make_user, award_points):
    resident = make_user()
    award_points(resident, 5)
    login(resident)
    client.get("/api/v1/accounts/me")
    with counted() as seen:
        assert client.get("/api/v1/accounts/me").status_code == 200
    assert len(beyond_user(seen)) <= JSON_BEYOND_USER, seen


def check_consent_gate_costs_no_statement(app, client, resident) -> None:
    """With the consent gate on, an agreed resident's page costs what it costs with it off; a new version asks."""
    from pointsbank.db import run_in_unit
    from pointsbank.privacy import service as privacy

    client.get("/ledger/")
    with counted() as gate_off:
        assert client.get("/ledger/").status_code == 200
    app.config["PB_PRIVACY_CONSENT"] = True
    run_in_unit(lambda: privacy.record_consent(resident))
    with counted() as gate_on:
        assert client.get("/ledger/").status_code == 200
    assert len(gate_on) == len(gate_off) <= BALANCE_PAGE_BUDGET, gate_on
    consent_reads = [s for s in gate_on if "FROM privacy_consent" in s]
    assert len(consent_reads) == 1 and "FROM user_session" in consent_reads[0], gate_on  # inside the user's query
    app.config["PB_PRIVACY_NOTICE_VERSION"] = "2099-01"
    with counted() as asked:
        answer = client.get("/ledger/")
    assert answer.status_code == 302 and "/privacy/notice" in answer.headers["Location"]
    assert len(asked) <= len(gate_on), asked


def test_consent_gate_costs_no_statement_and_a_new_version_asks_again(app, client, login, make_user, award_points):
    resident = make_user()
    award_points(resident, 5)
    login(resident)
    check_consent_gate_costs_no_statement(app, client, resident)
