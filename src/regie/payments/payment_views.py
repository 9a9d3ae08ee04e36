"""Payment screens: the payments list, a payment by hand, its detail, cancellation and receipt."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import generic

from regie.core.errors import DomainError
from regie.core.once import once_view
from regie.core.views import CapabilityRequiredMixin, require_capability
from regie.exports.lists import ListColumn, ListExportMixin
from regie.exports.xlsx import DATE, MONEY
from regie.payments import routes, selectors
from regie.payments.forms import PaymentForm, SplitForm
from regie.payments.models import Mode, Payment
from regie.payments.services import payment_cancel, payment_create, person_credit
from regie.payments.views import (
    chosen_person,
    persons_found,
    proposed_split,
    querystring_without_page,
)
from regie.people.forms import DateInput


class PaymentFilter(forms.Form):
    date_from = forms.DateField(label=_lazy("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_lazy("To"), required=False, widget=DateInput())
    mode = forms.ChoiceField(
        label=_lazy("Mode"), required=False, choices=[("", _lazy("all")), *Mode.choices]
    )


class PaymentList(ListExportMixin, CapabilityRequiredMixin, generic.ListView):
    """Payments, the latest first; filters by date and mode."""

    capability = "finance.view"
    export_name = "paiements"
    export_title = _lazy("Payments")
    export_columns = (
        ListColumn(_lazy("Date"), "date", DATE),
        ListColumn(_lazy("Last name"), "person__last_name"),
        ListColumn(_lazy("First name"), "person__first_name"),
        ListColumn(_lazy("Mode"), "mode", display=lambda v: str(Mode(v).label)),
        ListColumn(_lazy("Receipt"), "receipt_number"),
        ListColumn(_lazy("Amount"), "amount_cents", MONEY),
        ListColumn(_lazy("Status"), "cancelled_at", display=lambda v: str(_lazy("cancelled"))),
    )
    template_name = "payments/payment_list.html"
    paginate_by = 50

    def get_queryset(self):
        self.filters = PaymentFilter(self.request.GET or None)
        payments = Payment.objects.select_related("person", "movement")
        if self.filters.is_valid():
            data = self.filters.cleaned_data
            if data["date_from"]:
                payments = payments.filter(date__gte=data["date_from"])
            if data["date_to"]:
                payments = payments.filter(date__lte=data["date_to"])
            if data["mode"]:
                payments = payments.filter(mode=data["mode"])
        return payments

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            filters=self.filters, query=querystring_without_page(self.request), **kwargs
        )


def _saving(request) -> bool:
    return request.POST.get("action") != "propose"


@once_view(when=_saving)
def payment_new(request):
    """Register a payment by hand: find the person, then amount, dates, mode and split."""
    require_capability(request, "finance.edit")
    person = chosen_person(request)
    if person is None:
        query = request.GET.get("q", "")
        return render(
            request, "payments/payment_form.html", {"query": query, "found": persons_found(query)}
        )
    form = PaymentForm(request.POST or None)
    rows = selectors.item_rows(person.pk, form.category_ids())
    split = SplitForm(request.POST or None, rows=rows)
    if request.method == "POST" and request.POST.get("action") == "propose":
        split = SplitForm(rows=rows)
        if form.is_valid():
            split = proposed_split(form.cleaned_data["amount"], rows)
    elif request.method == "POST" and form.is_valid() and split.is_valid():
        payment = _create(request, person, form, split)
        if payment is not None:
            if payment.receipt_number:
                return redirect("payments:payment-receipt", pk=payment.pk)
            return redirect("payments:payment-detail", pk=payment.pk)
    context = {"person": person, "form": form, "split": split, "rows": rows}
    return render(request, "payments/payment_form.html", context)


def _create(request, person, form: PaymentForm, split: SplitForm) -> Payment | None:
    data = form.cleaned_data
    try:
        payment = payment_create(
            person=person,
            day=data["date"],
            amount_cents=data["amount"],
            mode=data["mode"],
            split=split.split(),
            category_ids=form.category_ids() or None,
            reconciled_on=data["reconciled_on"],
            comment=data["comment"],
            user=request.user,
        )
    except DomainError as error:
        form.add_error(None, error.translated())
        return None
    messages.success(request, _("The payment is registered."))
    return payment


def _payment(pk: int) -> Payment:
    return get_object_or_404(
        Payment.objects.select_related("person", "movement__statement", "created_by"), pk=pk
    )


def payment_detail(request, pk: int):
    """Show a payment, what it pays, and the person's credit."""
    require_capability(request, "finance.view")
    payment = _payment(pk)
    allocations = payment.allocations.select_related("invoice").order_by("date", "pk")
    parts = routes.paid_parts(payment.pk)
    context = {
        "payment": payment,
        "allocations": allocations,
        "parts": parts,
        "allocated": sum(a.amount_cents for a in allocations if not a.cancelled)
        + sum(part.amount_cents for part in parts if not part.cancelled),
        "credit": person_credit(payment.person_id),
    }
    return render(request, "payments/payment_detail.html", context)


@once_view
def payment_cancel_view(request, pk: int):
    """Cancel a payment: its allocations are undone and the invoices open again (the button of
    the payment's page; a GET leads there)."""
    require_capability(request, "finance.edit")
    payment = _payment(pk)
    if request.method != "POST":
        return redirect("payments:payment-detail", pk=payment.pk)
    try:
        payment_cancel(payment=payment)
    except DomainError as error:
        messages.error(request, error.translated())
    else:
        if payment.movement_id:
            message = _(
                "The payment is cancelled; the invoices it paid are open and its bank movement "
                "waits among the movements to allocate."
            )
        else:
            message = _("The payment is cancelled; the invoices it paid are open.")
        messages.success(request, message)
    return redirect("payments:payment-detail", pk=payment.pk)


def payment_receipt(request, pk: int):
    """Show the printable receipt of a cash payment."""
    require_capability(request, "finance.view")
    payment = _payment(pk)
    if not payment.receipt_number:
        return redirect("payments:payment-detail", pk=payment.pk)
    allocations = payment.allocations.filter(cancelled=False).select_related("invoice")
    return render(
        request, "payments/receipt.html", {"payment": payment, "allocations": allocations}
    )
