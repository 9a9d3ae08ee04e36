"""Rules of service files (DOMAIN §8), pure: amounts, fingerprints, what may change when.

A line's amount is its quantity times its unit price (VAT included), rounded half up to the
cent; a file's amount is the sum of its lines. Worked example 13, a container on the public
road for 2 days at 15.00:

>>> line_amount(Decimal("2"), 1500)
3000
>>> line_amount(Decimal("0.333"), 1000)
333
>>> push_digest({"b": [1, 2], "a": "x"}) == push_digest({"a": "x", "b": [1, 2]})
True
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from regie.core.errors import DomainError, gettext_noop
from regie.core.money import multiply

#: VAT rates a line may carry in Belgium (percent).
VAT_RATES = (Decimal("0"), Decimal("6"), Decimal("12"), Decimal("21"))
MAX_LINES = 200
MAX_CENTS = 10**11  # a billion euros: beyond it, a typing error


@dataclass(frozen=True)
class Line:
    label: str
    quantity: Decimal
    unit_cents: int
    vat_rate: Decimal


def line_amount(quantity: Decimal, unit_cents: int) -> int:
    """Return quantity × unit price in cents, rounded half up."""
    return multiply(unit_cents, quantity)


def _refused(code: str, template: str, **params) -> DomainError:
    return DomainError(code, template, **params)


def lines_errors(lines: Sequence[Line]) -> list[DomainError]:
    """Return what is wrong with a file's lines (empty: they may be stored).

    >>> lines_errors([Line("Conteneur", Decimal("2"), 1500, Decimal("0"))])
    []
    >>> [e.code for e in lines_errors([])]
    ['fees.no_lines']
    >>> [e.code for e in lines_errors([Line("", Decimal("0"), -1, Decimal("7"))])]
    ['fees.line_label', 'fees.line_quantity', 'fees.line_unit_price', 'fees.line_vat_rate']
    """
    if not lines:
        return [_refused("fees.no_lines", gettext_noop("A file needs at least one line."))]
    if len(lines) > MAX_LINES:
        return [
            _refused(
                "fees.too_many_lines",
                gettext_noop("A file has at most %(max)s lines."),
                max=MAX_LINES,
            )
        ]
    errors = []
    for n, line in enumerate(lines, start=1):
        errors += _line_errors(n, line)
    if not errors and sum(line_amount(x.quantity, x.unit_cents) for x in lines) > MAX_CENTS:
        errors.append(
            _refused("fees.amount_too_large", gettext_noop("The file's amount is absurdly large."))
        )
    return errors


def _line_errors(n: int, line: Line) -> list[DomainError]:
    errors = []
    if not line.label.strip():
        errors.append(_refused("fees.line_label", gettext_noop("Line %(n)s has no label."), n=n))
    if not line.quantity.is_finite() or line.quantity <= 0 or line.quantity > 10**6:
        errors.append(
            _refused(
                "fees.line_quantity",
                gettext_noop("The quantity of line %(n)s must be more than 0 (at most 1000000)."),
                n=n,
            )
        )
    if line.unit_cents < 0 or line.unit_cents > MAX_CENTS:
        errors.append(
            _refused(
                "fees.line_unit_price",
                gettext_noop("The unit price of line %(n)s cannot be negative or absurd."),
                n=n,
            )
        )
    if line.vat_rate not in VAT_RATES:
        errors.append(
            _refused(
                "fees.line_vat_rate",
                gettext_noop("The VAT rate of line %(n)s must be 0, 6, 12 or 21 %%."),
                n=n,
            )
        )
    return errors


def dates_error(date_from: date | None, date_to: date | None) -> DomainError | None:
    """Refuse a file that ends before it starts.

    >>> dates_error(date(2026, 5, 2), date(2026, 5, 1)).code
    'fees.dates_reversed'
    >>> dates_error(date(2026, 5, 1), None) is None
    True
    """
    if date_from and date_to and date_to < date_from:
        return _refused(
            "fees.dates_reversed", gettext_noop("The file ends before it starts: check its dates.")
        )
    return None


def push_digest(pushed: Mapping) -> str:
    """Return the fingerprint of what a system pushed (key order does not matter)."""
    text = json.dumps(pushed, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


#: Why a new version is refused, by the file's state.
VERSION_REFUSALS = {
    "paid": (
        "fees.version_after_payment",
        gettext_noop("The file is paid: a new version is refused. Cancel it and push a new file."),
    ),
    "invoiced": (
        "fees.version_after_invoice",
        gettext_noop(
            "The file is invoiced (exported to accounting): a new version is refused; ask the "
            "finance officer for a credit note."
        ),
    ),
    "cancelled": (
        "fees.version_after_cancel",
        gettext_noop("The file is cancelled: a new version is refused. Push a new file."),
    ),
    "exported": (
        "fees.version_after_export",
        gettext_noop(
            "The file went to the accounting in an export (it was paid, then its payment was "
            "cancelled): a new version is refused. Cancel it and push a new file."
        ),
    ),
}

CANCEL_REFUSALS = {
    "paid": (
        "fees.cancel_paid",
        gettext_noop(
            "The file is paid: it cannot be cancelled by the service's system; ask the finance "
            "officer for a refund."
        ),
    ),
    "invoiced": (
        "fees.cancel_invoiced",
        gettext_noop(
            "The file is invoiced: it cannot be cancelled by the service's system; ask the "
            "finance officer for a credit note."
        ),
    ),
}


def version_refusal(state: str, paid_cents: int = 0, exported: bool = False) -> DomainError | None:
    """Return why a file in ``state`` (with ``paid_cents`` received, ``exported`` to the
    accounting) takes no new version (DOMAIN §8: "while nothing is paid or exported").

    >>> version_refusal("awaiting_payment") is None
    True
    >>> version_refusal("awaiting_payment", paid_cents=1000).code
    'fees.version_after_payment'
    >>> version_refusal("invoiced").code
    'fees.version_after_invoice'
    >>> version_refusal("awaiting_payment", exported=True).code
    'fees.version_after_export'
    """
    if paid_cents and state == "awaiting_payment":
        state = "paid"  # partly paid: the amounts are no longer the service's to change
    elif exported and state == "awaiting_payment":
        state = "exported"
    refusal = VERSION_REFUSALS.get(state)
    return _refused(*refusal) if refusal else None


def cancel_refusal(state: str, paid_cents: int = 0) -> DomainError | None:
    """Return why a file in ``state`` cannot be cancelled by its system (None: it can).

    >>> cancel_refusal("cancelled") is None
    True
    >>> cancel_refusal("awaiting_payment", paid_cents=1).code
    'fees.cancel_paid'
    """
    if paid_cents and state == "awaiting_payment":
        state = "paid"
    refusal = CANCEL_REFUSALS.get(state)
    return _refused(*refusal) if refusal else None


#: Minutes to wait after each failed call-back attempt; then once a day, until acknowledged.
RETRY_MINUTES = (1, 5, 15, 60, 180, 360, 720)
DAY_MINUTES = 24 * 60


def retry_delay_minutes(attempts: int) -> int:
    """Return the minutes to wait after ``attempts`` failed attempts (growing, then daily).

    >>> [retry_delay_minutes(n) for n in (1, 2, 3, 7, 8, 30)]
    [1, 5, 15, 720, 1440, 1440]
    """
    if attempts <= len(RETRY_MINUTES):
        return RETRY_MINUTES[max(attempts, 1) - 1]
    return DAY_MINUTES


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """Return the HMAC-SHA256 signature of a call-back: ``sha256=`` and the hex digest of
    ``timestamp.body`` under the service's secret.

    >>> signature("s3cret", "1777777777", b'{"a":1}')[:15]
    'sha256=e6de9e3d'
    """
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()
