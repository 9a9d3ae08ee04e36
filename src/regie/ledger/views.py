"""Ledger reports: the trial balance and the receivables by category and month, with exports."""

from __future__ import annotations

from datetime import date

from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views import generic

from regie.core.models import AuditLog
from regie.core.views import CapabilityRequiredMixin, audit
from regie.exports.xlsx import MONEY, MONTH, Column, table_workbook, xlsx_response
from regie.ledger import selectors
from regie.ledger.forms import PeriodForm, current_year


class PeriodMixin(CapabilityRequiredMixin):
    """A report of a period given by ``?date_from=&date_to=`` (default: the current year)."""

    capability = "finance.view"

    def period_form(self) -> tuple[PeriodForm, date, date]:
        start, end = current_year(timezone.localdate())
        if not {"date_from", "date_to"} & set(self.request.GET):
            return PeriodForm(initial={"date_from": start, "date_to": end}), start, end
        form = PeriodForm(self.request.GET)
        if form.is_valid():
            return form, form.cleaned_data["date_from"], form.cleaned_data["date_to"]
        return form, start, end


class ExportMixin(PeriodMixin):
    """Answer with the report as XLSX and write the export to the audit log."""

    screen = ""  # URL name of the report's screen, where an invalid period is shown
    report = ""  # short name, in the file name and the audit log

    def get(self, request, *args, **kwargs):
        form, start, end = self.period_form()
        if form.is_bound and not form.is_valid():
            return redirect(f"{reverse(self.screen)}?{request.GET.urlencode()}")
        content = self.workbook(start, end)
        audit(
            request,
            action=AuditLog.Action.EXPORT,
            obj=request.organisation,
            detail=f"{self.report} {start.isoformat()}..{end.isoformat()}",
        )
        return xlsx_response(content, f"{self.report}-{start.isoformat()}-{end.isoformat()}")

    def workbook(self, start: date, end: date) -> bytes:
        raise NotImplementedError


def _subtitle(start: date, end: date) -> str:
    return _("From %(start)s to %(end)s") % {
        "start": start.strftime("%d/%m/%Y"),
        "end": end.strftime("%d/%m/%Y"),
    }


class TrialBalanceView(PeriodMixin, generic.TemplateView):
    template_name = "ledger/trial_balance.html"

    def get_context_data(self, **kwargs):
        form, start, end = self.period_form()
        return super().get_context_data(
            form=form, report=selectors.trial_balance(start, end), **kwargs
        )


class TrialBalanceExport(ExportMixin, generic.View):
    screen = "ledger:trial-balance"
    report = "trial-balance"

    def workbook(self, start: date, end: date) -> bytes:
        report = selectors.trial_balance(start, end)
        columns = [
            Column(_("Account"), width=10),
            Column(_("Name"), width=40),
            Column(_("Opening balance"), MONEY),
            Column(_("Debit"), MONEY),
            Column(pgettext("ledger column", "Credit"), MONEY),
            Column(_("Closing balance"), MONEY),
        ]
        total = report.total
        return table_workbook(
            title=_("Trial balance"),
            subtitle=_subtitle(start, end),
            columns=columns,
            rows=(
                [row.code, row.name, row.opening, row.debit, row.credit, row.closing]
                for row in report.rows
            ),
            totals=[_("Total"), "", total.opening, total.debit, total.credit, total.closing],
        )


class ReceivablesView(PeriodMixin, generic.TemplateView):
    template_name = "ledger/receivables.html"

    def get_context_data(self, **kwargs):
        form, start, end = self.period_form()
        report = selectors.receivables(start, end, no_category=_("No category"))
        return super().get_context_data(form=form, report=report, **kwargs)


class ReceivablesExport(ExportMixin, generic.View):
    screen = "ledger:receivables"
    report = "receivables"

    def workbook(self, start: date, end: date) -> bytes:
        report = selectors.receivables(start, end, no_category=_("No category"))
        columns = [
            Column(_("Activity category"), width=24),
            Column(_("Month"), MONTH, width=10),
            Column(_("Invoiced"), MONEY),
            Column(_("Credited"), MONEY),
            Column(_("Written off"), MONEY),
            Column(_("Received"), MONEY),
            Column(_("Balance"), MONEY),
        ]
        rows = []
        for category in report.categories:
            rows += [_amounts(row.category, row.month, row) for row in category.months]
            rows.append(
                _amounts(
                    _("Total %(category)s") % {"category": category.category}, None, category.total
                )
            )
        return table_workbook(
            title=_("Receivables by category and month"),
            subtitle=_subtitle(start, end),
            columns=columns,
            rows=rows,
            totals=_amounts(_("Total"), None, report.total),
        )


def _amounts(label: str, month: date | None, row: selectors.ReceivableRow) -> list:
    return [label, month, row.invoiced, row.credited, row.written_off, row.received, row.balance]
