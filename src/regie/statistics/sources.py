"""What pivots are computed over: three sources, their dimensions and their measures.

- **receivables** (the ledger's receivable lines): invoiced (net of credit notes), received,
  written off and balance, by category, month and person. These are the figures of the
  ledger itself, so a pivot's grand total is the ledger's.
- **lines** (posted invoice lines, credit notes negative): amount and count, by category,
  month of the care, school site, place, tariff category and person.
- **payments** (payments not cancelled): amount and count by day, month, mode and person.

Every measure is an aggregate the database computes (``GROUP BY``); no row is loaded into
Python.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.translation import gettext_lazy as _

from regie.billing.models import InvoiceLine, Kind
from regie.ledger.models import EntryLine
from regie.ledger.rules import AccountRole, Journal
from regie.payments.models import Payment


@dataclass(frozen=True)
class Dimension:
    """A way to group: its label, the expression grouped on, and the model naming its values."""

    label: str
    expression: object
    names: str = ""  # "category", "site", "place", "tariff", "person", "mode"; "" for dates
    period: str = ""  # "day" or "month" for dates


@dataclass(frozen=True)
class Source:
    label: str
    dimensions: dict[str, Dimension]
    measures: dict[str, tuple[str, object]]  # key → (label, aggregate)
    date_field: str
    category_field: str = ""
    base: object = None

    def queryset(self):
        """Return the source's rows of the active organisation (never loaded: aggregated)."""
        return self.base()


def _receivable_lines():
    write_off = EntryLine.objects.filter(
        entry=OuterRef("entry"), account__role=AccountRole.WRITE_OFF
    )
    return EntryLine.objects.filter(account__role=AccountRole.RECEIVABLE).annotate(
        is_write_off=Exists(write_off)
    )


def _net(condition: Q):
    return Coalesce(Sum(F("debit") - F("credit"), filter=condition), Value(0))


def _paid(condition: Q):
    return Coalesce(Sum(F("credit") - F("debit"), filter=condition), Value(0))


SALES = Q(entry__journal=Journal.SALES)
WRITTEN_OFF = Q(is_write_off=True)
RECEIVED = ~Q(entry__journal=Journal.SALES) & Q(is_write_off=False)

RECEIVABLES = Source(
    label=_("Receivables (ledger)"),
    dimensions={
        "category": Dimension(_("Activity category"), F("category"), "category"),
        "month": Dimension(_("Month"), TruncMonth("date"), period="month"),
        "person": Dimension(_("Person"), F("person"), "person"),
    },
    measures={
        "amount": (_("Invoiced"), _net(SALES)),
        "received": (_("Received"), _paid(RECEIVED)),
        "written_off": (_("Written off"), _paid(WRITTEN_OFF)),
        "balance": (_("Balance"), Coalesce(Sum(F("debit") - F("credit")), Value(0))),
    },
    date_field="date",
    category_field="category",
    base=_receivable_lines,
)


def _posted_lines():
    return InvoiceLine.objects.filter(invoice__posted_at__isnull=False)


SIGNED_AMOUNT = Sum(F("amount_cents"), filter=Q(invoice__kind=Kind.INVOICE), default=0) - Sum(
    F("amount_cents"), filter=Q(invoice__kind=Kind.CREDIT_NOTE), default=0
)

LINES = Source(
    label=_("Invoice lines"),
    dimensions={
        "category": Dimension(_("Activity category"), F("category"), "category"),
        "month": Dimension(_("Month"), TruncMonth("date"), period="month"),
        "site": Dimension(_("School site"), F("child__site"), "site"),
        "place": Dimension(_("Place"), F("activity__place"), "place"),
        "tariff": Dimension(_("Tariff category"), F("child__tariff_category"), "tariff"),
        "person": Dimension(_("Person"), F("invoice__person"), "person"),
    },
    measures={
        "amount": (_("Amount"), SIGNED_AMOUNT),
        "count": (_("Count"), Count("pk")),
    },
    date_field="date",
    category_field="category",
    base=_posted_lines,
)


def _live_payments():
    return Payment.objects.filter(cancelled_at__isnull=True)


PAYMENTS = Source(
    label=_("Payments"),
    dimensions={
        "day": Dimension(_("Day"), F("date"), period="day"),
        "month": Dimension(_("Month"), TruncMonth("date"), period="month"),
        "mode": Dimension(_("Mode"), F("mode"), "mode"),
        "person": Dimension(_("Person"), F("person"), "person"),
    },
    measures={
        "amount": (_("Amount"), Coalesce(Sum("amount_cents"), Value(0))),
        "count": (_("Count"), Count("pk")),
    },
    date_field="date",
    base=_live_payments,
)

SOURCES = {"receivables": RECEIVABLES, "lines": LINES, "payments": PAYMENTS}
