"""Every list exports its current filter to XLSX and CSV, streamed: one mechanism, opted into.

A list view adds :class:`ListExportMixin` and declares ``export_columns`` (what its screen
shows, as :class:`ListColumn` values read with ``values_list``, so no model instance is built)
and ``export_name``. ``?export=xlsx`` or ``?export=csv`` on the list's address (its filter
kept) then answers with the file: CSV rows are streamed as they are read; XLSX rows are
written as they are read into a temporary file (:mod:`regie.exports.xlsx_stream`), which is
streamed back. Neither holds the
list in memory, so 300,000 rows cost what one chunk of rows costs. Dates are dates, amounts
numbers (two-place euros), never text. Columns are declared one by one: nothing is exported
that a list does not name (medical data never is), and each export is written to the audit log.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from regie.core.models import AuditLog
from regie.core.money import to_decimal
from regie.core.views import audit
from regie.exports.xlsx import CONTENT_TYPE, MONEY, TEXT
from regie.exports.xlsx_stream import write_xlsx

CHUNK = 2000


@dataclass(frozen=True)
class ListColumn:
    """A column of an exported list: heading, the field read (``values_list`` path) and kind.

    ``display`` turns a stored value into the text the screen shows (a choice's label)."""

    title: Any
    field: str
    kind: str = TEXT
    display: Callable[[Any], Any] | None = None


def yes_no(value: bool) -> str:
    """Return a flag as the screens say it: yes or no."""
    return str(_("yes") if value else _("no"))


def _cell_value(column: ListColumn, value):
    if value is None:
        return None
    if column.display is not None:
        return column.display(value)
    if column.kind == MONEY:
        return to_decimal(value)
    return value


def _csv_text(column: ListColumn, value) -> str:
    """Return a CSV field: dates ISO (a spreadsheet reads them as dates), amounts 1234.56."""
    value = _cell_value(column, value)
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def rows_of(queryset, columns: Sequence[ListColumn]) -> Iterator[tuple]:
    """Yield the list's rows as tuples of stored values, read a chunk at a time."""
    fields = [column.field for column in columns]
    yield from queryset.values_list(*fields).iterator(chunk_size=CHUNK)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(name: str, columns: Sequence[ListColumn], rows: Iterable[tuple]):
    """Stream a CSV (UTF-8 with a BOM, semicolons) of the rows."""
    writer = csv.writer(_Echo(), delimiter=";")

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow([str(column.title) for column in columns])
        for row in rows:
            yield writer.writerow([_csv_text(c, v) for c, v in zip(columns, row, strict=True)])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    add_never_cache_headers(response)
    return response


def xlsx_file(title: str, columns: Sequence[ListColumn], rows: Iterable[tuple]):
    """Write the rows to a temporary XLSX file, as they come, and return it (at its start)."""
    # Closed by the FileResponse that streams it (deleted on close).
    target = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    kinds = [column.kind if column.display is None else None for column in columns]
    write_xlsx(
        target,
        str(title),
        [str(column.title) for column in columns],
        kinds,
        ([_cell_value(c, v) for c, v in zip(columns, row, strict=True)] for row in rows),
    )
    target.seek(0)
    return target


def xlsx_response(name: str, title: str, columns: Sequence[ListColumn], rows: Iterable[tuple]):
    response = FileResponse(
        xlsx_file(title, columns, rows),
        as_attachment=True,
        filename=f"{name}.xlsx",
        content_type=CONTENT_TYPE,
    )
    add_never_cache_headers(response)
    return response


class ListExportMixin:
    """Let a list view answer ``?export=xlsx`` or ``?export=csv`` with its filtered list."""

    export_columns: Sequence[ListColumn] = ()
    export_name = "list"
    export_title: Any = ""

    def get(self, request, *args, **kwargs):
        if not wants_export(request):
            return super().get(request, *args, **kwargs)
        return export_answer(
            request,
            self.get_queryset(),
            name=self.export_name,
            title=self.export_title,
            columns=self.export_columns,
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["export_query"] = export_query(self.request)
        return context


def wants_export(request) -> bool:
    """Tell whether the list's address asks for its export (``?export=xlsx`` or ``csv``)."""
    return request.GET.get("export") in ("xlsx", "csv")


def export_answer(request, queryset, *, name: str, title, columns: Sequence[ListColumn]):
    """Answer a list's export: its filtered rows as XLSX or CSV, written to the audit log.

    Function views call it when :func:`wants_export`; class views get it from the mixin."""
    kind = request.GET.get("export")
    rows = rows_of(queryset, columns)
    audit(request, action=AuditLog.Action.EXPORT, obj=request.organisation,
          detail=f"{name}.{kind}")  # fmt: skip
    if kind == "csv":
        return csv_response(name, columns, rows)
    return xlsx_response(name, title or name, columns, rows)


def export_query(request) -> str:
    """Return the list's query string without its page and export: what the links keep."""
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("export", None)
    return params.urlencode()
