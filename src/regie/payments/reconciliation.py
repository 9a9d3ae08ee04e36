"""Bank reconciliation: do the bank statements, the ledger and the accounts agree to the cent?

For a period (and optionally one bank account) the report sets side by side:

- what the statements received and paid out, and the debits and credits of the ledger's bank
  account over the same days (a movement is dated, like its entry, by its value date, else its
  entry date);
- what the payment provider holds (online payments less its refunds and the payouts matched
  with a bank movement) and the ledger's clearing account, with the online payments still in
  transit listed;
- the receivables (invoiced − credited − written off − allocated) from the documents and from
  the ledger's receivable accounts;
- the persons' credits (paid − allocated − refunded) and the suspense account (received
  movements nobody has allocated yet), from the documents and from the ledger.

Each statement movement is tied to its ledger entry by the entry's document: ``PAY<payment>``
for a movement matched at import, ``MVT<movement>`` for one booked on the suspense account. A
debit movement (money paid out) is tied to the refund of the same amount to the same IBAN.
What remains on either side is listed as a difference, with the rejected movements still in
suspense and the statements that do not follow the previous one. A payment cancelled on
another day than the one it is recorded on counts from the day it was cancelled; a movement
whose payment was cancelled is on the suspense account again from that day. A movement set
aside or refunded to its payer leaves the suspense account that day, until it is undone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from regie.billing.models import Invoice, Kind, WriteOff
from regie.ledger.models import EntryLine
from regie.ledger.rules import AccountRole
from regie.payments import payouts
from regie.payments.models import (
    Allocation,
    BankMovement,
    BankStatement,
    MovementOutcome,
    MovementStatus,
    OnlinePayment,
    OnlineRefund,
    Payment,
    Refund,
)


class Gap:
    """Codes of the differences, for screens and tests."""

    DEBIT_NOT_IN_LEDGER = "debit_not_in_ledger"
    ENTRY_MISSING = "entry_missing"
    NOT_ON_STATEMENT = "not_on_statement"
    IN_SUSPENSE = "in_suspense"
    STATEMENT_GAP = "statement_gap"

    LABELS = {
        DEBIT_NOT_IN_LEDGER: _("Paid out on a statement, not in the ledger"),
        ENTRY_MISSING: _("Received on a statement, its ledger entry is missing"),
        NOT_ON_STATEMENT: _("In the ledger's bank account, not on a statement"),
        IN_SUSPENSE: _("Rejected movement still in the suspense account: allocate it"),
        STATEMENT_GAP: _("Statement does not follow the previous one: a statement is missing"),
    }


@dataclass(frozen=True)
class Comparison:
    """One figure from two sources, in cents; they must be equal."""

    key: str
    label: str
    source: int
    ledger: int

    @property
    def agrees(self) -> bool:
        return self.source == self.ledger

    @property
    def difference(self) -> int:
        return self.source - self.ledger


@dataclass(frozen=True)
class Difference:
    kind: str
    day: date | None
    amount_cents: int
    detail: str
    movement_id: int | None = None

    @property
    def label(self) -> str:
        return Gap.LABELS[self.kind]


@dataclass(frozen=True)
class Receivables:
    """The period's receivables from the documents; ``ledger`` is the receivable accounts'."""

    invoiced: int
    credited: int
    written_off: int
    allocated: int
    ledger: int

    @property
    def net(self) -> int:
        return self.invoiced - self.credited - self.written_off - self.allocated


@dataclass(frozen=True)
class Report:
    date_from: date
    date_to: date
    account: str
    received: int
    paid_out: int
    ledger_debit: int
    ledger_credit: int
    receivables: Receivables
    comparisons: list[Comparison]
    differences: list[Difference] = field(default_factory=list)
    #: Online payments no matched payout covers at the end (:func:`payouts.in_transit`).
    in_transit: list = field(default_factory=list)

    @property
    def agrees(self) -> bool:
        """Whether everything agrees to the cent and nothing is left to explain."""
        return all(c.agrees for c in self.comparisons) and not self.differences


#: What other apps pay out of the persons' credits up to a day (``use(until)`` in cents):
#: collection's reminder fees paid by a payment of a reminder or a plan, fees' service files.
CREDIT_USES: list[Callable[[date], int]] = []
#: Further figures other apps set side by side with the ledger: ``compare(date_from, date_to)``
#: returns :class:`Comparison` rows (collection: the reminders' fees still receivable).
COMPARISONS: list[Callable[[date, date], list[Comparison]]] = []


def _total(queryset, expression="amount_cents") -> int:
    return queryset.aggregate(t=Sum(expression))["t"] or 0


def ledger_balance(role: AccountRole, until: date, sign: int = 1) -> int:
    """Return the balance of the accounts of ``role`` at the end of ``until``."""
    lines = EntryLine.objects.filter(account__role=role.value, date__lte=until)
    return sign * _total(lines, F("debit") - F("credit"))


_ledger = ledger_balance


def _allocated(until: date) -> int:
    """Return what allocations paid at the end of ``until``: those made by then and not
    undone by then (their payment cancelled, or their invoice credited: the money went back to
    the person's credit that day)."""
    allocations = Allocation.objects.filter(date__lte=until)
    undone = allocations.filter(cancelled=True, cancelled_on__lte=until)
    return _total(allocations) - _total(undone)


def receivable_figures(until: date) -> tuple[int, int, int, int]:
    """Return invoiced, credited, written off and allocated cents up to ``until``."""
    posted = Invoice.objects.filter(posted_at__isnull=False, invoice_date__lte=until)
    return (
        _total(posted.filter(kind=Kind.INVOICE), "total_cents"),
        _total(posted.filter(kind=Kind.CREDIT_NOTE), "total_cents"),
        _total(WriteOff.objects.filter(date__lte=until)),
        _allocated(until),
    )


def credits_at(until: date) -> int:
    """Return the persons' credits at the end of ``until``, from payments and refunds."""
    payments = Payment.objects.filter(date__lte=until)
    cancelled = payments.filter(cancelled_at__date__lte=until)
    refunds = _total(Refund.objects.filter(date__lte=until, person__isnull=False))
    refunds += _total(OnlineRefund.objects.filter(date__lte=until))  # through the provider
    used = sum(use(until) for use in CREDIT_USES)
    return _total(payments) - _total(cancelled) - _allocated(until) - refunds - used


def _day():
    return Coalesce("value_date", "entry_date")


def in_suspense(until: date):
    """Return the received movements on the suspense account at the end of ``until``: those
    no payment allocated then (none yet, or only payments cancelled by then), and that were
    not set aside or refunded then (not yet, or undone by then)."""
    allocated = Payment.objects.filter(movement=OuterRef("pk"), date__lte=until).filter(
        Q(cancelled_at__isnull=True) | Q(cancelled_at__date__gt=until)
    )
    handled = MovementOutcome.objects.filter(movement=OuterRef("pk"), date__lte=until).filter(
        Q(undone_on__isnull=True) | Q(undone_on__gt=until)
    )
    return (
        BankMovement.objects.annotate(day=_day())
        .filter(amount_cents__gt=0, day__lte=until)
        .exclude(status=MovementStatus.IGNORED)
        .exclude(Exists(allocated))
        .exclude(Exists(handled))
    )


def suspense_at(until: date) -> int:
    """Return the received movements and the online payments nothing matched that are still
    on the suspense account at the end of ``until`` (an online payment allocated by hand counts
    from the day it was paid, as its entries do)."""
    unmatched = OnlinePayment.objects.filter(payment__isnull=True, paid_on__lte=until)
    return _total(in_suspense(until)) + _total(unmatched)


def _receivables(date_from: date, date_to: date) -> Receivables:
    before = date_from - timedelta(days=1)
    end, start = receivable_figures(date_to), receivable_figures(before)
    ledger = _ledger(AccountRole.RECEIVABLE, date_to) - _ledger(AccountRole.RECEIVABLE, before)
    return Receivables(*(e - s for e, s in zip(end, start, strict=True)), ledger=ledger)


def _movements(date_from: date, date_to: date) -> list[BankMovement]:
    """Return the period's movements, each with the ids of the payments made from it
    (``payment_ids``, read in one query joined on the movements' days: no ``IN`` list)."""
    movements = list(
        BankMovement.objects.annotate(day=_day())
        .filter(day__range=(date_from, date_to))
        .select_related("statement")
        .order_by("day", "pk")
    )
    paid = defaultdict(list)
    rows = (
        Payment.objects.annotate(day=Coalesce("movement__value_date", "movement__entry_date"))
        .filter(day__range=(date_from, date_to))
        .order_by("pk")
        .values_list("movement_id", "pk")
    )
    for movement_id, pk in rows:
        paid[movement_id].append(pk)
    for movement in movements:
        movement.payment_ids = paid[movement.pk]
    return movements


def _documents(movement: BankMovement) -> list[str]:
    """Return the documents an entry of ``movement`` may carry: the movement's own, and those
    of the payments made from it (a cancelled one too: its bank entry stays)."""
    return [f"MVT{movement.pk}", *(f"PAY{pk}" for pk in movement.payment_ids)]


def _undone_refunds() -> set[str]:
    """Return the documents of the refunds undone (never in a SEPA file) and their reversals."""
    undone = Refund.objects.filter(cancelled_at__isnull=False).values_list("pk", flat=True)
    return {document for pk in undone for document in (f"REFUND{pk}", f"REFUND{pk}/X")}


class _Lines:
    """The ledger's bank lines of the period, by document, consumed as they are tied.

    A refund undone before any SEPA file paid it, and its reversal, both in the period, left
    the bank as it was: the pair is left out.
    """

    def __init__(self, date_from: date, date_to: date, excluded: set[str]) -> None:
        rows = (
            EntryLine.objects.filter(
                account__role=AccountRole.BANK.value, date__range=(date_from, date_to)
            )
            .order_by("date", "pk")
            .values_list("entry__document", "date", "debit", "credit")
        )
        self.by_document: dict[str, list[tuple]] = defaultdict(list)
        self.debit = self.credit = 0
        for document, day, debit, credit in rows:
            if document in excluded:  # another account's movement (filtered here: no IN limit)
                continue
            self.by_document[document].append((day, debit, credit))
            self.debit += debit
            self.credit += credit
        self._pairs_drop(_undone_refunds())

    def _pairs_drop(self, undone: set[str]) -> None:
        for document in [d for d in self.by_document if d in undone and not d.endswith("/X")]:
            if f"{document}/X" not in self.by_document:
                continue
            for key in (document, f"{document}/X"):
                for _day, debit, credit in self.by_document.pop(key):
                    self.debit -= debit
                    self.credit -= credit

    def take(self, documents: list[str], debit: int = 0, credit: int = 0) -> bool:
        """Remove a line of one of ``documents`` with these amounts; say whether one was."""
        for document in documents:
            lines = self.by_document.get(document, [])
            for line in lines:
                if line[1:] == (debit, credit):
                    lines.remove(line)
                    return True
        return False

    def left(self):
        for document, lines in sorted(self.by_document.items()):
            for day, debit, credit in lines:
                yield document, day, debit - credit


def _bank(report_lines: _Lines, movements, differences: list[Difference]) -> None:
    refunds = defaultdict(list)
    live = Refund.objects.filter(cancelled_at__isnull=True)
    for refund in live.values_list("pk", "iban", "amount_cents"):
        refunds[(refund[1], refund[2])].append(f"REFUND{refund[0]}")
    for movement in movements:
        if movement.amount_cents > 0:
            if not report_lines.take(_documents(movement), debit=movement.amount_cents):
                differences.append(_of_movement(Gap.ENTRY_MISSING, movement))
            continue
        key = (movement.counterparty_account, -movement.amount_cents)
        if not report_lines.take(refunds.get(key, []), credit=-movement.amount_cents):
            differences.append(_of_movement(Gap.DEBIT_NOT_IN_LEDGER, movement))
    for document, day, amount in report_lines.left():
        differences.append(Difference(Gap.NOT_ON_STATEMENT, day, amount, document))


def _of_movement(kind: str, movement: BankMovement) -> Difference:
    words = [movement.statement.account, movement.counterparty_name, movement.communication]
    detail = " · ".join(word for word in words if word)
    return Difference(kind, movement.day, movement.amount_cents, detail, movement.pk)


def _suspense_and_gaps(date_from, date_to, account, differences: list[Difference]) -> None:
    rejected = in_suspense(date_to)
    statements = BankStatement.objects.filter(
        gap=True, new_balance_date__range=(date_from, date_to)
    )
    if account:
        rejected = rejected.filter(statement__account=account)
        statements = statements.filter(account=account)
    for movement in rejected.select_related("statement").order_by("day", "pk"):
        differences.append(_of_movement(Gap.IN_SUSPENSE, movement))
    for statement in statements:
        detail = f"{statement.account} #{statement.number}"
        differences.append(Difference(Gap.STATEMENT_GAP, statement.new_balance_date, 0, detail))


def reconciliation(date_from: date, date_to: date, account: str = "") -> Report:
    """Return the reconciliation of ``date_from``..``date_to`` (one account, or all)."""
    movements = _movements(date_from, date_to)
    others = [m for m in movements if account and m.statement.account != account]
    movements = [m for m in movements if not account or m.statement.account == account]
    excluded = {document for m in others for document in _documents(m)}
    lines = _Lines(date_from, date_to, excluded)
    received = sum(m.amount_cents for m in movements if m.amount_cents > 0)
    paid_out = -sum(m.amount_cents for m in movements if m.amount_cents < 0)
    differences: list[Difference] = []
    ledger_debit, ledger_credit = lines.debit, lines.credit
    _bank(lines, movements, differences)
    _suspense_and_gaps(date_from, date_to, account, differences)
    receivables = _receivables(date_from, date_to)
    comparisons = [
        Comparison("received", _("Received"), received, ledger_debit),
        Comparison("paid_out", _("Paid out"), paid_out, ledger_credit),
        Comparison(
            "receivables", _("Receivables over the period"), receivables.net, receivables.ledger
        ),
        Comparison(
            "credits",
            _("Persons' credits at the end"),
            credits_at(date_to),
            _ledger(AccountRole.PERSON_CREDIT, date_to, sign=-1),
        ),
        Comparison(
            "suspense",
            _("Suspense account at the end"),
            suspense_at(date_to),
            _ledger(AccountRole.SUSPENSE, date_to, sign=-1),
        ),
    ]
    clearing = Comparison(
        "clearing",
        _("Online payments in transit at the end"),
        payouts.clearing_at(date_to),
        _ledger(AccountRole.CLEARING, date_to),
    )
    if clearing.source or clearing.ledger or OnlinePayment.objects.exists():  # online payment
        comparisons.append(clearing)
    for compare in COMPARISONS:
        comparisons += compare(date_from, date_to)
    return Report(
        date_from,
        date_to,
        account,
        received,
        paid_out,
        ledger_debit,
        ledger_credit,
        receivables,
        comparisons,
        differences,
        payouts.in_transit(date_to),
    )
