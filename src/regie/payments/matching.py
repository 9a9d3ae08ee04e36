"""Decide what a bank movement pays, from its structured communication alone (DOMAIN §6). Pure.

The communication's prefix routes it (invoice, reminder, payment-plan instalment, a person's
prepayment reference); the item it names must still be open. An exact amount pays the item, a
smaller one pays part of it, a larger one leaves the rest as the person's credit.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import NamedTuple

from regie.core.errors import DomainError, gettext_noop


class Target(NamedTuple):
    """What a structured communication designates."""

    kind: str  # invoice | reminder | plan | prepayment
    id: int
    person_id: int
    open_cents: int  # 0 for a prepayment reference


class Outcome(StrEnum):
    PAID = "paid"
    PARTLY_PAID = "partly_paid"
    OVERPAID = "overpaid"
    PREPAYMENT = "prepayment"
    REJECTED = "rejected"


class Decision(NamedTuple):
    outcome: Outcome
    target: Target | None = None
    allocated_cents: int = 0
    credit_cents: int = 0
    error: DomainError | None = None


def _rejected(code: str, template: str, **params) -> Decision:
    return Decision(Outcome.REJECTED, error=DomainError(code, template, **params))


def decide(amount_cents: int, reference: str, targets: Mapping[str, Target]) -> Decision:
    """Return what a received amount with ``reference`` (12 digits or "") pays."""
    if amount_cents <= 0:
        return _rejected(
            "matching.debit",
            gettext_noop("Money paid out, not received: nothing to allocate."),
        )
    if not reference:
        return _rejected(
            "matching.no_communication",
            gettext_noop("No structured communication: find the payer and allocate by hand."),
        )
    target = targets.get(reference)
    if target is None:
        return _rejected(
            "matching.unknown_communication",
            gettext_noop(
                "Nothing matches this communication (+++%(reference)s+++): find the payer and "
                "allocate by hand."
            ),
            reference=f"{reference[:3]}/{reference[3:7]}/{reference[7:]}",
        )
    if target.kind == "prepayment":
        return Decision(Outcome.PREPAYMENT, target, 0, amount_cents)
    if target.open_cents <= 0:
        return _rejected(
            "matching.already_paid",
            gettext_noop(
                "Already paid: the item of this communication is not open any more; refund the "
                "payer or allocate by hand."
            ),
        )
    allocated = min(amount_cents, target.open_cents)
    credit = amount_cents - allocated
    if credit:
        outcome = Outcome.OVERPAID
    elif allocated < target.open_cents:
        outcome = Outcome.PARTLY_PAID
    else:
        outcome = Outcome.PAID
    return Decision(outcome, target, allocated, credit)
