"""Template filters of the billing screens."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from regie.core.money import format_cents

register = template.Library()


@register.filter
def euros(cents: int | None) -> str:
    """Format integer cents as euros the Belgian way (1.234,56 €); nothing for None."""
    return "" if cents is None else format_cents(int(cents))


@register.simple_tag
def capped_note(line) -> str:
    """Under a capped line: "11 × 0,55 € = 6,05 €, capped at 5,00 €"; nothing otherwise."""
    full = line.quantity * line.unit_cents
    if full <= line.amount_cents:
        return ""
    note = _("%(quantity)s × %(unit)s = %(full)s, capped at %(amount)s") % {
        "quantity": line.quantity,
        "unit": format_cents(line.unit_cents),
        "full": format_cents(full),
        "amount": format_cents(line.amount_cents),
    }
    return format_html('<br><small class="capped">{}</small>', note)
