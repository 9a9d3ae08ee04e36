"""Invoice numbers (gapless per organisation, kind and year) and structured communications.

A structured communication ("OGM/VCS", +++ddd/dddd/ddddd+++) is ten digits and two check
digits (the ten-digit number mod 97, 97 for 0). Ours start with a three-digit prefix per kind
of document, a setting of the organisation, so that a payment is routed by its reference
alone; the other seven digits are a counter per kind.

>>> communication("101", 42)
'101000004255'
"""

from __future__ import annotations

from django.db import connection
from stdnum.be import ogm_vcs

from regie.core.errors import DomainError, gettext_noop
from regie.core.sequences import sequence_bump, sequence_next
from regie.core.tenancy import current_organisation

SERIAL_DIGITS = 7
KINDS = ("invoice", "reminder", "plan", "prepayment", "fee")


def communication(prefix: str, serial: int) -> str:
    """Return the 12 digits of the communication of ``serial`` under a three-digit prefix."""
    if len(prefix) != 3 or not prefix.isdigit():
        raise ValueError(f"a communication prefix is three digits, not {prefix!r}")
    if not 0 < serial < 10**SERIAL_DIGITS:
        raise DomainError(
            "billing.communications_exhausted",
            gettext_noop(
                "The structured communications of prefix %(prefix)s are used up; choose another "
                "prefix in the billing settings."
            ),
            prefix=prefix,
        )
    base = f"{prefix}{serial:0{SERIAL_DIGITS}d}"
    return base + ogm_vcs.calc_check_digits(base)


def prefix_of(kind: str) -> str:
    """Return the organisation's prefix for a kind of document."""
    from regie.billing.models import BillingSettings

    settings = BillingSettings.objects.first() or BillingSettings()
    return getattr(settings, f"{kind}_prefix")


def kind_of(digits: str) -> str | None:
    """Return the kind of document a communication's prefix routes to, if any."""
    from regie.billing.models import BillingSettings

    settings = BillingSettings.objects.first() or BillingSettings()
    for kind in KINDS:
        if digits.startswith(getattr(settings, f"{kind}_prefix")):
            return kind
    return None


def communications_next(kind: str, count: int) -> list[str]:
    """Reserve ``count`` new communications of a kind (inside the caller's transaction).

    One statement once the prefix's counter exists: the prefix is read from the billing
    settings inside the counter's ``UPDATE`` (a pushed file takes one communication a request).
    """
    from regie.billing.models import BillingSettings

    if kind not in KINDS:
        raise ValueError(f"no communications of kind {kind!r}")
    table = connection.ops.quote_name(BillingSettings._meta.db_table)
    column = connection.ops.quote_name(f"{kind}_prefix")
    default = BillingSettings._meta.get_field(f"{kind}_prefix").default
    bumped = sequence_bump(
        f"SELECT 'ogm/' || COALESCE((SELECT {column} FROM {table} "  # noqa: S608 (names)
        'WHERE "organisation_id" = %s ORDER BY "id" LIMIT 1), %s)',
        [current_organisation().pk, default],
        count,
    )
    if bumped is None:  # the prefix's first communication
        prefix = prefix_of(kind)
        first = sequence_next(f"ogm/{prefix}", count)
    else:
        prefix, first = bumped[0].removeprefix("ogm/"), bumped[1]
    return [communication(prefix, first + n) for n in range(count)]


def invoice_numbers_next(series: str, year: int, count: int) -> list[str]:
    """Reserve ``count`` gapless numbers like FACT/2026/00001 (inside the transaction)."""
    first = sequence_next(f"{series}/{year}", count)
    return [f"{series}/{year}/{first + n:05d}" for n in range(count)]
