"""Allocating a rejected bank movement by hand (the correction screen, DOMAIN §6).

The import (:mod:`regie.payments.imports`) books a movement nothing matches on the suspense
account; here a clerk gives it to a person, split over their open items.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from regie.core.errors import DomainError, gettext_noop
from regie.ledger.rules import suspense_to_person_entry
from regie.ledger.services import entries_post
from regie.payments.imports import movement_day
from regie.payments.models import BankMovement, Mode, MovementStatus, Payment
from regie.payments.services import payment_create, persons_lock
from regie.people.models import Person


@transaction.atomic
def movement_correct(
    *, movement: BankMovement, person: Person, split: dict[int, int] | None = None, user=None
) -> Payment:
    """Allocate a rejected movement by hand: to a person, split over their open items.

    The payment counts from the movement's day; a movement given back to the suspense account
    by a cancelled payment counts again from the day it is allocated again (it was the other
    person's credit until the cancellation, so the books of the days between stay as they were).
    """
    movement = BankMovement.objects.select_for_update().get(pk=movement.pk)
    if movement.status != MovementStatus.REJECTED or movement.amount_cents <= 0:
        raise DomainError(
            "statements.not_rejected",
            gettext_noop("Only a rejected received movement can be allocated by hand."),
        )
    payments = Payment.objects.filter(movement=movement)
    if payments.filter(cancelled_at__isnull=True).exists():
        raise DomainError(
            "statements.already_allocated",
            gettext_noop("This movement is already allocated."),
        )
    day = movement_day(movement)
    if payments.exists():  # cancelled ones
        day = max(day, timezone.localdate())
    persons_lock([person.pk])  # before the ledger's lock, as every payment does
    entries_post(
        [
            suspense_to_person_entry(
                document=f"MVT{movement.pk}",
                day=day,
                person_id=person.pk,
                amount=movement.amount_cents,
            )
        ]
    )
    payment = payment_create(
        person=person,
        day=day,
        amount_cents=movement.amount_cents,
        mode=Mode.TRANSFER,
        split=split,
        reconciled_on=movement.entry_date,
        comment=movement.communication[:300],
        user=user,
        movement=movement,
        via_suspense=True,
    )
    movement.status = MovementStatus.CORRECTED
    movement.save(update_fields=["status"])
    return payment
