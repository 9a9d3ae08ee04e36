"""The finance officer's screens of service files: the list, a file, the counter, a retry."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views import generic

from regie.core.errors import DomainError
from regie.core.once import once_view
from regie.core.views import CapabilityRequiredMixin, require_capability
from regie.documents.mail import sendings_queue
from regie.documents.tasks import sendings_start
from regie.exports.lists import ListColumn, ListExportMixin
from regie.exports.xlsx import DATE, MONEY
from regie.fees.callbacks import callback_retry
from regie.fees.forms import CounterForm, FileFilter
from regie.fees.invoicing import file_invoice
from regie.fees.models import Callback, FilePayment, FileState, ServiceFile, Way
from regie.fees.payments import file_open, file_pay_at_counter
from regie.fees.request_views import request_context
from regie.fees.services import paid_cents
from regie.payments.views import querystring_without_page

#: The badge of each state on the screens.
STATE_CSS = {
    FileState.AWAITING_PAYMENT: "status-warning",
    FileState.PAID: "status-ok",
    FileState.TO_INVOICE: "status-warning",
    FileState.INVOICED: "status-ok",
    FileState.CANCELLED: "status-error",
}


def files_filtered(files, data: dict):
    """Return ``files`` narrowed by the list's filters (``FileFilter``'s cleaned data)."""
    for word in data["q"].split():
        digits = word.replace("+", "").replace("/", "")
        match = (
            Q(person__last_name__icontains=word)
            | Q(person__first_name__icontains=word)
            | Q(external_id__icontains=word)
        )
        if len(digits) >= 4 and digits.isdigit():  # typed as +++105/0000/00127+++
            match |= Q(communication__contains=digits)
        files = files.filter(match)
    if data["service"]:
        files = files.filter(service=data["service"])
    if data["state"]:
        files = files.filter(state=data["state"])
    if data["date_from"]:
        files = files.filter(created_at__date__gte=data["date_from"])
    if data["date_to"]:
        files = files.filter(created_at__date__lte=data["date_to"])
    return files


class FileList(ListExportMixin, CapabilityRequiredMixin, generic.ListView):
    """Files pushed by the services' systems, the latest first, by state, service and period."""

    capability = "finance.view"
    export_name = "dossiers-services"
    export_title = gettext_lazy("Service files")
    export_columns = (
        ListColumn(pgettext_lazy("file pushed", "Received"), "created_at__date", DATE),
        ListColumn(gettext_lazy("Service"), "service__name"),
        ListColumn(gettext_lazy("Reference"), "external_id"),
        ListColumn(gettext_lazy("Last name"), "person__last_name"),
        ListColumn(gettext_lazy("First name"), "person__first_name"),
        ListColumn(gettext_lazy("Description"), "description"),
        ListColumn(gettext_lazy("Way of paying"), "way", display=lambda v: str(Way(v).label)),
        ListColumn(gettext_lazy("Structured communication"), "communication"),
        ListColumn(gettext_lazy("Due date"), "due_date", DATE),
        ListColumn(gettext_lazy("Amount"), "amount_cents", MONEY),
        ListColumn(gettext_lazy("State"), "state", display=lambda v: str(FileState(v).label)),
    )
    template_name = "fees/file_list.html"
    paginate_by = 50

    def get_queryset(self):
        self.filters = FileFilter(self.request.GET or None)
        files = ServiceFile.objects.select_related("service", "person")
        if not self.filters.is_valid():
            return files
        return files_filtered(files, self.filters.cleaned_data)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for file in context["object_list"]:
            file.state_css = STATE_CSS[file.state]
        context.update(
            filters=self.filters,
            query=querystring_without_page(self.request),
            to_invoice=self.object_list.filter(state=FileState.TO_INVOICE).count(),
        )
        return context


def _file(pk: int) -> ServiceFile:
    return get_object_or_404(
        ServiceFile.objects.select_related("service", "person", "invoice"), pk=pk
    )


def file_detail(request, pk: int):
    """Show a file: its versions with their lines, payments, call-backs and every attempt."""
    require_capability(request, "finance.view")
    file = _file(pk)
    file.state_css = STATE_CSS[file.state]
    versions = file.versions.prefetch_related("lines").order_by("-number")
    payments = FilePayment.objects.filter(file=file).select_related("payment", "version")
    callbacks = Callback.objects.filter(file=file).prefetch_related(
        Prefetch("tries", to_attr="attempts_list")
    )
    due = file_open(file)
    context = {
        "file": file,
        "versions": versions,
        "payments": payments.order_by("date", "pk"),
        "paid": paid_cents(file),
        "due": due,
        "callbacks": callbacks,
        "request_doc": request_context(file),
    }
    return render(request, "fees/file_detail.html", context)


@once_view
def file_pay_view(request, pk: int):
    """Record a payment of a file at the counter: cash (then its receipt) or card."""
    require_capability(request, "finance.edit")
    file = _file(pk)
    due = file_open(file)
    if not due:
        messages.error(request, _("This file is not awaiting payment."))
        return redirect("fees-files:file-detail", pk=file.pk)
    form = CounterForm(request.POST or None, due=due)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            payment = file_pay_at_counter(
                file=file,
                mode=data["mode"],
                day=data["date"],
                amount_cents=data["amount"],
                user=request.user,
            )
        except DomainError as error:
            form.add_error(None, error.translated())
        else:
            messages.success(request, _("The payment is recorded."))
            if payment.receipt_number:
                return redirect("payments:payment-receipt", pk=payment.pk)
            return redirect("fees-files:file-detail", pk=file.pk)
    return render(request, "fees/file_pay.html", {"file": file, "form": form, "due": due})


@once_view
def callback_retry_view(request, pk: int, callback_pk: int):
    """Send a call-back not acknowledged yet again now (the button of the file's page)."""
    require_capability(request, "finance.edit")
    file = _file(pk)
    if request.method != "POST":
        return redirect("fees-files:file-detail", pk=file.pk)
    callback = get_object_or_404(Callback, pk=callback_pk, file=file)
    try:
        callback_retry(callback=callback)
    except DomainError as error:
        messages.error(request, error.translated())
    else:
        messages.success(
            request, _("The call-back is sent again: its attempt is listed below once tried.")
        )
    return redirect("fees-files:file-detail", pk=file.pk)


@once_view
def file_invoice_view(request, pk: int):
    """Approve a file invoiced afterwards: issue its invoice and e-mail it (or say it goes by
    post); the button of the file's page."""
    require_capability(request, "finance.edit")
    file = _file(pk)
    if request.method != "POST":
        return redirect("fees-files:file-detail", pk=file.pk)
    try:
        invoice = file_invoice(file=file)
    except DomainError as error:
        messages.error(request, error.translated())
        return redirect("fees-files:file-detail", pk=file.pk)
    queued, by_post = sendings_queue([invoice.pk], user=request.user)
    if queued:
        sendings_start(queued, organisation=request.organisation, user=request.user)
        message = _("Invoice %(number)s is issued and sent by e-mail.")
    else:
        message = _("Invoice %(number)s is issued; it goes by post: print it from its page.")
    messages.success(request, message % {"number": invoice.number})
    return redirect("fees-files:file-detail", pk=file.pk)
