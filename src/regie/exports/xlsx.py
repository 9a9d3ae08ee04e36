"""Spreadsheets (XLSX) of report tables, written with openpyxl.

Amounts arrive as integer cents and are written as two-place :class:`~decimal.Decimal` euros
with a number format, so a spreadsheet sums them as numbers and shows exactly the figures of
the screen (no float arithmetic on our side):

>>> from openpyxl import load_workbook
>>> content = table_workbook(
...     title="Report",
...     columns=[Column("Account"), Column("Amount", MONEY)],
...     rows=[["4000", 12345]],
...     totals=["Total", 12345],
... )
>>> sheet = load_workbook(io.BytesIO(content)).active
>>> [[cell.value for cell in row] for row in sheet.iter_rows(min_row=3)]
[['Account', 'Amount'], ['4000', 123.45], ['Total', 123.45]]
>>> sheet["B4"].number_format
'#,##0.00'
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from regie.core.money import to_decimal

TEXT, MONEY, DATE, MONTH = "text", "money", "date", "month"
FORMATS = {MONEY: "#,##0.00", DATE: "DD/MM/YYYY", MONTH: "MM/YYYY"}
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOLD = Font(bold=True)


@dataclass(frozen=True)
class Column:
    """A column: its heading, what its values are (text, money in cents, date) and its width."""

    title: str
    kind: str = TEXT
    width: int = 16


def _value(kind: str, value):
    if value is None:
        return None
    if kind == MONEY:
        return to_decimal(value)
    return value


def _write_row(sheet, row_number: int, columns: Sequence[Column], values, bold=False) -> None:
    for index, (column, value) in enumerate(zip(columns, values, strict=True), start=1):
        cell = sheet.cell(row=row_number, column=index, value=_value(column.kind, value))
        if column.kind in FORMATS and isinstance(value, int | date):
            cell.number_format = FORMATS[column.kind]
        if bold:
            cell.font = BOLD


def table_workbook(
    *,
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence],
    totals: Sequence | None = None,
    subtitle: str = "",
) -> bytes:
    """Return an XLSX file of one sheet: a title line, a heading row, the rows and totals."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]  # Excel's limit on sheet names
    sheet.cell(row=1, column=1, value=title).font = Font(bold=True, size=13)
    if subtitle:
        sheet.cell(row=2, column=1, value=subtitle)
    heading = 3
    _write_row(sheet, heading, [Column(c.title) for c in columns], [c.title for c in columns], True)
    row_number = heading
    for row_number, values in enumerate(rows, start=heading + 1):  # noqa: B007
        _write_row(sheet, row_number, columns, values)
    if totals is not None:
        _write_row(sheet, row_number + 1, columns, totals, bold=True)
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = sheet.cell(row=heading + 1, column=1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """Return the file as a download named ``filename`` (``.xlsx`` added)."""
    response = HttpResponse(content, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    add_never_cache_headers(response)  # personal data: never kept by a browser or a proxy
    return response
