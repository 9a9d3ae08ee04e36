"""The documents block that the run and invoice pages include (``documents/_actions.html``)."""

from django import template

from regie.billing.models import Kind
from regie.documents.invoices import INVOICE
from regie.documents.models import Sending

register = template.Library()


@register.inclusion_tag("documents/_block.html", takes_context=True)
def document_actions(context, run=None, invoice=None):
    """Return the links and buttons of documents for an invoice (if given) or a run."""
    shown = {"can": context.get("can"), "csrf_token": context.get("csrf_token")}
    if invoice:
        shown["invoice"] = invoice
        shown["printable"] = invoice.is_posted
        shown["is_invoice"] = invoice.kind == Kind.INVOICE
        shown["sendings"] = list(
            Sending.objects.filter(kind=INVOICE, document_id=invoice.pk).select_related(
                "retried_by"
            )[:10]
        )
    elif run:
        shown["run"] = run
    return shown
