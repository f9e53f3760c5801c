"""The audit log as a file: CSV (UTF-8 with BOM, opens in Excel) or XLSX, streamed in batches."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from flask_babel import gettext as _

from pointsbank.audit import labels, queries
from pointsbank.audit.queries import SHANGHAI, AuditFilter

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe(text: str) -> str:
    """Keep spreadsheet formulas out of exported text."""
    return "'" + text if text and text.startswith(FORMULA_STARTS) else text


def _header() -> list[str]:
    return [_("Time"), _("Who"), _("Action"), _("Code"), _("About"), _("Community"), _("Address"), _("Details"), "ID"]


def _rows(user, flt: AuditFilter) -> Iterator[list]:
    batch: list = []

    def flush() -> Iterator[list]:
        names = queries.people_names(batch)
        for e in batch:
            yield [
                e.created_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"),
                _safe(names.get(e.actor_id, "") if e.actor_id else _("(system)")),
                labels.action_text(e.action),
                e.action,
                _safe(labels.subject_text(e, names)),
                e.community_id or "",
                e.address or "",
                _safe(labels.details_text(e.details)),
                e.id,
            ]

    for entry in queries.walk(user, flt):
        batch.append(entry)
        if len(batch) == queries.EXPORT_BATCH:
            yield from flush()
            batch = []
    yield from flush()


def csv_chunks(user, flt: AuditFilter) -> Iterator[bytes]:
    """CSV for Excel, a chunk per batch of rows: UTF-8 with a BOM first."""
    yield "\ufeff".encode()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(_header())
    for i, row in enumerate(_rows(user, flt), 1):
        writer.writerow(row)
        if i % 500 == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


def xlsx_bytes(user, flt: AuditFilter) -> bytes:
    """An XLSX workbook written row by row (openpyxl write-only mode)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Audit log"))
    sheet.append(_header())
    for row in _rows(user, flt):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def record_export(user, flt: AuditFilter, fmt: str) -> None:
    """Exports are audited too (inside the caller's unit of work)."""
    from pointsbank.audit import service as audit

    audit.record(
        "audit.exported",
        actor_id=user.id,
        community_id=flt.community_id,
        details={"format": fmt, **flt.as_details()},
    )
