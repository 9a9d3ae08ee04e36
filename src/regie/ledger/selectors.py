"""Read queries of the ledger: the trial balance and the receivables by category and month.

Both are computed by the database in one aggregate query each (conditional sums grouped by
account, or by category and month), so they stay fast on a ledger of millions of lines; Python
only attaches names and adds the totals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import (
    BigIntegerField,
    Case,
    DateField,
    F,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth

from regie.activities.models import ActivityCategory
from regie.ledger.models import Account, EntryLine
from regie.ledger.rules import AccountRole, Journal
from regie.ledger.services import account_name


def _sum(expression, condition: Q | None = None):
    """Sum ``expression`` over the rows matching ``condition`` (0 when there are none)."""
    money = BigIntegerField()
    if condition is not None:
        expression = Case(When(condition, then=expression), default=Value(0), output_field=money)
    return Coalesce(Sum(expression, output_field=money), Value(0), output_field=money)


# -- Trial balance ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BalanceRow:
    """One account of the trial balance; balances are debit minus credit, in cents."""

    code: str
    name: str
    role: str
    opening: int
    debit: int
    credit: int

    @property
    def closing(self) -> int:
        return self.opening + self.debit - self.credit


@dataclass(frozen=True)
class TrialBalance:
    date_from: date
    date_to: date
    rows: list[BalanceRow]
    total: BalanceRow = field(init=False)

    def __post_init__(self) -> None:
        total = BalanceRow(
            code="",
            name="",
            role="",
            opening=sum(row.opening for row in self.rows),
            debit=sum(row.debit for row in self.rows),
            credit=sum(row.credit for row in self.rows),
        )
        object.__setattr__(self, "total", total)

    @property
    def balances(self) -> bool:
        """Whether debits equal credits, over the period and before it."""
        return self.total.debit == self.total.credit and self.total.opening == 0


def trial_balance(date_from: date, date_to: date) -> TrialBalance:
    """Return, per account, the opening balance, the period's debits and credits and the closing.

    Accounts without any line up to ``date_to`` are listed too (all zero) when active.
    """
    before = Q(date__lt=date_from)
    during = Q(date__gte=date_from)
    sums = {
        account_id: (opening, debit, credit)
        for account_id, opening, debit, credit in EntryLine.objects.filter(date__lte=date_to)
        .order_by()
        .values("account_id")
        .annotate(
            opening=_sum(F("debit") - F("credit"), before),
            period_debit=_sum(F("debit"), during),
            period_credit=_sum(F("credit"), during),
        )
        .values_list("account_id", "opening", "period_debit", "period_credit")
    }
    rows = [
        BalanceRow(
            account.code, account_name(account), account.role, *sums.get(account.pk, (0, 0, 0))
        )
        for account in Account.objects.order_by("code", "pk")
        if account.pk in sums or account.is_active
    ]
    return TrialBalance(date_from, date_to, rows)


# -- Receivables by category and month ("droits constatés") -----------------------------------

# How a receivable line is classified, by the entry it belongs to: sales entries are invoices
# (debit) and credit notes (credit); entries that use the write-off account are write-offs and
# their reversals; every other entry settles receivables with money (a person's payment
# allocated, or its cancellation). Every line falls in exactly one class, so
# invoiced − credited − written off − received is the change of the receivable balance.
_SALES = Q(entry__journal=Journal.SALES.value)


@dataclass(frozen=True)
class ReceivableRow:
    """Movements of the receivables of one activity category in one month, in cents."""

    category: str
    month: date | None
    invoiced: int
    credited: int
    written_off: int
    received: int

    @property
    def balance(self) -> int:
        return self.invoiced - self.credited - self.written_off - self.received

    def __add__(self, other: ReceivableRow) -> ReceivableRow:
        return ReceivableRow(
            self.category,
            None,
            self.invoiced + other.invoiced,
            self.credited + other.credited,
            self.written_off + other.written_off,
            self.received + other.received,
        )


@dataclass(frozen=True)
class CategoryReceivables:
    category: str
    months: list[ReceivableRow]
    total: ReceivableRow


@dataclass(frozen=True)
class Receivables:
    date_from: date
    date_to: date
    categories: list[CategoryReceivables]
    total: ReceivableRow


def receivables(date_from: date, date_to: date, no_category: str = "—") -> Receivables:
    """Return the receivables invoiced, credited, written off and received per category × month.

    Read from the ledger lines of the receivable accounts, by the line's activity category and
    date; ``no_category`` names lines without a category.
    """
    # One uncorrelated subquery, run once (a correlated EXISTS per line is quadratic on SQLite).
    write_offs = EntryLine.objects.filter(  # an entry's lines share its date
        account__role=AccountRole.WRITE_OFF.value, date__range=(date_from, date_to)
    ).values("entry_id")
    written_off, received = (
        ~_SALES & Q(entry_id__in=write_offs),
        ~_SALES & ~Q(entry_id__in=write_offs),
    )
    rows = (
        EntryLine.objects.filter(
            account__role=AccountRole.RECEIVABLE.value, date__range=(date_from, date_to)
        )
        .order_by()
        .annotate(month=TruncMonth("date", output_field=DateField()))
        .values("category_id", "month")
        .annotate(
            invoiced=_sum(F("debit"), _SALES),
            credited=_sum(F("credit"), _SALES),
            written_off=_sum(F("credit") - F("debit"), written_off),
            received=_sum(F("credit") - F("debit"), received),
        )
        .values_list("category_id", "month", "invoiced", "credited", "written_off", "received")
    )
    names = dict(ActivityCategory.objects.values_list("pk", "name"))
    by_category: dict[int | None, list[ReceivableRow]] = {}
    for category_id, month, *amounts in rows:
        name = names.get(category_id, no_category)
        by_category.setdefault(category_id, []).append(ReceivableRow(name, month, *amounts))
    categories = []
    for months in sorted(by_category.values(), key=lambda rows: rows[0].category.casefold()):
        months.sort(key=lambda row: row.month)
        name = months[0].category
        categories.append(CategoryReceivables(name, months, _total(months, name)))
    total = _total([c.total for c in categories], "")
    return Receivables(date_from, date_to, categories, total)


def _total(rows: list[ReceivableRow], name: str) -> ReceivableRow:
    total = ReceivableRow(name, None, 0, 0, 0, 0)
    for row in rows:
        total = total + row
    return total
