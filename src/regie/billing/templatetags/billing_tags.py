"""Template filters of the billing screens."""

from django import template

from regie.core.money import format_cents

register = template.Library()


@register.filter
def euros(cents: int | None) -> str:
    """Format integer cents as euros the Belgian way (1.234,56 €); nothing for None."""
    return "" if cents is None else format_cents(int(cents))
