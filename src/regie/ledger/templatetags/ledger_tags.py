"""Template filters of the ledger screens."""

from django import template

from regie.core.money import format_cents

register = template.Library()


@register.filter
def euros(cents: int | None) -> str:
    """Format cents the Belgian way without the symbol (1.234,56); nothing for None."""
    return "" if cents is None else format_cents(cents, symbol=False)
