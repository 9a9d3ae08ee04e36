"""Pivot tables: one ``GROUP BY`` over a source, cells by row and column, exact totals.

The database returns one aggregate per (row, column) pair; the totals are sums of those
integers, so rows and columns add up exactly to the grand total, and no source row is ever
loaded into Python.
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date

from django.db import connection, transaction
from django.db.models import F, Value
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from regie.activities.models import ActivityCategory, Place
from regie.billing.selectors import Status
from regie.dunning.plan_models import PlanStatus
from regie.payments.models import Mode
from regie.people.models import Person, SchoolSite, TariffCategory
from regie.statistics import facts
from regie.statistics.sources import LINE_AMOUNT, SOURCES, Source

PLAN_LABELS = {
    facts.NO_PLAN: gettext_lazy("not in a payment plan"),
    PlanStatus.ACTIVE: gettext_lazy("in an active plan"),
    PlanStatus.COMPLETED: gettext_lazy("in a completed plan"),
    PlanStatus.CANCELLED: gettext_lazy("in a cancelled plan"),
}
FIGURES = "figures"  # columns: the money measures side by side
WORK_MEM = "64MB"  # PostgreSQL's memory for the pivot's grouping (see _tuned)
SHOWN_ROWS = 500  # rows shown on screen; the totals and the exports hold them all
NAMES = {
    "category": ActivityCategory,
    "site": SchoolSite,
    "place": Place,
    "tariff": TariffCategory,
    "person": Person,
}


@dataclass(frozen=True)
class Query:
    """What to pivot: a source, rows, optional columns, a measure and filters."""

    source: str
    rows: str
    columns: str = ""
    measure: str = "amount"
    date_from: date | None = None
    date_to: date | None = None
    categories: tuple[int, ...] = ()

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "rows": self.rows,
            "columns": self.columns,
            "measure": self.measure,
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
            "categories": list(self.categories),
        }


@dataclass
class Pivot:
    query: Query
    rows: list[tuple[object, str]] = field(default_factory=list)  # (key, label)
    columns: list[tuple[object, str]] = field(default_factory=list)
    cells: dict[tuple[object, object], int] = field(default_factory=dict)
    row_totals: dict[object, int] = field(default_factory=dict)
    column_totals: dict[object, int] = field(default_factory=dict)
    total: int = 0

    @property
    def money(self) -> bool:
        return self.query.measure != "count" or self.query.columns == FIGURES

    @property
    def additive(self) -> bool:
        """Whether a row's cells add up to a total (not so for figures side by side)."""
        return self.query.columns != FIGURES

    def table(self) -> list[tuple[str, list[int], int]]:
        """Return the rows as (label, cells per column, row total)."""
        return [
            (
                label,
                [self.cells.get((key, col), 0) for col, _l in self.columns],
                self.row_totals[key],
            )
            for key, label in self.rows
        ]


def pivot_compute(query: Query) -> Pivot:
    """Return the pivot of ``query``, computed by one aggregate query in the database."""
    source = SOURCES[query.source]
    pivot = Pivot(query)
    row_totals: dict = defaultdict(int)
    column_totals: dict = defaultdict(int)
    groups = _figure_groups(source, query) if query.columns == FIGURES else _groups(source, query)
    for row, column, value in groups:
        pivot.cells[row, column] = pivot.cells.get((row, column), 0) + value
        row_totals[row] += value
        column_totals[column] += value
    pivot.row_totals, pivot.column_totals = dict(row_totals), dict(column_totals)
    pivot.total = sum(row_totals.values())
    pivot.rows = _labelled(source, query.rows, row_totals)
    if query.columns == FIGURES:
        pivot.columns = [(key, str(source.measures[key][0])) for key in figures(source)]
    elif query.columns:
        pivot.columns = _labelled(source, query.columns, column_totals)
    else:
        pivot.columns = [(None, _("Total"))]
    return pivot


def figures(source: Source) -> list[str]:
    """Return the measures shown side by side as columns: the money ones."""
    return [key for key in source.measures if key != "count"]


def _figure_groups(source: Source, query: Query):
    """Yield (row key, measure, value): one aggregate query per money measure."""
    for measure in figures(source):
        for row, _column, value in _groups(source, replace(query, columns="", measure=measure)):
            yield row, measure, value


def _groups(source: Source, query: Query):
    """Yield (row key, column key, value): one aggregate per pair, from the database."""
    if source.needs_facts(query):
        yield from _fact_groups(source, query)
        return
    dims = {"row_key": source.dimensions[query.rows].expression}
    if query.columns:
        dims["column_key"] = source.dimensions[query.columns].expression
    measure = source.measures[query.measure][1]
    grouped = (
        _filtered(source, query).annotate(**dims).values(*dims).annotate(value=measure).order_by()
    )
    with _tuned():
        found = list(grouped)
    for group in found:
        yield group["row_key"], group.get("column_key"), group["value"]


@contextmanager
def _tuned():
    """On PostgreSQL, run the pivot's query without JIT and with more memory to group in.

    A year by person and month (165,000 groups of 3.5 million lines) spilled its hash
    aggregate to disk with the default 4 MB and spent most of a second compiling (JIT, for a
    high estimated cost), ``bench/statistics.py``; ``SET LOCAL`` lasts the transaction only."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        yield


def _fact_groups(source: Source, query: Query):
    rows = source.dimensions[query.rows]
    columns = source.dimensions[query.columns] if query.columns else None
    dims = {
        "d_line": F("pk"),
        "d_invoice": F("invoice_id"),
        "d_amount": LINE_AMOUNT,
        "row_key": rows.expression if rows.expression is not None else Value(""),
    }
    if columns:
        dims["column_key"] = columns.expression if columns.expression is not None else Value("")
    found = facts.grouped(
        _filtered(source, query).order_by().values(**dims),
        measure=query.measure,
        row_fact=rows.fact,
        column_fact=columns.fact if columns else "",
        columns=bool(columns),
    )
    for row, column, value in found:
        yield (
            facts.as_date(row) if rows.period else row,
            facts.as_date(column) if columns and columns.period else column,
            value,
        )


def _filtered(source: Source, query: Query):
    rows = source.queryset()
    if query.date_from:
        rows = rows.filter(**{f"{source.date_field}__gte": query.date_from})
    if query.date_to:
        rows = rows.filter(**{f"{source.date_field}__lte": query.date_to})
    if query.categories and source.category_field:
        rows = rows.filter(**{f"{source.category_field}__in": query.categories})
    return rows


def _labelled(source: Source, name: str, keys) -> list[tuple[object, str]]:
    """Return the keys with their labels, dates in order, names alphabetically, none last."""
    dimension = source.dimensions[name]
    present = [key for key in keys if key is not None]
    if dimension.period:
        pattern = "%m/%Y" if dimension.period == "month" else "%d/%m/%Y"
        labelled = [(key, key.strftime(pattern)) for key in sorted(present)]
    else:
        labels = _names(dimension.names, present)
        labelled = sorted(((key, labels.get(key, "?")) for key in present), key=lambda p: p[1])
    if None in keys:
        labelled.append((None, _("(none)")))
    return labelled


def _names(kind: str, keys: list) -> dict:
    if kind == "mode":
        return {key: str(Mode(key).label) if key in Mode.values else key for key in keys}
    if kind == "status":
        return {key: str(Status.LABELS.get(key, key)) for key in keys}
    if kind == "plan":
        return {key: str(PLAN_LABELS.get(key, key)) for key in keys}
    if kind == "person":  # thousands of persons: their names, not model instances
        names = {}
        for start in range(0, len(keys), 900):  # within SQLite's parameters per query
            rows = Person.objects.filter(pk__in=keys[start : start + 900])
            for pk, last, first in rows.values_list("pk", "last_name", "first_name"):
                names[pk] = f"{last} {first}".strip()  # as str(person)
        return names
    model = NAMES[kind]
    return {pk: str(obj) for pk, obj in model.objects.in_bulk(keys).items()}
