"""Reminder rules under Book XIX of the Code of economic law (DOMAIN §7). Pure, integer cents.

A policy's levels are checked against the consumer-protection rules when the policy is saved;
a reminder run asks which invoices are eligible for a level; a fee is lowered to the cap that
the open principal allows; a payment with a reminder's communication pays the reminder's
invoices oldest due date first, then its fee.

Worked example 11 (DOMAIN), level 3 with a fee of 20.00 after a fee of 5.00, debt 25.00:

>>> capped_fee(fee_cents=2000, principal_cents=2500, earlier_fees_cents=500, consumer=True)
Fee(cents=1500, lowered=True, cap_cents=2000)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from regie.core.errors import DomainError, gettext_noop
from regie.core.money import multiply
from regie.payments.allocation import OpenItem, propose

MIN_DAYS_TO_PAY = 14  # art. XIX.2: the first reminder leaves the consumer 14 days to pay
CAP_ABSOLUTE = 200_000  # 2,000.00


class Level(NamedTuple):
    """One level of a reminder policy, as the rules see it."""

    number: int
    name: str
    delay_days: int
    days_to_pay: int
    fee_cents: int = 0
    formal_notice: bool = False


def policy_errors(levels: Sequence[Level]) -> list[DomainError]:
    """Return every rule the levels of a policy break (empty when the policy may be saved).

    >>> ok = [Level(1, "Rappel", 10, 15), Level(2, "Second rappel", 5, 15, 500)]
    >>> policy_errors(ok)
    []
    >>> [e.code for e in policy_errors([Level(1, "Rappel", 10, 15, 200)])]
    ['dunning.first_reminder_fee']
    >>> [e.code for e in policy_errors([Level(1, "Rappel", 10, 10)])]
    ['dunning.first_reminder_days']
    """
    errors: list[DomainError] = []
    if not levels:
        errors.append(
            DomainError("dunning.no_level", gettext_noop("A reminder policy needs a level."))
        )
    numbers = [level.number for level in levels]
    if numbers != list(range(1, len(levels) + 1)):
        errors.append(
            DomainError(
                "dunning.level_numbers",
                gettext_noop("The levels are numbered 1, 2, 3… without gaps."),
            )
        )
    for level in levels:
        errors.extend(_level_errors(level))
    first = next((level for level in levels if level.number == 1), None)
    if first is not None and first.fee_cents:
        errors.append(
            DomainError(
                "dunning.first_reminder_fee",
                gettext_noop(
                    "The first reminder is free for a consumer (Code of economic law, art. "
                    "XIX.2): level 1 “%(name)s” cannot charge a fee."
                ),
                name=first.name,
            )
        )
    if first is not None and first.days_to_pay < MIN_DAYS_TO_PAY:
        errors.append(
            DomainError(
                "dunning.first_reminder_days",
                gettext_noop(
                    "The first reminder gives a consumer at least %(days)s days to pay (Code of "
                    "economic law, art. XIX.2): level 1 “%(name)s” gives %(given)s."
                ),
                days=MIN_DAYS_TO_PAY,
                name=first.name,
                given=first.days_to_pay,
            )
        )
    formal = [level for level in levels if level.formal_notice]
    if formal and formal[0].number != max(numbers):
        errors.append(
            DomainError(
                "dunning.formal_notice_last",
                gettext_noop("The formal notice is the last level of a policy."),
            )
        )
    return errors


def _level_errors(level: Level) -> list[DomainError]:
    errors = []
    if level.delay_days < 0 or level.days_to_pay < 1:
        errors.append(
            DomainError(
                "dunning.level_days",
                gettext_noop(
                    "Level %(number)s: the delay cannot be negative and the days to pay are at "
                    "least 1."
                ),
                number=level.number,
            )
        )
    if not 0 <= level.fee_cents <= CAP_ABSOLUTE:
        errors.append(
            DomainError(
                "dunning.level_fee",
                gettext_noop(
                    "Level %(number)s: a fee is between 0,00 € and 2.000,00 € (the legal "
                    "maximum of all fees for one debt)."
                ),
                number=level.number,
            )
        )
    return errors


# -- Fees ------------------------------------------------------------------------------------


def fee_cap(principal_cents: int) -> int:
    """Return the most all fees on a consumer's debt may reach (art. XIX.4, DOMAIN §7).

    >>> fee_cap(15000), fee_cap(15001), fee_cap(50000), fee_cap(100000), fee_cap(10**8)
    (2000, 3000, 6500, 9000, 200000)
    """
    if principal_cents <= 15_000:
        return 2_000
    if principal_cents <= 50_000:
        return 3_000 + multiply(principal_cents - 15_000, Decimal("0.10"))
    return min(CAP_ABSOLUTE, 6_500 + multiply(principal_cents - 50_000, Decimal("0.05")))


class Fee(NamedTuple):
    cents: int
    lowered: bool
    cap_cents: int | None


def capped_fee(
    *, fee_cents: int, principal_cents: int, earlier_fees_cents: int, consumer: bool
) -> Fee:
    """Return the fee a reminder charges: the level's fee, lowered so the fees stay in the cap.

    Companies are not consumers: their fee is the level's.

    >>> capped_fee(fee_cents=500, principal_cents=2500, earlier_fees_cents=0, consumer=True)
    Fee(cents=500, lowered=False, cap_cents=2000)
    >>> capped_fee(fee_cents=2500, principal_cents=2500, earlier_fees_cents=0, consumer=False)
    Fee(cents=2500, lowered=False, cap_cents=None)
    """
    if not consumer:
        return Fee(fee_cents, False, None)
    cap = fee_cap(principal_cents)
    allowed = max(0, cap - earlier_fees_cents)
    if fee_cents > allowed:
        return Fee(allowed, True, cap)
    return Fee(fee_cents, False, cap)


# -- Eligibility -----------------------------------------------------------------------------


class Candidate(NamedTuple):
    """An invoice as a reminder run sees it."""

    id: int
    person_id: int
    open_cents: int
    reached_level: int  # highest active reminder level so far, 0 for none
    step_due_date: date  # the invoice's due date, or that reminder's due date
    in_plan: bool = False
    in_order: bool = False
    suspended: bool = False


def exclusion(candidate: Candidate, level: Level, run_date: date, min_open_cents: int) -> str:
    """Return why an invoice is not eligible for ``level`` on ``run_date`` ("" when it is).

    Worked example 11: due 2026-02-28, level 1 delay 10 days.

    >>> a = Candidate(1, 7, 2500, 0, date(2026, 2, 28))
    >>> rappel = Level(1, "Rappel", 10, 15)
    >>> exclusion(a, rappel, date(2026, 3, 10), 0)
    'too_early'
    >>> exclusion(a, rappel, date(2026, 3, 11), 0)
    ''
    """
    if candidate.open_cents <= 0:
        return "paid"
    if candidate.in_order:
        return "in_order"
    if candidate.in_plan:
        return "in_plan"
    if candidate.suspended:
        return "suspended"
    if candidate.reached_level != level.number - 1:
        return "other_level"
    if candidate.open_cents < min_open_cents:
        return "below_minimum"
    if not candidate.step_due_date + timedelta(days=level.delay_days) < run_date:
        return "too_early"
    return ""


def reminder_due_date(run_date: date, level: Level) -> date:
    """Return the due date a reminder of ``level`` made on ``run_date`` gives.

    >>> reminder_due_date(date(2026, 3, 11), Level(1, "Rappel", 10, 15))
    datetime.date(2026, 3, 26)
    """
    return run_date + timedelta(days=level.days_to_pay)


# -- Payment of a reminder --------------------------------------------------------------------


class ReminderPayment(NamedTuple):
    invoices: dict[int, int]  # invoice id → cents
    fee_cents: int
    credit_cents: int


def allocate_reminder_payment(
    amount_cents: int, invoices: Sequence[OpenItem], fee_open_cents: int
) -> ReminderPayment:
    """Pay the reminder's invoices oldest due date first, then its fee; the rest is credit.

    Worked example 11: 12.00 on a reminder of A (25.00) and a fee of 5.00.

    >>> allocate_reminder_payment(1200, [OpenItem(1, date(2026, 2, 28), 2500)], 500)
    ReminderPayment(invoices={1: 1200}, fee_cents=0, credit_cents=0)
    >>> allocate_reminder_payment(3500, [OpenItem(1, date(2026, 2, 28), 2500)], 500)
    ReminderPayment(invoices={1: 2500}, fee_cents=500, credit_cents=500)
    """
    proposal = propose(amount_cents, invoices)
    fee = min(proposal.credit, max(fee_open_cents, 0))
    return ReminderPayment(proposal.allocations, fee, proposal.credit - fee)
