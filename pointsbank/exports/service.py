"""Exports of ledger movements as CSV (UTF-8 with BOM, streamed) and XLSX (write-only)."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from pointsbank.exports import kinds
from pointsbank.extensions import db
from pointsbank.ledger.models import Account, Entry, Transfer

LEDGER_KINDS = {"awards": ("award",), "redemptions": ("spend",)}
KINDS = (*LEDGER_KINDS, *kinds.KINDS)
BATCH = 1000


def _header(kind: str = "awards") -> list[str]:
    if kind in kinds.KINDS:
        return kinds.header(kind)
    return [_("Time"), _("Community"), _("Account"), _("Points"), _("Memo"), "ID"]


def rows(kind: str, ids: list[int], start: datetime, end: datetime) -> Iterator[list]:
    """The export's rows, one at a time."""
    if kind in kinds.KINDS:
        return kinds.rows(kind, ids, start, end)
    return _ledger_rows(kind, ids, start, end)


def _ledger_rows(kind: str, ids: list[int], start: datetime, end: datetime) -> Iterator[list]:
    """Resident entries of the kind in the communities and period, read in batches by id."""
    last = 0
    while True:
        q = (
            sa.select(Entry.id, Entry.created_at, Entry.community_id, Account.owner_key, Entry.amount, Transfer.memo)
            .join(Transfer, Transfer.id == Entry.transfer_id)
            .join(Account, Account.id == Entry.account_id)
            .where(Account.kind == "resident", Transfer.kind.in_(LEDGER_KINDS[kind]), Entry.community_id.in_(ids))
            .where(Account.community_id.in_(ids))  # equal to the entry's (verify checks it); lets the plan use it
            .where(Entry.created_at >= start, Entry.created_at < end, Entry.id > last)
            .order_by(Entry.id)
            .limit(BATCH)
        )
        batch = db.session.execute(q).all()
        for r in batch:
            yield [r.created_at.strftime("%Y-%m-%d %H:%M:%S"), r.community_id, r.owner_key, r.amount, r.memo, r.id]
        if len(batch) < BATCH:
            return
        last = batch[-1].id


def csv_chunks(kind: str, ids: list[int], start: datetime, end: datetime) -> Iterator[bytes]:
    yield "\ufeff".encode()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_header(kind))
    for i, row in enumerate(rows(kind, ids, start, end), 1):
        writer.writerow(row)
        if i % 500 == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


def xlsx_chunks(kind: str, ids: list[int], start: datetime, end: datetime, chunk: int = 64 * 1024) -> Iterator[bytes]:
    """The XLSX built row by row into a temporary file (write-only mode keeps no rows in memory), then streamed."""
    from openpyxl import Workbook

    with tempfile.TemporaryFile() as out:
        book = Workbook(write_only=True)
        sheet = book.create_sheet(kind)
        sheet.append(_header(kind))
        for row in rows(kind, ids, start, end):
            sheet.append(row)
        book.save(out)
        out.seek(0)
        while data := out.read(chunk):
            yield data


def xlsx_bytes(kind: str, ids: list[int], start: datetime, end: datetime) -> bytes:
    return b"".join(xlsx_chunks(kind, ids, start, end))


def count(kind: str, ids: list[int], start: datetime, end: datetime) -> int:
    if kind in kinds.KINDS:
        return kinds.count(kind, ids, start, end)
    q = (
        sa.select(sa.func.count(Entry.id))
        .join(Transfer, Transfer.id == Entry.transfer_id)
        .join(Account, Account.id == Entry.account_id)
        .where(Account.kind == "resident", Transfer.kind.in_(LEDGER_KINDS[kind]), Entry.community_id.in_(ids))
        .where(Account.community_id.in_(ids))  # equal to the entry's (verify checks it); lets the plan use it
        .where(Entry.created_at >= start, Entry.created_at < end)
    )
    return int(db.session.execute(q).scalar_one())


def record_export(user, kind: str, scope: str, ids: list[int], start: datetime, end: datetime, fmt: str) -> int:
    """Audited once per export (inside the caller's unit of work); returns the row count."""
    from pointsbank.audit import service as audit

    rows_ = count(kind, ids, start, end)
    details = {"kind": kind, "scope": scope, "from": start.date().isoformat(), "to": end.date().isoformat()}
    audit.record("export.created", actor_id=user.id, details={**details, "format": fmt, "rows": rows_})
    return rows_
