"""The pivot page: ask a question, read it as a table or a chart, save it, export it."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from regie.core.errors import DomainError
from regie.core.models import AuditLog
from regie.core.money import format_cents
from regie.core.views import audit, require_capability
from regie.exports.xlsx import MONEY, TEXT, Column, table_workbook, xlsx_response
from regie.statistics import services
from regie.statistics.chart import bar_chart, line_chart
from regie.statistics.forms import PivotForm, SaveForm
from regie.statistics.models import SavedView
from regie.statistics.pivot import SHOWN_ROWS, Pivot, pivot_compute
from regie.statistics.sources import SOURCES

DEFAULT = {"source": "receivables", "rows": "month", "columns": "category", "measure": "amount"}


def _form(request) -> PivotForm:
    return PivotForm(request.GET if "source" in request.GET else DEFAULT)


def _views(request):
    return SavedView.objects.filter(Q(owner=request.user) | Q(shared=True)).select_related("owner")


def pivot_page(request):
    """Show the pivot of the question in the address, with the saved views."""
    require_capability(request, "finance.view")
    form = _form(request)
    context = {"form": form, "views": _views(request), "save_form": SaveForm()}
    if form.is_valid():
        pivot = pivot_compute(form.query())
        context.update(_shown(pivot, form.cleaned_data.get("display") or "table"))
        question = request.GET.copy()
        question.pop("display", None)
        context["query_string"] = question.urlencode() if "source" in request.GET else ""
        context["query_items"] = [
            (key, value)
            for key, values in (request.GET.lists() if "source" in request.GET else DEFAULT.items())
            for value in (values if isinstance(values, list) else [values])
            if key != "display"
        ]
    return render(request, "statistics/pivot.html", context)


def _shown(pivot: Pivot, display: str) -> dict:
    formatted = format_cents if pivot.money else str
    source = SOURCES[pivot.query.source]
    measure_label = (
        source.measures[pivot.query.measure][0] if pivot.additive else _("Amounts side by side")
    )
    context = {
        "pivot": pivot,
        "table": pivot.table()[:SHOWN_ROWS],
        "hidden_rows": max(len(pivot.rows) - SHOWN_ROWS, 0),
        "row_label": source.dimensions[pivot.query.rows].label,
        "measure_label": measure_label,
        "display": display,
    }
    if display == "chart":
        context["chart"] = _chart(pivot, context["table"], str(measure_label), formatted)
    return context


def _chart(pivot: Pivot, table, title: str, formatted):
    """Lines when the rows are months or days (a line per column), bars otherwise."""
    if SOURCES[pivot.query.source].dimensions[pivot.query.rows].period and len(table) > 1:
        labels = [label for label, _cells, _total in table]
        if pivot.query.columns:
            series = [
                (str(name), [cells[n] for _label, cells, _total in table])
                for n, (_key, name) in enumerate(pivot.columns)
            ]
        else:
            series = [(title, [total for _label, _cells, total in table])]
        return line_chart(labels, series, title=title, formatted=formatted)
    bars = [(label, total) for label, _cells, total in table]
    return bar_chart(bars, title=title, formatted=formatted)


def pivot_export(request):
    """Download the pivot as XLSX: the rows, columns and totals of the screen."""
    require_capability(request, "finance.view")
    form = _form(request)
    if not form.is_valid():
        messages.error(request, _("The question of this pivot is not valid: correct it first."))
        return redirect("statistics:pivot")
    pivot = pivot_compute(form.query())
    kind = MONEY if pivot.money else TEXT
    source = SOURCES[pivot.query.source]
    columns = [Column(str(source.dimensions[pivot.query.rows].label), width=30)]
    columns += [Column(label, kind) for _key, label in pivot.columns]
    rows = [[label, *cells, total] for label, cells, total in pivot.table()]
    totals = [_("Total"), *[pivot.column_totals.get(k, 0) for k, _l in pivot.columns], pivot.total]
    if pivot.additive:
        columns.append(Column(_("Total"), kind))
        title = str(source.measures[pivot.query.measure][0])
    else:  # figures side by side: a row's cells do not add up
        rows, totals = [row[:-1] for row in rows], totals[:-1]
        title = _("Amounts side by side")
    content = table_workbook(title=title, columns=columns, rows=rows, totals=totals)
    audit(request, action=AuditLog.Action.EXPORT, obj=request.organisation, detail="pivot")
    return xlsx_response(content, "pivot")


def view_save(request):
    """Save the pivot's question under a name, for oneself or the organisation."""
    require_capability(request, "finance.view")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form, save_form = PivotForm(request.POST), SaveForm(request.POST)
    if form.is_valid() and save_form.is_valid():
        view = services.saved_view_save(
            owner=request.user,
            name=save_form.cleaned_data["name"],
            query=form.query(),
            shared=save_form.cleaned_data["shared"],
        )
        messages.success(request, _("The view “%(name)s” is saved.") % {"name": view.name})
        return redirect(view.get_absolute_url())
    context = {"form": form, "views": _views(request), "save_form": save_form}
    return render(request, "statistics/pivot.html", context, status=400)


def view_delete(request, pk: int):
    """Delete one of one's saved views."""
    require_capability(request, "finance.view")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    view = get_object_or_404(_views(request), pk=pk)
    try:
        services.saved_view_delete(view=view, user=request.user)
    except DomainError as error:
        messages.error(request, error.translated())
    else:
        messages.success(request, _("The view “%(name)s” is deleted.") % {"name": view.name})
    return redirect("statistics:pivot")
