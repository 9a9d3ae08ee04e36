"""``{% once_field %}``: the hidden one-time token of a form that creates money."""

from __future__ import annotations

import uuid

from django import template
from django.utils.html import format_html

from regie.core.once import FIELD

register = template.Library()


@register.simple_tag
def once_field() -> str:
    """Return a hidden input holding a new one-time token (see :mod:`regie.core.once`)."""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, uuid.uuid4().hex)
