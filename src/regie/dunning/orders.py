"""Enforcement orders: the list for the board, its decision (DOMAIN §7).

Once a formal notice's due date has passed unpaid, its debts may be proposed to the board. The
clerk builds the list, records the board's decision (date, reference) that endorses it; the
invoices under an order leave reminder runs and payments still match them. Public bodies are
never subject to an order.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from regie.core.errors import DomainError, gettext_noop
from regie.core.money import format_cents
from regie.dunning import selectors
from regie.dunning.collection import reminder_items
from regie.dunning.models import Debtor, DebtorKind, Reminder
from regie.dunning.order_models import (
    BailiffFee,
    EnforcementOrder,
    OrderInvoice,
    OrderList,
    OrderListStatus,
)
from regie.ledger.rules import fee_entry
from regie.ledger.services import entries_post


def held_invoices() -> dict[str, set[int]]:
    """Return the invoices under an active order (they leave reminder runs and plans)."""
    ids = OrderInvoice.objects.filter(active=True).values_list("invoice_id", flat=True)
    return {"in_order": set(ids)}


def held_elsewhere() -> set[int]:
    """Return the invoices under an order or in an active payment plan: a debtor who keeps
    to a plan is not sent to the bailiff for its invoices."""
    held: set[int] = set()
    for holder in selectors.HOLDERS:
        for ids in holder().values():
            held |= ids
    return held


def order_candidates(today: date) -> list[Reminder]:
    """Return the live formal notices past due with invoices still open and neither under an
    order nor in an active plan, of debtors who are not public bodies."""
    public = set(
        Debtor.objects.filter(kind=DebtorKind.PUBLIC_BODY).values_list("person_id", flat=True)
    )
    held = held_elsewhere()
    notices = Reminder.objects.filter(
        cancelled_at__isnull=True, level__formal_notice=True, due_date__lt=today
    ).select_related("person")
    return [
        notice
        for notice in notices.order_by("person__last_name", "pk")
        if notice.person_id not in public
        and any(item.id not in held for item in reminder_items(notice))
    ]


@transaction.atomic
def order_list_create(*, notices: list[Reminder], day: date) -> OrderList:
    """Propose the open debts of ``notices`` to the board: one order per debtor."""
    candidates = {n.pk for n in order_candidates(day)}
    refused = [n for n in notices if n.pk not in candidates]
    if refused or not notices:
        raise DomainError(
            "order.not_candidate",
            gettext_noop(
                "Only formal notices past due and unpaid, of debtors who are not public "
                "bodies, can be proposed to the board."
            ),
        )
    held = held_elsewhere()
    order_list = OrderList.objects.create(created_on=day)
    for notice in notices:
        order = EnforcementOrder.objects.create(
            order_list=order_list, person=notice.person, formal_notice=notice
        )
        OrderInvoice.objects.bulk_create(
            [
                OrderInvoice(
                    organisation=order.organisation,
                    order=order,
                    invoice_id=item.id,
                    open_cents=item.open_cents,
                )
                for item in reminder_items(notice)
                if item.id not in held
            ]
        )
    return order_list


@transaction.atomic
def order_list_endorse(*, order_list: OrderList, decision_date: date, reference: str) -> OrderList:
    """Record the board's decision that makes the orders of the list enforceable."""
    if order_list.status != OrderListStatus.PROPOSED:
        raise DomainError("order.already_endorsed", gettext_noop("This list is endorsed already."))
    if not reference.strip() or decision_date < order_list.created_on:
        raise DomainError(
            "order.decision",
            gettext_noop(
                "Give the board's decision reference and a decision date on or after the list."
            ),
        )
    order_list.status = OrderListStatus.ENDORSED
    order_list.decision_date = decision_date
    order_list.decision_reference = reference.strip()
    order_list.save(update_fields=["status", "decision_date", "decision_reference"])
    return order_list


#: The most bailiff's costs one record takes: far above a service's tariff (a few hundred euros),
#: so a typing slip (a missing comma) is refused rather than charged to a debtor.
BAILIFF_FEE_MAX_CENTS = 200_000


@transaction.atomic
def bailiff_fee_record(
    *,
    order: EnforcementOrder,
    amount_cents: int,
    day: date,
    reference: str,
    user=None,
    today: date | None = None,
) -> BailiffFee:
    """Record the bailiff's costs recovered for the debtor of an enforceable order: a fee
    receivable of the debtor (written to the ledger), shown on the account."""
    order = (
        EnforcementOrder.objects.select_for_update()
        .select_related("order_list", "formal_notice")
        .get(pk=order.pk)
    )
    today = today or timezone.localdate()
    if not order.active:
        raise DomainError(
            "order.fee_cancelled",
            gettext_noop("This order is cancelled: no bailiff's costs can be recorded on it."),
        )
    order_list = order.order_list
    if order_list.status != OrderListStatus.ENDORSED:
        raise DomainError(
            "order.fee_not_endorsed",
            gettext_noop("Bailiff's costs are recorded once the board has endorsed the order."),
        )
    if not 0 < amount_cents <= BAILIFF_FEE_MAX_CENTS:
        raise DomainError(
            "order.fee_amount",
            gettext_noop("Bailiff's costs are above 0,00 € and at most %(max)s."),
            max=format_cents(BAILIFF_FEE_MAX_CENTS),
        )
    if not order_list.decision_date <= day <= today:
        raise DomainError(
            "order.fee_date",
            gettext_noop(
                "The costs' date is between the board's decision (%(decision)s) and today."
            ),
            decision=order_list.decision_date.strftime("%d/%m/%Y"),
        )
    if not reference.strip():
        raise DomainError(
            "order.fee_reference", gettext_noop("Give the bailiff's reference of these costs.")
        )
    count = BailiffFee.objects.filter(order__formal_notice=order.formal_notice).count()
    fee = BailiffFee.objects.create(
        order=order,
        person_id=order.person_id,
        number=f"{order.formal_notice.number}/H{count + 1}",
        amount_cents=amount_cents,
        recovered_on=day,
        reference=reference.strip(),
        created_by=user,
    )
    entries_post(
        [fee_entry(document=fee.number, day=day, person_id=fee.person_id, amount=amount_cents)]
    )
    return fee
