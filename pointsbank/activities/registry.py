"""Hours export for the national volunteer registry (全国志愿服务信息系统 / 志愿中国): CSV and XLSX.

The column list lives only here (REGISTRY_COLUMNS); change it when the registry's import template changes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from openpyxl import Workbook

from pointsbank.activities.records import ServiceRecord

ID_TYPE_PLACEHOLDER = "居民身份证"


def _mask(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else phone


# (header, value of a record) — the order of the registry's batch import of service-hour records.
REGISTRY_COLUMNS: tuple[tuple[str, Callable[[ServiceRecord, bool], object]], ...] = (
    ("姓名", lambda r, full: r.name),
    ("证件类型", lambda r, full: ID_TYPE_PLACEHOLDER),
    ("证件号码", lambda r, full: ""),  # not held here: the coordinator fills it in from the registry
    ("手机号码", lambda r, full: r.phone if full else _mask(r.phone)),
    ("活动名称", lambda r, full: r.activity),
    ("服务日期", lambda r, full: r.day.isoformat()),
    ("服务时长（小时）", lambda r, full: r.hours),
    ("组织单位", lambda r, full: r.organiser),
)
HEADERS = tuple(h for h, _ in REGISTRY_COLUMNS)


def rows(records: list[ServiceRecord], *, full_phone: bool = False) -> list[list[object]]:
    """One row per record in REGISTRY_COLUMNS order; phones masked unless full_phone."""
    return [[value(r, full_phone) for _, value in REGISTRY_COLUMNS] for r in records]


def csv_bytes(records: list[ServiceRecord], *, full_phone: bool = False) -> bytes:
    """UTF-8 CSV with a byte-order mark (so spreadsheet programs read the Chinese)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for row in rows(records, full_phone=full_phone):
        writer.writerow([_safe_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(records: list[ServiceRecord], *, full_phone: bool = False) -> bytes:
    """An XLSX workbook with one sheet, headers first."""
    book = Workbook()
    sheet = book.active
    sheet.title = "服务时长"
    sheet.append(list(HEADERS))
    for row in rows(records, full_phone=full_phone):
        sheet.append([_safe_cell(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _safe_cell(value: object) -> object:
    """Text starting like a formula is prefixed with ' so a spreadsheet does not run it."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
