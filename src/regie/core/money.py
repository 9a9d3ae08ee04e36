"""Money as integer cents.

Amounts are stored and added as ``int`` cents, never floats; ``Decimal`` is only used to parse
user input and bank files and to apply rates, rounding half up.

>>> to_cents("12.345")
1235
>>> to_cents(Decimal("-0.005"))
-1
>>> format_cents(123456)
'1.234,56 €'
>>> format_cents(-5, symbol=False)
'-0,05'
>>> split_cents(100, [1, 1, 1])
[34, 33, 33]
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from regie.core.errors import DomainError, gettext_noop

CENT = Decimal("0.01")


def to_cents(amount: Decimal | str | int) -> int:
    """Return ``amount`` (euros) as integer cents, rounded half up (away from zero)."""
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount).strip())
    except InvalidOperation as exc:
        raise DomainError(
            "money.invalid",
            gettext_noop("“%(value)s” is not an amount; write it like 12,50."),
            value=amount,
        ) from exc
    if not value.is_finite():
        raise DomainError(
            "money.invalid",
            gettext_noop("“%(value)s” is not an amount; write it like 12,50."),
            value=amount,
        )
    try:
        return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except ArithmeticError as exc:  # more digits than a Decimal holds: "1e999999"
        raise DomainError(
            "money.invalid",
            gettext_noop("“%(value)s” is not an amount; write it like 12,50."),
            value=amount,
        ) from exc


def parse_amount(text: str) -> int:
    """Return the cents of an amount typed the Belgian way ("1.234,56", "12,5") or "12.50"."""
    cleaned = text.strip().replace("€", "").replace("\u00a0", "").replace(" ", "")
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    return to_cents(cleaned)


def to_decimal(cents: int) -> Decimal:
    """Return integer cents as a two-place Decimal of euros."""
    return (Decimal(cents) / 100).quantize(CENT)


def format_cents(cents: int, *, symbol: bool = True) -> str:
    """Format cents the Belgian way: 1.234,56 € (thousands dot, decimal comma)."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    grouped = f"{euros:,}".replace(",", ".")
    text = f"{sign}{grouped},{rest:02d}"
    return f"{text} €" if symbol else text


def multiply(cents: int, factor: Decimal | int) -> int:
    """Return ``cents × factor`` rounded half up to whole cents."""
    product = Decimal(cents) * Decimal(factor)
    return int(product.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def split_cents(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` over ``weights`` proportionally, the parts adding up exactly.

    Largest remainders get the leftover cents, earlier parts first on ties.
    """
    if not weights:
        return []
    weight_sum = sum(weights)
    if weight_sum == 0:
        return [total] + [0] * (len(weights) - 1)
    sign = -1 if total < 0 else 1
    magnitude = abs(total)
    shares = [magnitude * w // weight_sum for w in weights]
    remainders = [magnitude * w % weight_sum for w in weights]
    leftover = magnitude - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:leftover]:
        shares[i] += 1
    return [sign * s for s in shares]
