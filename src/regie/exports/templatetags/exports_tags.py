"""Say whether and when a document went to the accounting: ``{% exported invoice %}``."""

from __future__ import annotations

from django import template

from regie.exports.models import ExportItem

register = template.Library()


@register.inclusion_tag("exports/exported.html")
def exported(invoice):
    """Show the exports that carried an invoice (or credit note), or that none did yet."""
    items = (
        ExportItem.objects.filter(source=f"invoice:{invoice.pk}")
        .select_related("export")
        .order_by("pk")
    )
    return {"items": list(items), "posted": invoice.is_posted}


@register.simple_tag
def exported_invoices(person_id: int) -> dict[int, ExportItem]:
    """Return, per invoice id of a person, the first export item that carried it."""
    found: dict[int, ExportItem] = {}
    items = ExportItem.objects.filter(person_id=person_id, source__startswith="invoice:")
    for item in items.select_related("export").order_by("pk"):
        found.setdefault(int(item.source.split(":")[1]), item)
    return found


@register.filter
def of_invoice(found: dict, invoice_id):
    """Return what ``exported_invoices`` found for an invoice id, or None."""
    return found.get(invoice_id) if invoice_id else None
