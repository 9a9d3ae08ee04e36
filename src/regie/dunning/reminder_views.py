"""Reminder screens: the list with statuses, a reminder's page, cancelling it; complaints."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F, Q, Value
from django.db.models.functions import Concat
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from regie.billing.models import Invoice, Kind
from regie.billing.selectors import with_balance
from regie.core.errors import DomainError
from regie.core.money import format_cents
from regie.core.once import once_view
from regie.core.views import require_capability
from regie.documents.data import recipient_block
from regie.dunning import listing
from regie.dunning.collection import fee_open
from regie.dunning.forms import AnswerForm, ComplaintForm, ReminderFilter
from regie.dunning.models import Complaint, FeePayment, Reminder, ReminderPayment
from regie.dunning.reminders import reminder_cancel, reminder_is_paid
from regie.dunning.services import complaint_answer, complaint_record
from regie.exports.lists import ListColumn, export_answer, export_query, wants_export
from regie.exports.xlsx import DATE, MONEY
from regie.payments.views import querystring_without_page

REMINDER_COLUMNS = (
    ListColumn(_lazy("Number"), "number"),
    ListColumn(_lazy("Person"), "person_name"),
    ListColumn(_lazy("Level"), "level__number"),
    ListColumn(_lazy("Date"), "issued_on", DATE),
    ListColumn(_lazy("Due date"), "due_date", DATE),
    ListColumn(_lazy("Open invoices"), "principal_cents", MONEY),
    ListColumn(_lazy("Fee"), "fee_cents", MONEY),
    ListColumn(_lazy("Total"), "total_due_cents", MONEY),
    ListColumn(_lazy("Status"), "status_code", display=lambda v: str(listing.STATUS_LABELS[v])),
)


def reminder_list(request):
    """List the reminders, newest first, filtered by status, level or person."""
    require_capability(request, "finance.view")
    today = timezone.localdate()
    filters = ReminderFilter(request.GET or None)
    reminders = listing.with_reminder_state(
        Reminder.objects.select_related("person", "level")
    ).order_by("-issued_on", "-number", "-pk")
    if filters.is_valid():
        data = filters.cleaned_data
        reminders = listing.filter_status(reminders, data["status"], today)
        if data["level"]:
            reminders = reminders.filter(level__number=data["level"])
        for word in data["person"].split():
            reminders = reminders.filter(
                Q(person__last_name__icontains=word) | Q(person__first_name__icontains=word)
            )
    if wants_export(request):
        rows = listing.with_export_columns(reminders, today)
        return export_answer(
            request, rows, name="rappels", title=_lazy("Reminders"), columns=REMINDER_COLUMNS
        )
    page = Paginator(reminders, 50).get_page(request.GET.get("page"))
    listing.with_status_labels(page.object_list, today)
    context = {
        "filters": filters,
        "page_obj": page,
        "paginator": page.paginator,
        "query": querystring_without_page(request),
        "export_query": export_query(request),
    }
    return render(request, "dunning/reminder_list.html", context)


def _reminder(pk: int) -> Reminder:
    reminders = Reminder.objects.select_related("person", "level__policy", "run")
    return get_object_or_404(listing.with_reminder_state(reminders), pk=pk)


def reminder_detail(request, pk: int):
    """Show a reminder: its invoices and what is open today, its fee, the payments."""
    require_capability(request, "finance.view")
    reminder = _reminder(pk)
    today = timezone.localdate()
    listing.with_status_labels([reminder], today)
    issued = dict(reminder.items.values_list("invoice_id", "open_cents"))
    invoices = list(with_balance(Invoice.objects.filter(pk__in=issued)).order_by("due_date", "pk"))
    suspended = set(
        Complaint.objects.filter(invoice_id__in=issued, answered_on__isnull=True).values_list(
            "invoice_id", flat=True
        )
    )
    for invoice in invoices:
        invoice.issued_open_cents = issued[invoice.pk]
        invoice.suspended = invoice.pk in suspended
    payments = ReminderPayment.objects.filter(reminder=reminder).select_related("payment")
    fee_payments = FeePayment.objects.filter(reminder=reminder).select_related("payment")
    context = {
        "reminder": reminder,
        "invoices": invoices,
        "fee_open_cents": fee_open(reminder),
        "payments": [p.payment for p in payments],
        "fee_payments": fee_payments.order_by("date", "pk"),
        "cancellable": reminder.cancelled_at is None and not reminder_is_paid(reminder),
        "sent_to": recipient_block(reminder),
    }
    return render(request, "dunning/reminder_detail.html", context)


@once_view
def reminder_cancel_view(request, pk: int):
    """Cancel an unpaid reminder (after confirmation): its fee is reversed."""
    require_capability(request, "finance.edit")
    reminder = _reminder(pk)
    if request.method != "POST":
        if reminder.fee_cents:
            explanation = _(
                "Its fee of %(fee)s is reversed in the ledger and its invoices go back to "
                "the level below: a later run may remind them again."
            ) % {"fee": format_cents(reminder.fee_cents)}
        else:
            explanation = _(
                "It has no fee; its invoices go back to the level below: a later run may "
                "remind them again."
            )
        context = {
            "title": _("Cancel the reminder %(number)s") % {"number": reminder.number},
            "explanation": explanation,
            "button": _("Cancel the reminder"),
            "back": reverse("dunning:reminder", args=[reminder.pk]),
        }
        return render(request, "billing/confirm.html", context)
    try:
        reminder_cancel(reminder=reminder)
    except DomainError as error:
        messages.error(request, error.translated())
    else:
        messages.success(request, _("Reminder %(number)s is cancelled.") % {"number": reminder})
    return redirect("dunning:reminder", pk=reminder.pk)


COMPLAINT_COLUMNS = (
    ListColumn(_lazy("Received on"), "received_on", DATE),
    ListColumn(_lazy("Invoice"), "invoice__number"),
    ListColumn(_lazy("Person"), "person_name"),
    ListColumn(_lazy("Complaint"), "text"),
    ListColumn(_lazy("Answered on"), "answered_on", DATE),
    ListColumn(_lazy("Answer"), "answer"),
)


def complaint_list(request):
    """List the complaints, those waiting for an answer first (their invoices are suspended).

    ``?export=xlsx`` or ``csv`` exports them all, waiting ones first, as the page lists them."""
    require_capability(request, "finance.view")
    complaints = Complaint.objects.select_related("invoice__person").order_by(
        F("answered_on").desc(nulls_first=True), "-received_on", "-pk"
    )
    if wants_export(request):
        rows = complaints.annotate(
            person_name=Concat("invoice__person__last_name", Value(" "),
                               "invoice__person__first_name")
        )  # fmt: skip
        return export_answer(
            request, rows, name="plaintes", title=_lazy("Complaints"), columns=COMPLAINT_COLUMNS
        )
    waiting = [c for c in complaints if c.answered_on is None]
    answered = [c for c in complaints if c.answered_on is not None][:100]
    context = {"waiting": waiting, "answered": answered, "export_query": export_query(request)}
    return render(request, "dunning/complaint_list.html", context)


def complaint_new(request, pk: int):
    """Record a complaint about an invoice: its reminders wait until it is answered."""
    require_capability(request, "finance.edit")
    invoice = get_object_or_404(Invoice.objects.select_related("person"), pk=pk, kind=Kind.INVOICE)
    form = ComplaintForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            complaint_record(invoice=invoice, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.translated())
        else:
            messages.success(
                request,
                _("Invoice %(number)s is suspended from reminders until the complaint is answered.")
                % {"number": invoice.number},
            )
            return redirect("dunning:complaint-list")
    context = {"form": form, "invoice": invoice}
    return render(request, "dunning/complaint_form.html", context)


def complaint_answer_view(request, pk: int):
    """Answer a complaint: the invoice's reminders may go on."""
    require_capability(request, "finance.edit")
    complaint = get_object_or_404(
        Complaint.objects.select_related("invoice__person"), pk=pk, answered_on__isnull=True
    )
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            complaint_answer(complaint=complaint, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.translated())
        else:
            messages.success(request, _("The complaint is answered."))
            return redirect("dunning:complaint-list")
    context = {"form": form, "invoice": complaint.invoice, "complaint": complaint}
    return render(request, "dunning/complaint_form.html", context)
