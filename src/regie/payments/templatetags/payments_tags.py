"""Template filters of the payment screens."""

from django import template

from regie.core.money import format_cents
from regie.payments.selectors import movement_reason as _movement_reason
from regie.payments.selectors import reject_reason as _reject_reason

register = template.Library()


@register.filter
def euros(cents: int | None) -> str:
    """Show cents as euros without the symbol, the Belgian way (1.234,56); "" for None."""
    return "" if cents is None else format_cents(int(cents), symbol=False)


@register.filter
def communication(digits: str) -> str:
    """Show the 12 digits of a structured communication as +++123/4567/89012+++."""
    if len(digits or "") != 12:
        return digits or ""
    return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"


@register.filter
def reject_reason(movement) -> str:
    """Say why a movement was rejected, in the active language."""
    return _reject_reason(movement)


@register.filter
def movement_reason(movement) -> str:
    """Say why a movement is set aside, refunded or rejected, in the active language."""
    return _movement_reason(movement)
