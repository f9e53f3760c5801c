"""Model base and the commit-once unit of work."""

from __future__ import annotations

import contextvars
import functools
import random
import time
from datetime import UTC, datetime
from typing import Any, Callable, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

T = TypeVar("T")

# True while a unit of work runs: SQLite then opens its transaction with BEGIN IMMEDIATE.
_writing: contextvars.ContextVar[bool] = contextvars.ContextVar("pb_writing", default=False)

MAX_ATTEMPTS = 12
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class Base(DeclarativeBase):
    """Declarative base for every model."""


class UTCDateTimeType(sa.types.TypeDecorator):
    """DateTime(timezone=True) that stores UTC and always loads tz-aware UTC (SQLite keeps no offset)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Every stored time is timezone-aware UTC: use `mapped_column(UTCDateTime, ...)` for datetimes.
UTCDateTime = UTCDateTimeType()


def utcnow() -> datetime:
    """The server's clock, in UTC."""
    return datetime.now(UTC)


class IdMixin:
    id: Mapped[int] = mapped_column(primary_key=True)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# Execution option of a hot statement: PostgreSQL prepares it after a few runs (pointsbank.pg).
PREPARE = "pb_prepare"


def prepared(statement: Any) -> Any:
    """A hot statement of fixed shape, prepared on PostgreSQL after a few runs: no planning per request.

    Every other statement is planned on each run for its values (a generic plan for a time range can be far worse).
    """
    return statement.execution_options(**{PREPARE: True})


def is_retryable(exc: BaseException) -> bool:
    """Serialization failures, deadlocks and a busy SQLite file are retried."""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    code = getattr(orig, "sqlstate", None) or getattr(getattr(orig, "diag", None), "sqlstate", None)
    if code in {"40001", "40P01", "55P03"}:
        return True
    if isinstance(exc, OperationalError):
        text = str(orig).lower()
        return "database is locked" in text or "database is busy" in text
    return False


def is_unique_violation(exc: BaseException) -> bool:
    """A unique constraint refused an insert (PostgreSQL 23505, SQLite 'UNIQUE constraint failed')."""
    if not isinstance(exc, IntegrityError):
        return False
    orig = exc.orig
    code = getattr(orig, "sqlstate", None) or getattr(getattr(orig, "diag", None), "sqlstate", None)
    return code == "23505" or "unique constraint failed" in str(orig).lower()


def install_sqlite_hooks(engine: sa.Engine) -> None:
    """WAL, busy timeout and BEGIN IMMEDIATE for writing transactions on SQLite."""
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        immediate = _writing.get() or _request_writes()
        conn.info["pb_immediate"] = immediate
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _request_writes() -> bool:
    """A POST, PUT, PATCH or DELETE request whose unit of work has not run yet: its first read takes the write lock."""
    from flask import g, has_request_context, request

    return has_request_context() and request.method not in SAFE_METHODS and not g.get("pb_unit_done")


def read_without_transaction(session: Any) -> None:
    """PostgreSQL: this request's reads run as single statements (no BEGIN and ROLLBACK round trips).

    Under READ COMMITTED each statement sees its own snapshot inside a transaction too, so a read sees the same;
    a unit of work still runs in a transaction of its own (see _may_continue).
    """
    if session.get_bind().dialect.name == "postgresql" and not session.in_transaction():
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def _may_continue(session: Any) -> bool:
    """Whether a unit may carry on the transaction a read already began (never a deferred SQLite one, nor reads
    that ran without a transaction)."""
    connection = session.connection()
    if session.get_bind().dialect.name != "sqlite":
        return connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT"
    return bool(connection.info.get("pb_immediate"))


def _end_read(session: Any) -> None:
    """End the read transaction begun before a unit; a busy file here is no error, the unit starts afresh."""
    try:
        session.commit()
    except DBAPIError as exc:
        session.rollback()
        if not is_retryable(exc):
            raise


def _unit_done() -> None:
    from flask import g, has_request_context

    if has_request_context():
        g.pb_unit_done = True


def unit_of_work(fn: Callable[..., T]) -> Callable[..., T]:
    """Run fn in one transaction and commit once; retry it whole on a retryable database error.

    Services only flush. Domain errors roll back and propagate. Nested calls join the outer unit. A transaction a
    read already began is carried on (PostgreSQL; SQLite when it began IMMEDIATE), so nothing commits before the unit.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        from pointsbank.extensions import db

        if _writing.get():
            return fn(*args, **kwargs)
        session = db.session()
        if session.in_transaction() and not _may_continue(session):
            # A read (login, lookup) began a deferred SQLite transaction, or read without one: end it, the unit
            # begins its own (IMMEDIATE on SQLite).
            _end_read(session)
        token = _writing.set(True)
        try:
            raced = False
            for attempt in range(1, MAX_ATTEMPTS + 1):
                try:
                    result = fn(*args, **kwargs)
                    session.commit()
                    return result
                except Exception as exc:
                    session.rollback()
                    # A twin request won a unique key (an idempotency key) meanwhile: run once more, and the
                    # unit finds the winner's row and answers as a replay.
                    if is_unique_violation(exc) and not raced:
                        raced = True
                        continue
                    if attempt == MAX_ATTEMPTS or not is_retryable(exc):
                        raise
                    time.sleep(random.uniform(0.001, 0.01) * attempt)
            raise AssertionError("unreachable")
        finally:
            _writing.reset(token)
            _unit_done()

    return wrapper


def run_in_unit(fn: Callable[[], T]) -> T:
    """Call fn() inside a unit of work (for services called from CLI or tests)."""
    return unit_of_work(fn)()


def advisory_lock(namespace: int, key: int | str) -> None:
    """Serialise the writers of one thing (a resident's limits, an idempotency key) until the transaction ends.

    PostgreSQL: a transaction advisory lock (take them in a fixed order: key, then resident, then rows).
    SQLite needs none: BEGIN IMMEDIATE already serialises every writing unit.
    """
    from pointsbank.extensions import db

    if db.session.get_bind().dialect.name != "postgresql":
        return
    if isinstance(key, str):
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:ns, hashtext(:key))"), {"ns": namespace, "key": key})
    else:
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:ns, :key)"), {"ns": namespace, "key": key})
