"""The statement: an account's entries, newest first, with running balance and plain reason."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from pointsbank.db import prepared
from pointsbank.extensions import db
from pointsbank.ledger.accounts import AccountRef, _account_id
from pointsbank.ledger.models import Entry, Transfer


@dataclass(frozen=True)
class StatementLine:
    """One line of a statement: an entry with its transfer's time, kind and plain reason."""

    entry_id: int
    transfer_id: int
    created_at: datetime
    kind: str
    amount: int
    balance_after: int
    memo: str
    subject_type: str | None
    subject_id: int | None
    reverses_id: int | None
    reversed_by_id: int | None


def statement(account: AccountRef | None, *, page: int = 1, per_page: int = 20) -> tuple[list[StatementLine], int]:
    """Page by number with the total (OFFSET; for scripts and tests): pages and the API use statement_page."""
    if account is None:
        return [], 0
    account_id = _account_id(account)
    page = max(1, int(page))
    per_page = min(max(1, int(per_page)), 100)
    page_query, count_query = _statement_queries()
    rows = db.session.execute(
        page_query, {"account_id": account_id, "limit": per_page, "offset": (page - 1) * per_page}
    ).all()
    if rows:
        total = rows[0][-1]
    else:
        total = db.session.scalar(count_query, {"account_id": account_id}) if page > 1 else 0
    return [StatementLine(*row[:-1]) for row in rows], int(total or 0)


@functools.cache
def _statement_queries() -> tuple[sa.Select, sa.Select]:
    """The statement page (with the total riding along: one statement per page) and the count, built once."""
    later = aliased(Transfer)
    count = sa.select(sa.func.count()).select_from(Entry).where(Entry.account_id == sa.bindparam("account_id"))
    page = (
        sa.select(
            Entry.id,
            Entry.transfer_id,
            Transfer.created_at,
            Transfer.kind,
            Entry.amount,
            Entry.balance_after,
            Transfer.memo,
            Transfer.subject_type,
            Transfer.subject_id,
            Transfer.reverses_id,
            later.id,
            count.scalar_subquery(),
        )
        .join(Transfer, Transfer.id == Entry.transfer_id)
        .outerjoin(later, later.reverses_id == Transfer.id)
        .where(Entry.account_id == sa.bindparam("account_id"))
        .order_by(Entry.id.desc())
        .limit(sa.bindparam("limit"))
        .offset(sa.bindparam("offset"))
    )
    return page, count


FLOWS = ("earned", "spent")
SEARCH_MAX = 40


class StatementPage(NamedTuple):
    """One keyset page of a statement, newest first; newer/older are cursors (after=/before=) or None at an end."""

    lines: list[StatementLine]
    newer: int | None
    older: int | None


def statement_page(
    account: AccountRef | None,
    *,
    before: int | None = None,
    after: int | None = None,
    flow: str | None = None,
    q: str | None = None,
    per_page: int = 20,
) -> StatementPage:
    """A keyset page on (account, entry id): before= older lines, after= newer lines (after=0: the oldest page).

    flow "earned" keeps points in, "spent" points out; q finds text in the reason. One statement, however deep.
    """
    if account is None:
        return StatementPage([], None, None)
    per_page = min(max(1, int(per_page)), 100)
    query = _lines_query().where(Entry.account_id == _account_id(account))
    if flow == "earned":
        query = query.where(Entry.amount > 0)
    elif flow == "spent":
        query = query.where(Entry.amount < 0)
    text = (q or "").strip()[:SEARCH_MAX]
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Transfer.memo.like(f"%{escaped}%", escape="\\"))
    if after is not None:
        query = query.where(Entry.id > after).order_by(Entry.id.asc())
    else:
        if before is not None:
            query = query.where(Entry.id < before)
        query = query.order_by(Entry.id.desc())
    rows = db.session.execute(query.limit(per_page + 1)).all()
    more = len(rows) > per_page
    lines = [StatementLine(*row) for row in rows[:per_page]]
    if after is not None:
        lines.reverse()
        newer = lines[0].entry_id if more and lines else None
        older = lines[-1].entry_id if lines and after > 0 else None
    else:
        older = lines[-1].entry_id if more else None
        newer = lines[0].entry_id if lines and before is not None else None
    return StatementPage(lines, newer, older)


@functools.cache
def _lines_query() -> sa.Select:
    """The statement line columns with the later reversal (if any) joined on its unique index, built once."""
    later = aliased(Transfer)
    return prepared(
        sa.select(
            Entry.id,
            Entry.transfer_id,
            Transfer.created_at,
            Transfer.kind,
            Entry.amount,
            Entry.balance_after,
            Transfer.memo,
            Transfer.subject_type,
            Transfer.subject_id,
            Transfer.reverses_id,
            later.id,
        )
        .join(Transfer, Transfer.id == Entry.transfer_id)
        .outerjoin(later, later.reverses_id == Transfer.id)
    )
