"""Importing residents from a CSV or XLSX sheet: every row is checked first; a bad sheet imports nothing."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from pointsbank.errors import DomainError, Invalid, Refused
from pointsbank.extensions import db
from pointsbank.people.auth import normalize_phone
from pointsbank.people.models import Community, Grid, User

MAX_ROWS = 1000
HEADERS = {
    "name": {"姓名", "名字", "name", "full name"},
    "phone": {"手机号", "手机号码", "手机", "电话", "phone", "mobile", "mobile number"},
    "grid": {"网格", "所属网格", "grid"},
}


@dataclass
class SheetRow:
    """One data row; `row` is the row number the coordinator sees in the spreadsheet (header = 1)."""

    row: int
    name: str
    phone: str
    grid: str
    errors: list[dict] = field(default_factory=list)

    def refuse(self, column: str, code: str, message) -> None:
        self.errors.append({"row": self.row, "column": column, "code": code, "message": str(message)})


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _read_csv(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise Invalid("unreadable_sheet", _l("The file could not be read. Save it as CSV (UTF-8) or XLSX."))
    return [row for row in csv.reader(io.StringIO(text))]


def _read_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        rows = [[_cell(v) for v in row] for row in book.worksheets[0].iter_rows(values_only=True)]
        book.close()
    except Exception as exc:
        raise Invalid("unreadable_sheet", _l("The file could not be read. Save it as CSV (UTF-8) or XLSX.")) from exc
    return rows


def _columns(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        key = title.strip().lower()
        for column, names in HEADERS.items():
            if key in names and column not in found:
                found[column] = index
    missing = [c for c in ("name", "phone") if c not in found]
    if missing:
        raise Invalid(
            "bad_header",
            _l("The first row must name the columns: 姓名/name, 手机号/phone and 网格/grid."),
            details={"missing": missing},
        )
    return found


def parse_sheet(filename: str, data: bytes) -> list[SheetRow]:
    """Read the rows of a CSV or XLSX sheet whose first row names the columns (Chinese or English)."""
    lower = (filename or "").lower()
    if lower.endswith(".xlsx"):
        table = _read_xlsx(data)
    elif lower.endswith((".csv", ".txt")):
        table = _read_csv(data)
    else:
        raise Invalid("unsupported_file", _l("Upload a .csv or .xlsx file."))
    table = [[_cell(v) for v in row] for row in table]
    header_index = next((i for i, row in enumerate(table) if any(row)), None)
    if header_index is None:
        raise Invalid("empty_sheet", _l("The sheet is empty."))
    columns = _columns(table[header_index])
    rows: list[SheetRow] = []
    for number, values in enumerate(table[header_index + 1 :], start=header_index + 2):
        if not any(values):
            continue

        def get(column: str, values=values) -> str:
            index = columns.get(column)
            return values[index] if index is not None and index < len(values) else ""

        rows.append(SheetRow(row=number, name=get("name"), phone=get("phone"), grid=get("grid")))
    if not rows:
        raise Invalid("empty_sheet", _l("The sheet is empty."))
    if len(rows) > MAX_ROWS:
        raise Invalid("too_many_rows", _l("A sheet can have at most %(count)s rows.", count=MAX_ROWS))
    return rows


def check_rows(community: Community, rows: list[SheetRow]) -> list[dict]:
    """Check every row (name, phone, duplicates, grid) and return all problems in row order."""
    grids = {g.name: g for g in db.session.scalars(sa.select(Grid).where(Grid.community_id == community.id))}
    first_seen: dict[str, int] = {}
    for row in rows:
        if not row.name:
            row.refuse("name", "empty_name", _l("The name is empty."))
        elif len(row.name) > 40:
            row.refuse("name", "invalid_name", _l("Enter a name of 1 to 40 characters."))
        try:
            row.phone = normalize_phone(row.phone)
        except DomainError:
            row.refuse("phone", "invalid_phone", _l("Enter a valid 11-digit mainland mobile number."))
        else:
            if row.phone in first_seen:
                row.refuse(
                    "phone",
                    "duplicate_in_sheet",
                    _l("The same number is already in row %(row)s.", row=first_seen[row.phone]),
                )
            else:
                first_seen[row.phone] = row.row
        if row.grid and row.grid not in grids:
            row.refuse("grid", "unknown_grid", _l("This community has no grid named “%(grid)s”.", grid=row.grid))
    registered = (
        set(db.session.scalars(sa.select(User.phone).where(User.phone.in_(list(first_seen))))) if first_seen else set()
    )
    for row in rows:
        if row.phone in registered and first_seen.get(row.phone) == row.row:
            row.refuse("phone", "already_registered", _l("This mobile number is already registered."))
    return [error for row in rows for error in row.errors]


def import_residents(
    community: Community, rows: list[SheetRow], *, actor: User | None = None
) -> list[tuple[User, str]]:
    """Register every row with a temporary password, or nothing at all if any row is bad."""
    from pointsbank.people.service import register_resident

    errors = check_rows(community, rows)
    if errors:
        raise Refused(
            "bad_rows",
            _l("%(count)s rows have problems; nothing was imported.", count=len({e["row"] for e in errors})),
            details={"rows": errors},
        )
    grids = {g.name: g.id for g in community.grids}
    return [
        register_resident(community, row.name, row.phone, grids.get(row.grid) if row.grid else None, actor=actor)
        for row in rows
    ]


def template_sheet(grids: list[str]) -> bytes:
    """An XLSX with the header row 姓名/手机号/网格, a grid list to pick from, and no data rows."""
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = "居民"
    sheet.append(["姓名", "手机号", "网格"])
    for column, width in (("A", 12), ("B", 16), ("C", 24)):
        sheet.column_dimensions[column].width = width
    sheet.column_dimensions["B"].number_format = "@"
    if grids:
        lists = book.create_sheet("网格")
        for name in grids:
            lists.append([name])
        choice = DataValidation(type="list", formula1=f"=网格!$A$1:$A${len(grids)}", allow_blank=True)
        sheet.add_data_validation(choice)
        choice.add("C2:C1001")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
