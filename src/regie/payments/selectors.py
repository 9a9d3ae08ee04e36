"""Read queries of the payment screens: filtered movements with totals, open items to allocate."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Case, Count, IntegerField, Prefetch, QuerySet, Sum, Value, When
from django.utils.text import capfirst

from regie.billing.models import Invoice, InvoiceLine
from regie.payments import matching
from regie.payments.models import (
    BankMovement,
    BankStatement,
    MovementOutcome,
    MovementStatus,
    live_payments,
)
from regie.payments.services import MOVEMENT_CANCELLED, items_of

# The order of the status groups on the movements screen: the work to do first.
STATUS_ORDER = [
    MovementStatus.REJECTED,
    MovementStatus.ACCEPTED,
    MovementStatus.CORRECTED,
    MovementStatus.SET_ASIDE,
    MovementStatus.REFUNDED,
    MovementStatus.IGNORED,
]


def accounts() -> list[str]:
    """Return the bank accounts of the imported statements."""
    return list(
        BankStatement.objects.order_by("account").values_list("account", flat=True).distinct()
    )


def movements(
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    status: str = "",
    account: str = "",
    file_id: int | None = None,
) -> QuerySet[BankMovement]:
    """Return the movements matching the screen's filters (entry date, status, account)."""
    queryset = BankMovement.objects.select_related("statement").prefetch_related(
        live_payments(), live_outcomes()
    )
    if date_from:
        queryset = queryset.filter(entry_date__gte=date_from)
    if date_to:
        queryset = queryset.filter(entry_date__lte=date_to)
    if status:
        queryset = queryset.filter(status=status)
    if account:
        queryset = queryset.filter(statement__account=account)
    if file_id:
        queryset = queryset.filter(statement__file_id=file_id)
    return queryset


STATUS_CLASS = {
    MovementStatus.REJECTED: "status-error",
    MovementStatus.ACCEPTED: "status-ok",
    MovementStatus.CORRECTED: "status-new",
    MovementStatus.SET_ASIDE: "",
    MovementStatus.REFUNDED: "",
    MovementStatus.IGNORED: "",
}


@dataclass(frozen=True)
class StatusTotal:
    status: str
    label: str
    count: int
    total_cents: int

    @property
    def css(self) -> str:
        return STATUS_CLASS[self.status]


def status_totals(queryset: QuerySet[BankMovement]) -> dict[str, StatusTotal]:
    """Return the number and total of the movements of each status, in the screen's order."""
    rows = {
        status: (count, total)
        for status, count, total in queryset.order_by()
        .values("status")
        .annotate(count=Count("pk"), total=Sum("amount_cents"))
        .values_list("status", "count", "total")
    }
    return {
        status.value: StatusTotal(status.value, status.label, *rows[status.value])
        for status in STATUS_ORDER
        if status.value in rows
    }


def grouped_by_status(
    page, totals: dict[str, StatusTotal]
) -> list[tuple[StatusTotal, list[BankMovement]]]:
    """Return ``[(status total, movements)]`` of a page, in the screen's status order."""
    groups: dict[str, list[BankMovement]] = defaultdict(list)
    for movement in page:
        groups[movement.status].append(movement)
    return [(totals[status], groups[status]) for status in totals if groups[status]]


def reject_reason(movement: BankMovement) -> str:
    """Return why a movement was rejected, in the active language.

    The reason is stored in English; the matching rules give it again from the movement's
    code, amount and communication, translated. An unknown code keeps the stored text.
    """
    if movement.reject_code == MOVEMENT_CANCELLED.code:
        return MOVEMENT_CANCELLED.translated()
    targets = {}
    if movement.reject_code == "matching.already_paid":
        targets = {movement.reference: matching.Target("invoice", 0, 0, 0)}
    error = matching.decide(movement.amount_cents, movement.reference, targets).error
    if error is None or error.code != movement.reject_code:
        return movement.reject_reason
    return error.translated()


def live_outcomes() -> Prefetch:
    """Return the prefetch of movements' outcomes not undone (``live_outcomes``)."""
    return Prefetch(
        "outcomes",
        queryset=MovementOutcome.objects.filter(undone_on__isnull=True),
        to_attr="live_outcomes",
    )


def movement_reason(movement: BankMovement) -> str:
    """Return why a movement is where it is, in the active language: the reason it was set
    aside (with its note) or refunded, else why it was rejected, else nothing."""
    if movement.status in (MovementStatus.SET_ASIDE, MovementStatus.REFUNDED):
        outcomes = getattr(movement, "live_outcomes", None)
        if outcomes is None:
            outcomes = list(movement.outcomes.filter(undone_on__isnull=True))
        if outcomes:
            label = capfirst(outcomes[0].get_outcome_display())
            return f"{label} — {outcomes[0].note}" if outcomes[0].note else label
    return reject_reason(movement) if movement.reject_code else ""


def status_ordering() -> Case:
    """Return an expression ordering movements as :data:`STATUS_ORDER`."""
    return Case(
        *(When(status=status, then=Value(n)) for n, status in enumerate(STATUS_ORDER)),
        output_field=IntegerField(),
    )


@dataclass(frozen=True)
class ItemRow:
    """An open invoice as the allocation table shows it."""

    id: int
    number: str
    invoice_date: date
    due_date: date
    open_cents: int
    categories: str


def item_rows(person_id: int, category_ids: list[int] | None = None) -> list[ItemRow]:
    """Return a person's open items, oldest due date first, with what the table shows."""
    items = items_of(person_id, category_ids)
    ids = [item.id for item in items]
    invoices = {
        pk: (number, day)
        for pk, number, day in Invoice.objects.filter(pk__in=ids).values_list(
            "pk", "number", "invoice_date"
        )
    }
    names: dict[int, set[str]] = defaultdict(set)
    lines = InvoiceLine.objects.filter(invoice_id__in=ids, category__isnull=False)
    for invoice_id, name in lines.values_list("invoice_id", "category__name").distinct():
        names[invoice_id].add(name)
    return [
        ItemRow(
            item.id,
            invoices[item.id][0],
            invoices[item.id][1],
            item.due_date,
            item.open_cents,
            ", ".join(sorted(names[item.id])),
        )
        for item in sorted(items, key=lambda i: (i.due_date, i.id))
    ]
