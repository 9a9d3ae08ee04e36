"""Say on a file's page whether and when it went to the accounting: ``{% exported_file file %}``
(a file paid in advance: :mod:`regie.fees.exporting`; one paid afterwards: its invoice's page)."""

from __future__ import annotations

from django import template

from regie.exports.models import ExportItem
from regie.fees.exporting import file_key
from regie.fees.models import FileState

register = template.Library()


@register.inclusion_tag("fees/_exported.html")
def exported_file(file):
    """Show the exports that carried a file paid in advance, or when it will travel."""
    items = (
        ExportItem.objects.filter(source=file_key(file.pk)).select_related("export").order_by("pk")
    )
    return {"items": list(items), "paid": file.state == FileState.PAID}
