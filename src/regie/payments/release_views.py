"""Releasing an invoice from its page: the confirmation says what will happen, then it is done."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _

from regie.billing.models import Invoice
from regie.billing.selectors import with_balance
from regie.billing.views import confirm
from regie.core.errors import DomainError
from regie.core.money import format_cents
from regie.core.once import once_view
from regie.core.views import require_capability
from regie.payments.releases import ReleasePreview, invoice_release, release_preview


def release_explanation(preview: ReleasePreview) -> str:
    """Return what releasing does, in the reader's language, with its amounts."""
    amounts = {
        "credit_note": format_cents(preview.credit_note_cents),
        "paid": format_cents(preview.paid_cents),
        "open": format_cents(preview.open_cents),
    }
    if preview.paid_cents and preview.open_cents:
        text = _(
            "A credit note of %(credit_note)s cancels this invoice: the %(open)s still due is "
            "no longer owed, and the %(paid)s already paid becomes the person's credit."
        )
    elif preview.paid_cents:
        text = _(
            "A credit note of %(credit_note)s cancels this invoice: the %(paid)s already paid "
            "becomes the person's credit."
        )
    else:
        text = _("A credit note of %(credit_note)s cancels this invoice: nothing is owed any more.")
    later = _("Its attendances become verified and unbilled again, for a next run.")
    return f"{text % amounts} {later}"


@once_view
def invoice_release_view(request, pk: int):
    """Ask to confirm, then credit an invoice in full (paid or not) and return its attendances
    to be billed again; what was paid becomes the person's credit."""
    require_capability(request, "finance.edit")
    invoice = get_object_or_404(with_balance(Invoice.objects.select_related("person")), pk=pk)
    if request.method != "POST":
        return confirm(
            request,
            title=_("Release invoice %(invoice)s") % {"invoice": invoice},
            explanation=release_explanation(release_preview(invoice)),
            button=_("Create the credit note"),
            back=invoice.get_absolute_url(),
        )
    try:
        credit = invoice_release(invoice=invoice)
    except DomainError as error:
        messages.error(request, error.translated())
    else:
        messages.success(
            request,
            _("Credit note %(number)s created; the attendances can be billed again.")
            % {"number": credit.number},
        )
    return redirect(invoice)
