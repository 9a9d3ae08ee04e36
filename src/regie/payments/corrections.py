"""Allocating a rejected bank movement by hand (the correction screen, DOMAIN §6).

The import (:mod:`regie.payments.imports`) books a movement nothing matches on the suspense
account; here a clerk gives it to a person, split over their open items.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from stdnum.be import ogm_vcs
from stdnum.exceptions import ValidationError

from regie.core.errors import DomainError, gettext_noop
from regie.ledger.rules import suspense_to_person_entry
from regie.ledger.services import entries_post
from regie.payments import matching, routes
from regie.payments.imports import Targets, movement_day
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


BAD_COMMUNICATION = DomainError(
    "statements.bad_communication",
    gettext_noop(
        "This is not a structured communication: type its 12 digits as printed on the "
        "document, such as +++090/9337/55493+++."
    ),
)


@transaction.atomic
def movement_rematch(*, movement: BankMovement, communication: str, user=None) -> Payment:
    """Allocate a rejected movement as if it had carried ``communication`` (the one the
    payer mistyped or left out, found by the clerk on the invoice, reminder, plan or service
    file it pays): it pays what that communication designates exactly as the bank import
    would have, its person's credit taking the rest; refuse what the import would refuse
    (unknown, already paid), saying why."""
    try:
        reference = ogm_vcs.validate(communication.replace("*", ""))  # it strips + / and spaces
    except ValidationError:
        raise BAD_COMMUNICATION from None
    targets = Targets()
    targets.load([reference])
    decision = matching.decide(movement.amount_cents, reference, targets)
    if decision.outcome == matching.Outcome.REJECTED:
        raise decision.error
    target = decision.target
    split = {target.id: decision.allocated_cents} if target.kind == "invoice" else {}
    person = Person.objects.get(pk=target.person_id)
    payment = movement_correct(movement=movement, person=person, split=split, user=user)
    if target.kind not in ("invoice", "prepayment"):  # a reminder's, a plan's, a file's
        routes.payment_route(payment, target, payment.date)
    return payment
