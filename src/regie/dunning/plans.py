"""Payment plans: creation, payments with the plan's communication, lateness, cancellation.

A payment with the plan's communication pays instalments in due order and, inside the plan, its
invoices oldest first, then its fees; beyond the plan's total it is the person's credit
(:func:`schedule.allocate_plan_payment`). A plan whose instalments are all paid is completed; a
cancelled plan keeps what was paid and its invoices go back to reminders at their level.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db import transaction
from django.db.models import Q, Sum

from regie.billing.models import Invoice
from regie.billing.numbering import communications_next
from regie.billing.selectors import with_balance
from regie.core.errors import DomainError, gettext_noop
from regie.dunning import schedule
from regie.dunning.collection import fee_open
from regie.dunning.models import FeePayment, Reminder
from regie.dunning.plan_models import (
    CollectionSettings,
    Instalment,
    InstalmentPayment,
    PaymentPlan,
    PlanFee,
    PlanInvoice,
    PlanStatus,
)
from regie.ledger.rules import EntryDraft, fee_payment_entry
from regie.ledger.services import entries_post
from regie.payments.matching import Target
from regie.payments.routes import Route
from regie.payments.services import allocation_drafts, allocations_build, chunked, persons_lock
from regie.people.models import Person


def grace_days() -> int:
    settings = CollectionSettings.objects.first()
    return settings.grace_days if settings else 7


def held_invoices() -> dict[str, set[int]]:
    """Return the invoices of active plans (they leave reminder runs)."""
    ids = PlanInvoice.objects.filter(active=True).values_list("invoice_id", flat=True)
    return {"in_plan": set(ids)}


def _refuse(code: str, template: str, **params) -> DomainError:
    return DomainError(code, template, **params)


@transaction.atomic
def plan_create(
    *,
    person: Person,
    invoices: Sequence[Invoice],
    reminders: Sequence[Reminder] = (),
    frequency: str,
    first_due: date,
    count: int | None = None,
    amount_cents: int | None = None,
    day: date,
) -> PaymentPlan:
    """Group a person's open invoices (and reminders' fees) into a plan of instalments."""
    persons_lock([person.pk])
    ids = [i.pk for i in invoices]
    rows = list(with_balance(Invoice.objects.filter(pk__in=ids, person=person)).order_by("pk"))
    if not rows or len(rows) != len(set(ids)) or any(i.open_cents <= 0 for i in rows):
        raise _refuse(
            "plan.invoices",
            gettext_noop("Choose open invoices of %(person)s for the plan."),
            person=str(person),
        )
    taken = PlanInvoice.objects.filter(invoice_id__in=ids, active=True)
    if taken.exists():
        raise _refuse(
            "plan.invoice_in_plan",
            gettext_noop("Invoice %(number)s is in another active plan already."),
            number=taken.first().invoice.number,
        )
    for holder in _order_holders():
        held = holder().get("in_order", set()) & set(ids)
        if held:
            raise _refuse(
                "plan.invoice_in_order",
                gettext_noop("An invoice under an enforcement order cannot join a plan."),
            )
    fees = [(r, fee_open(r)) for r in reminders if r.person_id == person.pk]
    total = sum(i.open_cents for i in rows) + sum(cents for _, cents in fees)
    parts = schedule.instalments(
        total, first_due=first_due, frequency=frequency, count=count, amount=amount_cents
    )
    plan = PaymentPlan.objects.create(
        person=person,
        communication=communications_next("plan", 1)[0],
        frequency=frequency,
        created_on=day,
        total_cents=total,
    )
    PlanInvoice.objects.bulk_create(
        [
            PlanInvoice(
                organisation=plan.organisation, plan=plan, invoice=i, open_cents=i.open_cents
            )
            for i in rows
        ]
    )
    PlanFee.objects.bulk_create(
        [
            PlanFee(organisation=plan.organisation, plan=plan, reminder=r, open_cents=cents)
            for r, cents in fees
            if cents > 0
        ]
    )
    Instalment.objects.bulk_create(
        [
            Instalment(
                organisation=plan.organisation,
                plan=plan,
                number=p.number,
                due_date=p.due_date,
                amount_cents=p.amount_cents,
            )
            for p in parts
        ]
    )
    return plan


def _order_holders():
    from regie.dunning.selectors import HOLDERS

    return HOLDERS


def instalment_states(plan: PaymentPlan) -> list[schedule.InstalmentState]:
    """Return the plan's instalments with what was paid on each."""
    paid = dict(
        InstalmentPayment.objects.filter(instalment__plan=plan, cancelled=False)
        .values_list("instalment__number")
        .annotate(total=Sum("amount_cents"))
        .values_list("instalment__number", "total")
    )
    return [
        schedule.InstalmentState(i.number, i.due_date, i.amount_cents, paid.get(i.number, 0))
        for i in plan.instalments.all()
    ]


def plan_items(plan: PaymentPlan) -> list[schedule.PlanItem]:
    """Return the plan's invoices and fees still open, as the allocation rule sees them."""
    invoices = with_balance(Invoice.objects.filter(pk__in=plan.invoices.values("invoice_id")))
    items = [
        schedule.PlanItem(f"i{i.pk}", i.due_date, i.open_cents)
        for i in invoices.filter(open_cents__gt=0)
    ]
    for fee in plan.fees.select_related("reminder"):
        cents = fee_open(fee.reminder)
        if cents > 0:
            items.append(schedule.PlanItem(f"f{fee.reminder_id}", fee.reminder.due_date, cents))
    return items


def plan_open(plan: PaymentPlan) -> int:
    """Return what a plan still asks: its open instalments, at most what its items owe."""
    owed = sum(max(s.open_cents, 0) for s in instalment_states(plan))
    return min(owed, sum(i.open_cents for i in plan_items(plan)))


def _load(references: Sequence[str]) -> dict[str, Target]:
    found = {}
    for chunk in chunked(references):
        plans = PaymentPlan.objects.filter(communication__in=chunk, status=PlanStatus.ACTIVE)
        for plan in plans.select_for_update().order_by("pk"):
            invoice_ids = plan.invoices.values("invoice_id")
            list(Invoice.objects.select_for_update().filter(pk__in=invoice_ids).order_by("pk"))
            found[plan.communication] = Target("plan", plan.pk, plan.person_id, plan_open(plan))
    return found


def _allocate(*, payment, target: Target, day: date) -> None:
    """Pay the plan of ``target`` with ``payment`` (already the person's credit)."""
    plan = PaymentPlan.objects.get(pk=target.id)
    states = [s for s in instalment_states(plan) if s.open_cents > 0]
    paid = schedule.allocate_plan_payment(payment.amount_cents, states, plan_items(plan))
    numbers = {i.number: i for i in plan.instalments.all()}
    InstalmentPayment.objects.bulk_create(
        [
            InstalmentPayment(
                organisation=plan.organisation,
                instalment=numbers[n],
                payment=payment,
                amount_cents=cents,
                date=day,
            )
            for n, cents in paid.instalments.items()
        ]
    )
    invoices = {int(k[1:]): v for k, v in paid.items.items() if k.startswith("i")}
    allocations = allocations_build(payment, invoices, day)
    for allocation in allocations:
        allocation.save()
    drafts: list[EntryDraft] = allocation_drafts(allocations)
    for key, cents in paid.items.items():
        if key.startswith("f"):
            reminder = Reminder.objects.get(pk=int(key[1:]))
            FeePayment.objects.create(
                reminder=reminder, payment=payment, amount_cents=cents, date=day
            )
            drafts.append(
                fee_payment_entry(
                    document=f"{reminder.number}/P{payment.pk}",
                    day=day,
                    person_id=plan.person_id,
                    amount=cents,
                )
            )
    entries_post(drafts)
    if all(s.open_cents <= 0 for s in instalment_states(plan)):
        _close(plan, PlanStatus.COMPLETED, day)


def _close(plan: PaymentPlan, status: str, day: date) -> None:
    plan.status = status
    plan.closed_on = day
    plan.save(update_fields=["status", "closed_on"])
    plan.invoices.update(active=False)


def _cancel(*, payment, day: date) -> list[EntryDraft]:
    """Undo the instalments a cancelled payment paid; a completed plan becomes active again."""
    rows = InstalmentPayment.objects.filter(payment=payment, cancelled=False)
    plan_ids = set(rows.values_list("instalment__plan_id", flat=True))
    rows.update(cancelled=True)
    for plan in PaymentPlan.objects.filter(pk__in=plan_ids, status=PlanStatus.COMPLETED):
        plan.status, plan.closed_on = PlanStatus.ACTIVE, None
        plan.save(update_fields=["status", "closed_on"])
        plan.invoices.update(active=True)
    return []  # the fees and invoice allocations are undone by their own routes


@transaction.atomic
def plan_cancel(*, plan: PaymentPlan, day: date) -> PaymentPlan:
    """Cancel an active plan: what was paid stays; its invoices go back to reminders."""
    plan = PaymentPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != PlanStatus.ACTIVE:
        raise _refuse(
            "plan.not_active",
            gettext_noop("Only an active plan can be cancelled."),
        )
    _close(plan, PlanStatus.CANCELLED, day)
    return plan


def late_instalments(today: date) -> list[tuple[Instalment, schedule.InstalmentState]]:
    """Return the instalments of active plans unpaid after their due date and the grace."""
    grace = grace_days()
    late = []
    plans = PaymentPlan.objects.filter(status=PlanStatus.ACTIVE).filter(
        Q(instalments__due_date__lt=today)
    )
    for plan in plans.distinct().prefetch_related("instalments"):
        by_number = {i.number: i for i in plan.instalments.all()}
        for state in instalment_states(plan):
            if schedule.is_late(state, today, grace):
                late.append((by_number[state.number], state))
    return late


PLAN_ROUTE = Route("plan", _load, _allocate, lambda person_id: 0, _cancel)


@transaction.atomic
def instalments_mark_late(day: date) -> int:
    """Date the late-payment letter of each instalment late on ``day`` without one yet."""
    late = [i.pk for i, _state in late_instalments(day) if i.late_letter_on is None]
    Instalment.objects.filter(pk__in=late).update(late_letter_on=day)
    return len(late)
