"""The balance page stays within a handful of SQL statements, however many lines it shows (counts, never time)."""

from __future__ import annotations

from contextlib import contextmanager

import sqlalchemy as sa

from pointsbank.extensions import db

# Log-in (user, roles), the account, the statement page with its total, the community's expiry policy,
# and the read transaction's BEGIN on SQLite.
BALANCE_PAGE_BUDGET = 6


@contextmanager
def counted():
    """Count the SQL statements sent while the block runs, starting from an empty session (as a new request does)."""
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
    assert not any(s.lstrip().upper().startswith("SELECT COUNT") for s in full_page)  # the total rides along
