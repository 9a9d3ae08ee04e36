"""Invoice screens: the list, an invoice with its corrections, a person's account."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import generic
from django.views.decorators.http import require_POST

from regie.billing import corrections, selectors
from regie.billing.forms import InvoiceFilter, MoveForm, WriteOffForm
from regie.billing.models import Invoice, Kind, WriteOff
from regie.billing.views import with_status_labels
from regie.core.errors import DomainError
from regie.core.money import format_cents
from regie.core.once import once_view
from regie.core.views import CapabilityRequiredMixin, require_capability
from regie.exports.lists import ListColumn, ListExportMixin
from regie.exports.xlsx import DATE, MONEY
from regie.people.models import Person


class InvoiceList(ListExportMixin, CapabilityRequiredMixin, generic.ListView):
    """Invoices and credit notes by status, person, run and number, with their totals."""

    capability = "finance.view"
    export_name = "factures"
    export_title = gettext_lazy("Invoices")
    export_columns = (
        ListColumn(gettext_lazy("Number"), "number"),
        ListColumn(gettext_lazy("Kind"), "kind", display=lambda v: str(Kind(v).label)),
        ListColumn(gettext_lazy("Last name"), "person__last_name"),
        ListColumn(gettext_lazy("First name"), "person__first_name"),
        ListColumn(gettext_lazy("Date"), "invoice_date", DATE),
        ListColumn(gettext_lazy("Due date"), "due_date", DATE),
        ListColumn(gettext_lazy("Total"), "total_cents", MONEY),
        ListColumn(gettext_lazy("Open"), "open_cents", MONEY),
    )
    template_name = "billing/invoice_list.html"
    paginate_by = 50

    def get_queryset(self):
        self.filters = InvoiceFilter(self.request.GET or None)
        invoices = selectors.with_balance(Invoice.objects.select_related("person", "run"))
        if not self.filters.is_valid():
            return invoices
        data = self.filters.cleaned_data
        invoices = selectors.with_status(invoices, data["status"])
        for word in data["q"].split():
            invoices = invoices.filter(
                Q(person__last_name__icontains=word) | Q(person__first_name__icontains=word)
            )
        if data["number"].strip():
            invoices = invoices.filter(number__icontains=data["number"].strip())
        if data["run"]:
            invoices = invoices.filter(run=data["run"])
        return invoices

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        with_status_labels(context["object_list"])
        # Drafts are not invoiced yet (the ledger does not know them): counted apart.
        posted, draft = Q(posted_at__isnull=False), Q(posted_at__isnull=True)
        invoice = Q(kind=Kind.INVOICE)
        context.update(
            filters=self.filters,
            totals=self.object_list.aggregate(
                total=Sum("total_cents", filter=invoice & posted),
                credit_notes=Sum("total_cents", filter=Q(kind=Kind.CREDIT_NOTE) & posted),
                open=Sum("open_cents", filter=invoice & posted),
                drafts=Count("pk", filter=draft),
                drafts_total=Sum("total_cents", filter=draft),
            ),
            query=_without_page(self.request),
        )
        return context


def _without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _invoice(pk: int) -> Invoice:
    invoices = Invoice.objects.select_related("person", "run", "credit_of")
    invoice = get_object_or_404(selectors.with_balance(invoices), pk=pk)
    return with_status_labels([invoice])[0]


def _correctable(invoice: Invoice) -> bool:
    return invoice.kind == Kind.INVOICE and invoice.is_posted and not invoice.credited_cents


def invoice_detail(request, pk: int):
    """Show an invoice: person, references, lines, balance, credit notes and write-offs."""
    require_capability(request, "finance.view")
    invoice = _invoice(pk)
    lines = invoice.lines.select_related("child", "activity").order_by(
        "child__last_name", "child__first_name", "child_id", "date", "activity__start_time"
    )
    write_offs = invoice.write_offs.annotate(reversals=Count("reversed_by")).order_by("date", "pk")
    credit_notes = invoice.credit_notes.filter(posted_at__isnull=False)
    return render(
        request,
        "billing/invoice_detail.html",
        {
            "invoice": invoice,
            "lines": lines,
            "write_offs": write_offs,
            "credit_notes": credit_notes,
            "correctable": _correctable(invoice),
        },
    )


@once_view
def invoice_write_off(request, pk: int):
    """Write off part or all of an invoice's open amount."""
    require_capability(request, "finance.edit")
    invoice = _invoice(pk)
    initial = {"date": timezone.localdate(), "amount_cents": max(invoice.open_cents, 0)}
    form = WriteOffForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            corrections.write_off_create(
                invoice=invoice,
                kind=data["kind"],
                amount_cents=data["amount_cents"],
                day=data["date"],
                reason=data["reason"],
                user=request.user,
            )
        except DomainError as error:
            form.add_error(None, error.translated())
        else:
            messages.success(
                request,
                _("%(amount)s written off invoice %(invoice)s.")
                % {"amount": format_cents(data["amount_cents"]), "invoice": invoice},
            )
            return redirect(invoice)
    return render(request, "billing/write_off_form.html", {"invoice": invoice, "form": form})


@once_view
def write_off_reverse(request, pk: int):
    """Undo a write-off by its reverse, dated today (the button of the invoice's page; a GET
    leads there)."""
    require_capability(request, "finance.edit")
    write_off = get_object_or_404(WriteOff.objects.select_related("invoice"), pk=pk)
    if request.method != "POST":
        return redirect(write_off.invoice)
    try:
        corrections.write_off_reverse(
            write_off=write_off, day=timezone.localdate(), user=request.user
        )
    except DomainError as error:
        messages.error(request, error.translated())
    else:
        messages.success(request, _("The write-off was reversed."))
    return redirect(write_off.invoice)


def _move_form(request, person: Person, data=None) -> MoveForm:
    attendances = selectors.unbilled_attendances(person.pk)
    children = attendances.values("child_id")
    return MoveForm(
        data,
        attendances=attendances,
        targets=selectors.move_targets(person.pk, children),
    )


def account(request, pk: int):
    """Show a person's account: every item with the running balance, unbilled attendances."""
    require_capability(request, "finance.view")
    person = get_object_or_404(Person.objects, pk=pk)
    return _account_page(request, person, _move_form(request, person))


#: Sections other apps add to a person's account: ``panel(request, person)`` returns a dict
#: with the ``template`` to include and its context, or None (collection: reminders, plans).
ACCOUNT_PANELS: list = []


def _account_page(request, person: Person, form: MoveForm):
    items = selectors.account_items(person.pk)
    panels = [p for p in (panel(request, person) for panel in ACCOUNT_PANELS) if p]
    drafts = Invoice.objects.filter(person=person, posted_at__isnull=True).select_related("run")
    return render(
        request,
        "billing/account.html",
        {
            "person": person,
            "items": items,
            "balance": items[-1].balance_cents if items else 0,
            "drafts": drafts,
            "form": form,
            "panels": panels,
        },
    )


@require_POST
def account_move(request, pk: int):
    """Move some of a person's unbilled attendances to another billable person."""
    require_capability(request, "finance.edit")
    person = get_object_or_404(Person.objects, pk=pk)
    form = _move_form(request, person, request.POST)
    if not form.is_valid():
        return _account_page(request, person, form)
    try:
        moved = corrections.attendances_move(
            attendance_ids=[a.pk for a in form.cleaned_data["attendances"]],
            person_id=form.cleaned_data["person"].pk,
        )
    except DomainError as error:
        form.add_error(None, error.translated())
        return _account_page(request, person, form)
    messages.success(
        request,
        ngettext(
            "%(count)s attendance will be billed to %(person)s.",
            "%(count)s attendances will be billed to %(person)s.",
            moved,
        )
        % {"count": moved, "person": form.cleaned_data["person"]},
    )
    return redirect("billing:account", pk=person.pk)
