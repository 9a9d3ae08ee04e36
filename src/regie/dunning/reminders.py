"""Reminder runs and reminders: creating them from a preview, cancelling one (DOMAIN §7)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.db import transaction
from django.utils import timezone

from regie.billing.numbering import communications_next, invoice_numbers_next
from regie.core.errors import DomainError, gettext_noop
from regie.core.rows import instances_insert
from regie.core.tenancy import current_organisation
from regie.dunning import rules
from regie.dunning.models import (
    FeePayment,
    PolicyLevel,
    Reminder,
    ReminderInvoice,
    ReminderPolicy,
    ReminderRun,
    RunStatus,
)
from regie.dunning.selectors import level_rule, run_preview
from regie.ledger.rules import fee_entry
from regie.ledger.services import entries_post

SERIES = "RAP"


def run_check(*, level: PolicyLevel, run_date: date, due_date: date) -> None:
    """Refuse a run whose due date leaves less than the level's days to pay."""
    earliest = rules.reminder_due_date(run_date, level_rule(level))
    if due_date < earliest:
        raise DomainError(
            "dunning.due_date_too_early",
            gettext_noop(
                "Level “%(level)s” gives %(days)s days to pay: the due date is %(earliest)s "
                "or later."
            ),
            level=level.name,
            days=level.days_to_pay,
            earliest=earliest.strftime("%d/%m/%Y"),
        )


@transaction.atomic
def run_start(*, level: PolicyLevel, run_date: date, due_date: date | None, user) -> ReminderRun:
    """Record a run to compute in the background (see :mod:`regie.dunning.tasks`)."""
    due_date = due_date or rules.reminder_due_date(run_date, level_rule(level))
    run_check(level=level, run_date=run_date, due_date=due_date)
    run = ReminderRun(level=level, run_date=run_date, due_date=due_date, created_by=user)
    run.full_clean()
    run.save()
    return run


@transaction.atomic
def run_create(
    run: ReminderRun,
    advance: Callable[[int], None] = lambda n: None,
    total: Callable[[int], None] = lambda n: None,
) -> ReminderRun:
    """Create the run's reminders: one per person of the preview without a problem.

    The policy row is locked, so two runs of one policy never remind an invoice twice.
    """
    list(ReminderPolicy.objects.select_for_update().filter(pk=run.level.policy_id))
    preview = run_preview(run.level, run.run_date)
    sendable = preview.sendable
    total(len(sendable))
    numbers = invoice_numbers_next(SERIES, run.run_date.year, len(sendable))
    communications = communications_next("reminder", len(sendable))
    organisation = current_organisation()
    reminders, items = [], []
    for planned, number, reference in zip(sendable, numbers, communications, strict=True):
        reminder = Reminder(
            organisation=organisation,
            run=run,
            person=planned.person,
            level=run.level,
            number=number,
            communication=reference,
            issued_on=run.run_date,
            due_date=run.due_date,
            principal_cents=planned.principal_cents,
            fee_cents=planned.fee.cents,
            fee_cap_cents=planned.fee.cap_cents,
            fee_lowered=planned.fee.lowered,
        )
        reminder.address_take(planned.person)
        reminders.append(reminder)
        items += [
            ReminderInvoice(
                organisation=organisation,
                reminder=reminder,
                invoice_id=i.id,
                open_cents=i.open_cents,
            )
            for i in planned.invoices
        ]
    instances_insert(Reminder, reminders)
    for item in items:
        item.reminder_id = item.reminder.pk
    instances_insert(ReminderInvoice, items)
    entries_post(
        [
            fee_entry(document=r.number, day=r.issued_on, person_id=r.person_id, amount=r.fee_cents)
            for r in reminders
            if r.fee_cents
        ]
    )
    advance(len(reminders))
    run.problems = [p.to_dict() for p in preview.problems]
    run.status = RunStatus.DONE
    run.save(update_fields=["problems", "status"])
    return run


def reminder_is_paid(reminder: Reminder) -> bool:
    """Return whether anything was paid with the reminder (its fee, or by its communication)."""
    return FeePayment.objects.filter(reminder=reminder, cancelled=False).exists() or any(
        hook(reminder) for hook in PAID_CHECKS
    )


# Other ways a reminder counts as paid (payments made with its communication).
PAID_CHECKS: list[Callable[[Reminder], bool]] = []


@transaction.atomic
def reminder_cancel(*, reminder: Reminder, day: date | None = None) -> Reminder:
    """Cancel an unpaid reminder: its fee is reversed; its invoices go back a level."""
    reminder = Reminder.objects.select_for_update().get(pk=reminder.pk)
    if reminder.cancelled_at is not None:
        raise DomainError(
            "dunning.reminder_cancelled",
            gettext_noop("Reminder %(number)s is cancelled already."),
            number=reminder.number,
        )
    if reminder_is_paid(reminder):
        raise DomainError(
            "dunning.reminder_paid",
            gettext_noop("Reminder %(number)s has received a payment: cancel the payment first."),
            number=reminder.number,
        )
    day = day or timezone.localdate()
    if reminder.fee_cents:
        entries_post(
            [
                fee_entry(
                    document=reminder.number,
                    day=day,
                    person_id=reminder.person_id,
                    amount=reminder.fee_cents,
                    reverse=True,
                )
            ]
        )
    reminder.cancelled_at = timezone.now()
    reminder.save(update_fields=["cancelled_at"])
    return reminder
