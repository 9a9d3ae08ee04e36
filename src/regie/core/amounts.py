"""Amounts typed in forms: one field for every amount in euros, and the confirmation of a large one.

:class:`MoneyField` reads an amount the Belgian way ("1.234,56", "12,5") or "12.50" into integer
cents and refuses, with a message in the reader's language, what is not an amount, has more
than two decimals, is negative (or zero when ``positive``) or does not fit the books
(:data:`MAX_CENTS`). A field may name an amount beyond which it asks for a confirmation
(``confirm_above``): a form built on :class:`ConfirmLargeAmounts` then re-displays itself with
the tick "I confirm these amounts" instead of saving a cash payment of 1.000.000,00 € silently.

>>> MoneyField().clean("1.234,56")
123456
>>> MoneyField(required=False).clean("")
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from regie.core.errors import DomainError
from regie.core.money import format_cents, parse_amount

#: The largest amount a field takes: 9.999.999,99 €. Far above a commune's receipts or prices,
#: and far inside every cents column (a 32-bit price, a 64-bit total) and their sums.
MAX_CENTS = 999_999_999
#: The name of the tick that confirms large amounts.
CONFIRM = "confirm_amounts"


class MoneyField(forms.CharField):
    """An amount in euros typed the Belgian way, cleaned to integer cents within the books."""

    default_error_messages = {
        "negative": _("An amount cannot be negative."),
        "positive": _("Type an amount above 0,00."),
        "decimals": _("An amount has at most two decimals (cents), like 12,50."),
        "too_large": _("%(value)s is more than any amount this field takes (at most %(max)s)."),
    }

    def __init__(self, *, positive: bool = False, confirm_above: int | None = None, **kwargs):
        self.positive = positive
        self.confirm_above = confirm_above
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "size": 10}))
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            cents = parse_amount(text)
        except DomainError as error:
            raise ValidationError(error.translated(), code=error.code) from None
        if _decimals(text) > 2:
            raise ValidationError(self.error_messages["decimals"], code="money.decimals")
        return cents

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        if value < 0:
            raise ValidationError(self.error_messages["negative"], code="money.negative")
        if self.positive and value == 0:
            raise ValidationError(self.error_messages["positive"], code="money.positive")
        if value > MAX_CENTS:
            raise ValidationError(
                self.error_messages["too_large"],
                code="money.too_large",
                params={"value": _shown(value), "max": format_cents(MAX_CENTS)},
            )

    def prepare_value(self, value):
        return format_cents(value, symbol=False) if isinstance(value, int) else value


def _decimals(text: str) -> int:
    """Return how many decimals an amount was typed with ("12,345" has 3, "1.234" none)."""
    cleaned = text.strip().replace("€", "").replace("\u00a0", "").replace(" ", "")
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        exponent = Decimal(cleaned).normalize().as_tuple().exponent
    except InvalidOperation:
        return 0
    return max(-exponent, 0) if isinstance(exponent, int) else 0


def _shown(cents: int) -> str:
    """Return a huge amount as typed, shortened: nobody reads thirty digits."""
    text = format_cents(cents)
    return text if len(text) <= 24 else f"{text[:12]}…"


class ConfirmLargeAmounts:
    """A form mixin: an amount above its field's ``confirm_above`` needs the tick ``CONFIRM``.

    Without the tick the form is invalid, the amount says why and the tick appears (declare a
    ``CONFIRM`` field on the form to place it, as the admin's fieldsets need; otherwise it is
    added when needed).
    """

    confirm_label = _("I confirm these amounts")

    def clean(self):
        cleaned = super().clean()
        large = [
            (name, field, cleaned[name])
            for name, field in self.fields.items()
            if isinstance(field, MoneyField)
            and field.confirm_above is not None
            and (cleaned.get(name) or 0) > field.confirm_above
        ]
        if not large or self.data.get(self.add_prefix(CONFIRM)) in ("on", "true", "True", "1"):
            return cleaned
        if CONFIRM not in self.fields:
            self.fields[CONFIRM] = forms.BooleanField(required=False, label=self.confirm_label)
        for name, field, cents in large:
            self.add_error(
                name,
                ValidationError(
                    _(
                        "%(amount)s is far more than usual here (above %(usual)s): check it, "
                        "then tick “%(confirm)s” and send again."
                    ),
                    code="money.confirm",
                    params={
                        "amount": format_cents(cents),
                        "usual": format_cents(field.confirm_above),
                        "confirm": self.confirm_label,
                    },
                ),
            )
        return cleaned
