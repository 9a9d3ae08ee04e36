"""What pivots are computed over: three sources, their dimensions and their measures.

- **receivables** (the ledger's receivable lines): invoiced (net of credit notes), received,
  written off and balance, by category, month and person. These are the figures of the
  ledger itself, so a pivot's grand total is the ledger's.
- **lines** (posted invoice lines, credit notes negative): amount, received, written off,
  balance and count, by category, month of the care, school site, place, tariff category,
  person, the invoice's status and its payment plan. Received, written off and balance per
  line, status and plan come from :mod:`regie.statistics.facts` (what an invoice received
  is shared among its lines by :mod:`regie.statistics.allocation`).
- **payments** (payments not cancelled): amount and count by day, month, mode and person.

Every measure is an aggregate the database computes (``GROUP BY``); no row is loaded into
Python.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.translation import gettext_lazy as _

from regie.billing.models import InvoiceLine, Kind
from regie.ledger.models import EntryLine
from regie.ledger.rules import AccountRole, Journal
from regie.payments.models import Payment


class MonthOf(TruncMonth):
    """The first day of a date's month. On PostgreSQL, ``DATE_TRUNC`` of the date as a plain
    timestamp: given a date, it would cast each one to a timestamp with time zone first, which
    cost about 15 % of a year's pivot (3.5 million lines, ``bench/statistics.py``)."""

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.lhs)
        return f"DATE_TRUNC('month', ({sql})::timestamp)::date", params


@dataclass(frozen=True)
class Dimension:
    """A way to group: its label, the expression grouped on, and the model naming its values."""

    label: str
    expression: object
    names: str = ""  # "category", "site", "place", "tariff", "person", "mode", "status",
    # "plan"; "" for dates
    period: str = ""  # "day" or "month" for dates
    fact: str = ""  # "status" or "plan": a fact of the line's invoice (regie.statistics.facts)


@dataclass(frozen=True)
class Source:
    label: str
    dimensions: dict[str, Dimension]
    measures: dict[str, tuple[str, object]]  # key → (label, aggregate)
    date_field: str
    category_field: str = ""
    base: object = None
    #: Measures that are not aggregates of the rows: computed with the lines' facts.
    fact_measures: frozenset = frozenset()

    def needs_facts(self, query) -> bool:
        """Whether the pivot goes through :mod:`regie.statistics.facts`."""
        dimensions = [self.dimensions[query.rows]]
        if query.columns:
            dimensions.append(self.dimensions[query.columns])
        return query.measure in self.fact_measures or any(d.fact for d in dimensions)

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
        "month": Dimension(_("Month"), MonthOf("date"), period="month"),
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
#: A line's amount, negative on a credit note.
LINE_AMOUNT = Case(
    When(invoice__kind=Kind.INVOICE, then=F("amount_cents")),
    default=-F("amount_cents"),
    output_field=BigIntegerField(),
)

LINES = Source(
    label=_("Invoice lines"),
    dimensions={
        "category": Dimension(_("Activity category"), F("category"), "category"),
        "month": Dimension(_("Month"), MonthOf("date"), period="month"),
        "site": Dimension(_("School site"), F("child__site"), "site"),
        "place": Dimension(_("Place"), F("activity__place"), "place"),
        "tariff": Dimension(_("Tariff category"), F("child__tariff_category"), "tariff"),
        "person": Dimension(_("Person"), F("invoice__person"), "person"),
        "status": Dimension(_("Invoice status"), None, "status", fact="status"),
        "plan": Dimension(_("Payment plan"), None, "plan", fact="plan"),
    },
    measures={
        "amount": (_("Amount"), SIGNED_AMOUNT),
        "received": (_("Received"), None),
        "written_off": (_("Written off"), None),
        "balance": (_("Balance"), None),
        "count": (_("Count"), Count("pk")),
    },
    date_field="date",
    category_field="category",
    base=_posted_lines,
    fact_measures=frozenset({"received", "written_off", "balance"}),
)


def _live_payments():
    return Payment.objects.filter(cancelled_at__isnull=True)


PAYMENTS = Source(
    label=_("Payments"),
    dimensions={
        "day": Dimension(_("Day"), F("date"), period="day"),
        "month": Dimension(_("Month"), MonthOf("date"), period="month"),
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
