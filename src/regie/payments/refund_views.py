"""Refund screens (persons' credits, SEPA files) and the bank reconciliation report."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from regie.core.errors import DomainError
from regie.core.models import AuditLog
from regie.core.once import once_view
from regie.core.views import audit, require_capability
from regie.exports.lists import ListColumn, export_answer, export_query, wants_export
from regie.exports.xlsx import MONEY
from regie.ledger.forms import current_year
from regie.payments import refunds
from regie.payments.forms import ReconciliationForm, RefundForm
from regie.payments.reconciliation import reconciliation
from regie.payments.refunds import refund_create
from regie.payments.views import querystring_without_page
from regie.people.models import Person

CREDIT_COLUMNS = (
    ListColumn(_lazy("Last name"), "last_name"),
    ListColumn(_lazy("First name"), "first_name"),
    ListColumn(_lazy("IBAN"), "iban"),
    ListColumn(_lazy("Credit"), "credit_cents", MONEY),
)


def refund_list(request):
    """List the persons with a credit, the refunds waiting for a SEPA file, and the files.

    ``?export=xlsx`` or ``csv`` exports the persons with a credit (the page's list)."""
    require_capability(request, "finance.view")
    if wants_export(request):
        return export_answer(
            request, refunds.persons_with_credit(), name="credits",
            title=_lazy("Persons with a credit"), columns=CREDIT_COLUMNS,
        )  # fmt: skip
    page = Paginator(refunds.persons_with_credit(), 50).get_page(request.GET.get("page"))
    unsent = refunds.unsent_refunds()
    context = {
        "page_obj": page,
        "paginator": page.paginator,
        "persons": page.object_list,
        "unsent": unsent,
        "unsent_total": unsent.aggregate(t=Sum("amount_cents"))["t"] or 0,
        "batches": refunds.batches(),
        "query": querystring_without_page(request),
        "export_query": export_query(request),
    }
    return render(request, "payments/refund_list.html", context)


@once_view
def refund_new(request, pk: int):
    """Refund part or all of a person's credit to their IBAN."""
    require_capability(request, "finance.edit")
    person = get_object_or_404(refunds.with_credit(Person.objects.all()), pk=pk)
    initial = {"amount": person.credit_cents, "iban": person.iban, "date": timezone.localdate()}
    form = RefundForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            refund_create(
                person=person, amount_cents=data["amount"], day=data["date"], iban=data["iban"]
            )
        except DomainError as error:
            form.add_error(None, error.translated())
        else:
            messages.success(
                request,
                _("The refund to %(person)s waits for the next SEPA file.") % {"person": person},
            )
            return redirect("payments:refund-list")
    return render(request, "payments/refund_form.html", {"person": person, "form": form})


@once_view
def sepa_create(request):
    """Gather the refunds not sent yet into a new SEPA credit transfer file (the button of the
    refunds' page; a GET leads there)."""
    require_capability(request, "finance.edit")
    if request.method != "POST":
        return redirect("payments:refund-list")
    try:
        batch = refunds.refunds_gather(organisation=request.organisation)
    except DomainError as error:
        messages.error(request, error.translated())
    else:
        messages.success(
            request,
            _("SEPA file %(batch)s is ready: download it and upload it to the bank.")
            % {"batch": batch},
        )
    return redirect("payments:refund-list")


def sepa_file(request):
    """Download a SEPA file (``?batch=``), written again from its refunds and validated."""
    require_capability(request, "finance.edit")
    batch = request.GET.get("batch", "")
    try:
        content = refunds.sepa_xml(
            organisation=request.organisation, refunds=refunds.batch_refunds(batch), batch=batch
        )
    except DomainError as error:
        messages.error(request, error.translated())
        return redirect("payments:refund-list")
    audit(request, action=AuditLog.Action.EXPORT, obj=request.organisation, detail=batch)
    response = HttpResponse(content, content_type="application/xml")
    filename = batch.replace("/", "-") + ".xml"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    add_never_cache_headers(response)  # names and IBANs: never kept by a browser or a proxy
    return response


def reconciliation_report(request):
    """Show whether the bank statements, the ledger and the accounts agree for a period."""
    require_capability(request, "finance.view")
    start, end = current_year(timezone.localdate())
    form = ReconciliationForm(
        request.GET if "date_from" in request.GET else None,
        initial={"date_from": start, "date_to": end},
    )
    account = ""
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
        account = form.cleaned_data["account"]
    report = reconciliation(start, end, account)
    return render(request, "payments/reconciliation.html", {"form": form, "report": report})
