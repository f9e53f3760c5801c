"""PostgreSQL connections: prepared statements outlive each request's ROLLBACK; an idle dead connection is replaced."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from pointsbank.extensions import db
from pointsbank.pg import Connection
from tests.conftest import login_client


def _server_prepared(like: str) -> int:
    return db.session.scalar(
        sa.text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE :like"), {"like": like}
    )


def test_the_session_query_is_prepared_once_and_kept_across_requests(pg_app, counter_setup):
    s = counter_setup(points=50)
    client = pg_app.test_client()
    login_client(client, s.resident)
    for _ in range(8):
        assert client.get("/api/v1/accounts/me").status_code == 200
    db.session.remove()
    raw = db.session.connection().connection.dbapi_connection
    assert isinstance(raw, Connection)
    # One connection served every request (one thread): its session query is prepared on the server.
    assert _server_prepared("%FROM user_session%") == 1
    assert client.get("/api/v1/accounts/me").get_json()["balance"] == 50


def test_only_statements_marked_prepared_are_prepared(pg_app, make_community):
    from pointsbank.db import prepared
    from pointsbank.people.models import Community

    community_id = make_community("预备社区").id
    db.session.commit()
    hot = prepared(sa.select(Community.name).where(Community.id == sa.bindparam("id")))
    other = sa.select(Community.id).where(Community.name == sa.bindparam("name"))
    for _ in range(8):
        assert db.session.scalar(hot, {"id": community_id}) == "预备社区"
        assert db.session.scalar(other, {"name": "预备社区"}) == community_id
        db.session.rollback()
    # A time range's generic plan can be far worse than one for its values: unmarked statements are planned per run.
    assert _server_prepared("SELECT community.name %") == 1
    assert _server_prepared("SELECT community.id %") == 0


def test_a_rollback_still_undoes_the_transaction_and_clears_a_failed_one(pg_app, make_community):
    community = make_community("回滚社区")
    community_id = community.id
    db.session.commit()
    db.session.execute(sa.text("UPDATE community SET name = 'changed' WHERE id = :id"), {"id": community_id})
    db.session.rollback()
    assert db.session.scalar(sa.text("SELECT name FROM community WHERE id = :id"), {"id": community_id}) == "回滚社区"
    with pytest.raises(sa.exc.DataError):
        db.session.execute(sa.text("SELECT 1 / 0"))
    db.session.rollback()
    assert db.session.scalar(sa.text("SELECT 1")) == 1


def test_a_connection_idle_past_the_ping_time_and_dead_is_replaced_at_checkout(pg_app, counter_setup):
    s = counter_setup(points=50)
    client = pg_app.test_client()
    login_client(client, s.resident)
    assert client.get("/api/v1/accounts/me").status_code == 200
    db.session.remove()
    pool = db.engine.pool
    record = pool._pool.queue[0]  # the one idle connection the request returned
    pid = record.dbapi_connection.info.backend_pid
    record.info["pb_idle_since"] -= 60
    admin = sa.create_engine(db.engine.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        assert conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    admin.dispose()
    # The ping finds the dead connection, the pool opens another: the resident sees no error.
    response = client.get("/api/v1/accounts/me")
    assert response.status_code == 200 and response.get_json()["balance"] == 50
    assert db.session.connection().connection.dbapi_connection.info.backend_pid != pid


@pytest.fixture
def commands(monkeypatch):
    """The transaction commands (BEGIN, COMMIT, ROLLBACK) psycopg sends, in order."""
    sent: list[bytes] = []
    original = Connection._exec_command

    def record(self, command, *args, **kwargs):
        sent.append(command if isinstance(command, bytes) else command.as_bytes(self))
        return original(self, command, *args, **kwargs)

    monkeypatch.setattr(Connection, "_exec_command", record)
    return sent


def test_a_get_request_reads_without_begin_or_rollback(pg_app, counter_setup, commands):
    s = counter_setup(points=50)
    client = pg_app.test_client()
    login_client(client, s.resident)
    for url in ("/api/v1/accounts/me", "/ledger/"):
        client.get(url)
        db.session.remove()  # as the end of a request's own app context does (the test's outlives requests)
        commands.clear()
        assert client.get(url).status_code == 200
        db.session.remove()
        assert commands == [], (url, commands)


def test_a_unit_in_a_get_request_still_writes_all_or_nothing(pg_app, make_community, commands):
    from pointsbank.db import read_without_transaction, run_in_unit
    from pointsbank.people.models import Community

    community_id = make_community("只读社区").id
    db.session.commit()
    with pg_app.test_request_context("/ledger/", method="GET"):
        read_without_transaction(db.session())
        assert db.session.get(Community, community_id).name == "只读社区"

        def rename_then_fail():
            db.session.execute(sa.update(Community).where(Community.id == community_id).values(name="改名"))
            db.session.execute(sa.text("SELECT 1 / 0"))

        commands.clear()
        with pytest.raises(sa.exc.DataError):
            run_in_unit(rename_then_fail)
        assert [c.split()[0] for c in commands] == [b"BEGIN", b"ROLLBACK"]
        assert db.session.scalar(sa.select(Community.name).where(Community.id == community_id)) == "只读社区"
        run_in_unit(lambda: db.session.execute(sa.update(Community).values(name="改名")))
    db.session.remove()
    assert db.session.scalar(sa.select(Community.name).where(Community.id == community_id)) == "改名"


def test_a_streamed_read_runs_on_a_server_cursor(pg_app, make_community):
    from pointsbank.people.models import Community

    for n in range(3):
        make_community(f"流式社区{n}")
    db.session.commit()
    query = sa.select(Community.name).order_by(Community.id)
    rows = db.session.connection().execute(query, execution_options={"yield_per": 2}).scalars().all()
    assert [r for r in rows if r.startswith("流式社区")] == ["流式社区0", "流式社区1", "流式社区2"]
