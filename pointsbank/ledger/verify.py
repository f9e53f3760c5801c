"""Ledger verify: the database checks sums and balances in a few passes; the seal chain is re-hashed in batches."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field

import sqlalchemy as sa

from pointsbank.extensions import db
from pointsbank.ledger.models import Account, Entry, Hold, LedgerSeal, Transfer

GENESIS = "0" * 64
BATCH = 5000  # transfers per keyset batch of the seal chain

# progress(label, done, total): called as the work advances (the CLI draws a bar with it on a terminal).
Progress = Callable[[str, int, int], None]

t, e, a, h = Transfer.__table__, Entry.__table__, Account.__table__, Hold.__table__


@dataclass
class Report:
    """What verify found: problems in words, and counts of what it checked."""

    problems: list[str] = field(default_factory=list)
    transfers: int = 0
    accounts: int = 0
    seals: int = 0
    # (transfers, accounts) whose entries' copies of time or community may be wrong (None: not checked).
    copy_suspects: tuple[set[int], set[int]] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(progress: Progress | None = None) -> Report:
    """Re-add every transfer, every account balance (and each balance_after), the holds and the seal chain.

    The sums, balance chains and entry copies are checked by the database in two grouped passes (one per
    transfer, one per account in id order); only the rows they flag are read back and re-added here.
    """
    from pointsbank.ledger.seal import canonical  # the seal's own text form of a transfer

    progress = progress or (lambda *_args: None)
    report = Report()
    progress("adding up", 0, 1)
    with ExitStack() as stack:
        parallel = db.engine.dialect.name == "postgresql"
        main, *others = _connections(stack, 3 if parallel else 1)
        report.transfers = main.scalar(sa.select(sa.func.count()).select_from(t)) or 0
        report.accounts = main.scalar(sa.select(sa.func.count()).select_from(a)) or 0
        ids, accounts = _halves(main, t.c.id), _halves(main, a.c.id)
        # Two lanes of equal work, each on its own connection; this thread re-hashes the seals meanwhile.
        lanes = [
            [(_transfer_problems, ids[0]), (_account_pass, accounts[1])],
            [(_account_pass, accounts[0]), (_transfer_problems, ids[1])],
        ]
        if parallel:
            with ThreadPoolExecutor(len(lanes)) as pool:
                futures = [pool.submit(_run_lane, conn, lane) for conn, lane in zip(others, lanes, strict=True)]
                seals = _seal_problems(main, report, canonical, progress)
                found = [f.result() for f in futures]
        else:
            found = [_run_lane(main, lane) for lane in lanes]
            seals = _seal_problems(main, report, canonical, progress)
        (t0, late0), (flagged1, community1) = found[0]
        (flagged0, community0), (t1, late1) = found[1]
        transfers = sorted(t0 + t1, key=_transfer_order)
        accounts_found = _account_problems(main, flagged0 | flagged1)
        report.problems += transfers + _grand_total(main, transfers) + accounts_found + _hold_problems(main) + seals
        report.copy_suspects = (late0 | late1, community0 | community1)
    progress("done", 1, 1)
    return report


Span = tuple[int, int]  # lo < id <= hi
UNBOUNDED = 2**31 - 1  # ids are 4-byte integers


def _halves(conn: sa.Connection, column: sa.Column) -> tuple[Span, Span]:
    """Every id cut in two halves at the middle of the table's ids (rows pointing outside it are counted too)."""
    lo, hi = conn.execute(sa.select(sa.func.min(column), sa.func.max(column))).one()
    mid = ((lo or 0) + (hi or 0)) // 2
    return (-UNBOUNDED - 1, mid), (mid, UNBOUNDED)


def _run_lane(conn: sa.Connection, lane: list) -> list:
    return [run(conn, span) for run, span in lane]


def _transfer_order(problem: str) -> int:
    return int(problem.split()[1].rstrip(":"))


def _connections(stack: ExitStack, count: int) -> list[sa.Connection]:
    """count connections reading one snapshot (PostgreSQL: exported to the others; elsewhere one connection)."""
    first = stack.enter_context(db.engine.connect())
    if count == 1:
        return [first]
    first = first.execution_options(isolation_level="REPEATABLE READ")
    snapshot = first.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
    result = [first]
    for _ in range(count - 1):
        conn = stack.enter_context(db.engine.connect()).execution_options(isolation_level="REPEATABLE READ")
        conn.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
        conn.exec_driver_sql("SET LOCAL work_mem = '128MB'")  # the ordered pass sorts in memory, per connection
        result.append(conn)
    return result


def _transfer_problems(conn: sa.Connection, span: Span) -> tuple[list[str], set[int]]:
    """Transfers in span whose entries do not sum to 0 over 2+, entries without a transfer (one pass).

    Also the transfers some of whose entries' copy of the transfer's time differs (named by copy_problems).
    """
    lo, hi = span
    g = (
        sa.select(
            e.c.transfer_id,
            sa.func.sum(e.c.amount).label("total"),
            sa.func.count().label("n"),
            sa.func.count(e.c.created_at).label("n_at"),
            sa.func.min(e.c.created_at).label("first_at"),
            sa.func.max(e.c.created_at).label("last_at"),
        )
        .where(e.c.transfer_id > lo, e.c.transfer_id <= hi)
        .group_by(e.c.transfer_id)
        .subquery("g")
    )
    unbalanced = sa.or_(g.c.total != 0, g.c.n < 2)
    late = sa.or_(g.c.n_at < g.c.n, g.c.first_at != t.c.created_at, g.c.last_at != t.c.created_at)
    rows = conn.execute(
        sa.select(
            t.c.id, g.c.transfer_id, g.c.total, g.c.n, sa.case((unbalanced, 1), else_=0), sa.case((late, 1), else_=0)
        )
        .select_from(t.join(g, g.c.transfer_id == t.c.id, full=True))
        .where(sa.or_(t.c.id.is_(None), t.c.id > lo), sa.or_(t.c.id.is_(None), t.c.id <= hi))
        .where(sa.or_(t.c.id.is_(None), g.c.transfer_id.is_(None), unbalanced, late))
        .order_by(sa.func.coalesce(t.c.id, g.c.transfer_id))
    ).all()
    problems, orphans, suspects = [], [], set()
    for transfer_id, entry_transfer_id, total, count, bad_sum, bad_time in rows:
        if transfer_id is None:
            orphans.append(entry_transfer_id)
            continue
        if bad_time:
            suspects.add(transfer_id)
        if entry_transfer_id is None or bad_sum:
            problems.append(
                f"transfer {transfer_id}: entries sum to {int(total or 0)} over {int(count or 0)} entries "
                "(must be 0 over 2+)"
            )
    if orphans:
        for entry_id in conn.scalars(sa.select(e.c.id).where(e.c.transfer_id.in_(orphans)).order_by(e.c.id)):
            problems.append(f"entry {entry_id}: its transfer is missing")
    return problems, suspects


def _grand_total(conn: sa.Connection, transfer_problems: list[str]) -> list[str]:
    """All entries together sum to 0 (checked only when some transfer does not: otherwise it follows)."""
    if not transfer_problems:
        return []
    total = int(conn.scalar(sa.select(sa.func.coalesce(sa.func.sum(e.c.amount), 0))) or 0)
    return [f"all entries sum to {total} (must be 0)"] if total != 0 else []


def _account_pass(conn: sa.Connection, span: Span) -> tuple[set[int], set[int]]:
    """Accounts in span to re-add, and accounts with an entry whose community copy differs (one ordered pass).

    An account is re-added when an entry's balance_after is not the one before plus its amount, or when its
    cached balance is not the sum of its entries (0 without entries): with every link intact that sum is
    the last balance_after.
    """
    lo, hi = span
    before = sa.func.lag(e.c.balance_after, 1, 0).over(partition_by=e.c.account_id, order_by=e.c.id)
    x = (
        sa.select(e.c.account_id, e.c.amount, e.c.balance_after, e.c.community_id, before.label("before"))
        .where(e.c.account_id > lo, e.c.account_id <= hi)
        .subquery("x")
    )
    g = (
        sa.select(
            x.c.account_id,
            sa.func.max(sa.case((x.c.balance_after - x.c.amount != x.c.before, 1), else_=0)).label("broken"),
            sa.func.sum(x.c.amount).label("total"),
            sa.func.count().label("n"),
            sa.func.count(x.c.community_id).label("n_c"),
            sa.func.min(x.c.community_id).label("c_lo"),
            sa.func.max(x.c.community_id).label("c_hi"),
        )
        .group_by(x.c.account_id)
        .subquery("g")
    )
    off = sa.or_(g.c.broken == 1, a.c.balance != sa.func.coalesce(g.c.total, 0))
    other = sa.case(
        (g.c.account_id.is_(None), False),
        (a.c.community_id.is_(None), g.c.n_c > 0),
        else_=sa.or_(g.c.n_c < g.c.n, g.c.c_lo != a.c.community_id, g.c.c_hi != a.c.community_id),
    )
    rows = conn.execute(
        sa.select(a.c.id, sa.case((off, 1), else_=0), sa.case((other, 1), else_=0))
        .select_from(a.outerjoin(g, g.c.account_id == a.c.id))
        .where(a.c.id > lo, a.c.id <= hi, sa.or_(off, other))
    ).all()
    return {row[0] for row in rows if row[1]}, {row[0] for row in rows if row[2]}


def _account_problems(conn: sa.Connection, flagged: set[int]) -> list[str]:
    """Re-add each flagged account entry by entry and say exactly what is wrong with it."""
    problems: list[str] = []
    balances: list[str] = []
    for account_id in sorted(flagged):
        running, reported = 0, False
        rows = conn.execute(
            sa.select(e.c.id, e.c.amount, e.c.balance_after, e.c.transfer_id)
            .where(e.c.account_id == account_id)
            .order_by(e.c.id)
        )
        for entry_id, amount, balance_after, transfer_id in rows:
            running += amount
            if running != balance_after and not reported:
                reported = True
                problems.append(
                    f"account {account_id}: entry {entry_id} (transfer {transfer_id}) says balance after "
                    f"{balance_after}, but the entries before it add up to {running}"
                )
        balance = conn.scalar(sa.select(a.c.balance).where(a.c.id == account_id))
        if balance is not None and balance != running:
            balances.append(f"account {account_id}: cached balance {balance} but its entries sum to {running}")
    return problems + balances


def _hold_problems(conn: sa.Connection) -> list[str]:
    """Cached on-hold amounts against the sum of pending holds."""
    pending = (
        sa.select(h.c.account_id, sa.func.sum(h.c.amount).label("held"))
        .where(h.c.status == "pending")
        .group_by(h.c.account_id)
        .subquery("p")
    )
    rows = conn.execute(
        sa.select(a.c.id, a.c.held, sa.func.coalesce(pending.c.held, 0))
        .select_from(a.outerjoin(pending, pending.c.account_id == a.c.id))
        .where(a.c.held != sa.func.coalesce(pending.c.held, 0))
        .order_by(a.c.id)
    ).all()
    return [
        f"account {account_id}: cached on-hold {held}, pending holds sum to {int(expected)}"
        for account_id, held, expected in rows
    ]


# Only what the seal's text form reads (seal.canonical).
TRANSFER_COLUMNS = ("id", "kind", "idempotency_key", "actor_id", "memo", "subject_type", "subject_id")
TRANSFER_COLUMNS += ("rule_version_id", "reverses_id", "created_at")
ENTRY_COLUMNS = ("id", "transfer_id", "account_id", "amount", "balance_after")


def _stream(conn: sa.Connection, query: sa.Select) -> sa.Result:
    """Rows of query as the database sends them, BATCH at a time (a server-side cursor on PostgreSQL)."""
    return conn.execute(query, execution_options={"yield_per": BATCH})


def transfers_with_entries(
    conn: sa.Connection, after_id: int, upto_id: int | None
) -> Iterator[tuple[sa.Row, list[sa.Row]]]:
    """Transfers with after_id < id <= upto_id in id order, each with its entries in id order.

    Two streams read side by side (transfers, and entries in transfer order), so memory stays one batch deep.
    """
    tq = sa.select(*(t.c[name] for name in TRANSFER_COLUMNS)).where(t.c.id > after_id).order_by(t.c.id)
    eq = sa.select(*(e.c[name] for name in ENTRY_COLUMNS)).where(e.c.transfer_id > after_id)
    if upto_id is not None:
        tq, eq = tq.where(t.c.id <= upto_id), eq.where(e.c.transfer_id <= upto_id)
    transfers = _stream(conn, tq)
    entries = _stream(conn, eq.order_by(e.c.transfer_id, e.c.id))
    try:
        pending = next(entries, None)
        for transfer in transfers:
            tid = transfer.id
            while pending is not None and pending.transfer_id < tid:  # entries of a missing transfer
                pending = next(entries, None)
            own = []
            while pending is not None and pending.transfer_id == tid:
                own.append(pending)
                pending = next(entries, None)
            yield transfer, own
    finally:
        entries.close()
        transfers.close()


def chain(
    conn: sa.Connection, canonical, prev_hash: str, after_id: int, upto_id: int | None, tick=None
) -> tuple[str, int, int]:
    """Hash transfers after after_id (up to upto_id) onto prev_hash; returns (hash, last id, count)."""
    digest, last, count = prev_hash, after_id, 0
    sha256 = hashlib.sha256
    for transfer, entries in transfers_with_entries(conn, after_id, upto_id):
        digest = sha256((digest + canonical(transfer, entries)).encode()).hexdigest()
        last = transfer.id
        count += 1
        if tick is not None and count % BATCH == 0:
            tick(BATCH)
    return digest, last, count


def _seal_problems(conn: sa.Connection, report: Report, canonical, progress: Progress) -> list[str]:
    """Re-hash every sealed transfer and check each seal's link to the one before it."""
    seals = conn.execute(sa.select(LedgerSeal.__table__).order_by(LedgerSeal.__table__.c.id)).all()
    report.seals = len(seals)
    total = sum(s.transfer_count for s in seals)
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        progress("sealed transfers", min(done, total), total)

    problems = []
    prev_hash, after_id = GENESIS, 0
    for s in seals:
        if s.prev_hash != prev_hash:
            problems.append(f"seal {s.id}: chain broken (prev_hash does not match seal before it)")
        digest, _last, count = chain(conn, canonical, prev_hash, after_id, s.last_transfer_id, tick)
        if digest != s.hash or count != s.transfer_count:
            problems.append(
                f"seal {s.id}: transfers {after_id + 1}..{s.last_transfer_id} changed since sealed "
                f"({count} found, {s.transfer_count} sealed)"
            )
        prev_hash, after_id = s.hash, s.last_transfer_id
    return problems
