"""PostgreSQL connections: hot statements prepared for good, others planned per run, a ping only after idle time."""

from __future__ import annotations

import time
from typing import Any

import psycopg
import sqlalchemy as sa
from psycopg.pq import TransactionStatus

from pointsbank.db import PREPARE

# A pooled connection idle longer than this is pinged before use (a busy one is not: the ping is a round trip).
PING_AFTER_SECONDS = 10.0


class Connection(psycopg.Connection):
    """psycopg forgets its prepared statements on every ROLLBACK (in case it undid DDL they depend on).

    Each request ends its read transaction with a ROLLBACK, so nothing would ever be prepared and every request
    would plan its queries anew. The app runs no DDL on these connections outside migrations, and psycopg still
    forgets them after a DROP or ALTER it runs; PostgreSQL re-plans a prepared statement whose tables changed.
    """

    def rollback(self) -> None:
        if self._pipeline is not None:
            return super().rollback()
        with self.lock:
            if self.pgconn.transaction_status == TransactionStatus.IDLE:
                return
            self.wait(self._exec_command(b"ROLLBACK"))


def install_postgresql_hooks(engine: sa.Engine) -> None:
    """Connections of the class above; only statements marked db.prepared() are prepared; a connection idle past
    PING_AFTER_SECONDS is pinged at checkout."""
    if engine.dialect.name != "postgresql" or engine.dialect.driver != "psycopg":
        return

    @sa.event.listens_for(engine, "do_execute")
    def _execute(cursor: Any, statement: str, parameters: Any, context: Any) -> bool:
        if isinstance(cursor, psycopg.ServerCursor):
            return False  # a streamed read (yield_per) runs once through its own DECLARE: nothing to prepare
        cursor.execute(statement, parameters, prepare=None if context.execution_options.get(PREPARE) else False)
        return True

    @sa.event.listens_for(engine, "do_connect")
    def _connect(_dialect: Any, _record: Any, cargs: tuple, cparams: dict) -> psycopg.Connection:
        return Connection.connect(*cargs, **cparams)

    @sa.event.listens_for(engine, "checkin")
    def _checkin(_dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            record.info["pb_idle_since"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("pb_idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:
            # The pool drops this connection and checks out another (a server restart, a dropped link).
            raise sa.exc.DisconnectionError() from exc
