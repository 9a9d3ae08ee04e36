"""Split a payment over open items, oldest due date first (DOMAIN §6). Pure, integer cents.

>>> items = [OpenItem(1, date(2026, 1, 31), 500), OpenItem(2, date(2026, 2, 28), 300)]
>>> propose(700, items)
Proposal(allocations={1: 500, 2: 200}, credit=0)
>>> propose(1000, items)
Proposal(allocations={1: 500, 2: 300}, credit=200)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import NamedTuple

from regie.core.errors import DomainError, gettext_noop
from regie.core.money import format_cents


class OpenItem(NamedTuple):
    """Something a person owes: an invoice (reminder, instalment) and its open amount."""

    id: int
    due_date: date
    open_cents: int
    number: str = ""  # FACT/2026/00094, as messages name it


class Proposal(NamedTuple):
    allocations: dict[int, int]
    credit: int


def propose(amount_cents: int, items: Sequence[OpenItem]) -> Proposal:
    """Allocate ``amount_cents`` to items by due date (then id); the rest is a credit."""
    if amount_cents < 0:
        raise ValueError("a payment amount is positive")
    left = amount_cents
    allocations: dict[int, int] = {}
    for item in sorted(items, key=lambda i: (i.due_date, i.id)):
        if left <= 0:
            break
        share = min(left, item.open_cents)
        if share > 0:
            allocations[item.id] = share
            left -= share
    return Proposal(allocations, left)


def check_split(amount_cents: int, items: Sequence[OpenItem], split: Mapping[int, int]) -> Proposal:
    """Validate a split chosen by the user; return it with the credit that remains."""
    open_by_id = {item.id: item.open_cents for item in items}
    numbers = {item.id: item.number for item in items}
    for item_id, cents in split.items():
        if cents < 0:
            raise DomainError(
                "payment.negative_allocation",
                gettext_noop("An allocation cannot be negative."),
            )
        if item_id not in open_by_id:
            raise DomainError(
                "payment.unknown_item",
                gettext_noop("One of the chosen invoices is not open for this person any more."),
            )
        if cents > open_by_id[item_id]:
            raise DomainError(
                "payment.over_allocation",
                gettext_noop("Invoice %(item)s is open for %(open)s only; allocate at most that."),
                item=numbers[item_id],
                open=format_cents(open_by_id[item_id]),
            )
    total = sum(split.values())
    if total > amount_cents:
        raise DomainError(
            "payment.allocations_exceed",
            gettext_noop("The allocations (%(total)s) exceed the payment (%(amount)s)."),
            total=format_cents(total),
            amount=format_cents(amount_cents),
        )
    return Proposal({k: v for k, v in split.items() if v}, amount_cents - total)
