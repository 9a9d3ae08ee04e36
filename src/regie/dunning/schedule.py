"""Payment plans: instalment schedules, lateness and what a plan payment pays (DOMAIN §7). Pure.

Worked example 12: 50.00 in three monthly instalments from 2026-04-01.

>>> for i in instalments(5000, first_due=date(2026, 4, 1), frequency="monthly", count=3):
...     print(i.number, i.due_date, i.amount_cents)
1 2026-04-01 1667
2 2026-05-01 1667
3 2026-06-01 1666
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from regie.core.errors import DomainError, gettext_noop

FREQUENCIES = ("weekly", "biweekly", "monthly", "quarterly")
MAX_INSTALMENTS = 120


class Instalment(NamedTuple):
    number: int
    due_date: date
    amount_cents: int


def add_months(day: date, months: int) -> date:
    """Return ``day`` moved by whole months, the day clamped to the month's end.

    >>> add_months(date(2026, 1, 31), 1)
    datetime.date(2026, 2, 28)
    """
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_dates(first_due: date, frequency: str, count: int) -> list[date]:
    """Return ``count`` due dates from ``first_due`` at ``frequency``.

    >>> due_dates(date(2026, 4, 1), "biweekly", 3)
    [datetime.date(2026, 4, 1), datetime.date(2026, 4, 15), datetime.date(2026, 4, 29)]
    """
    if frequency == "weekly":
        return [first_due + timedelta(weeks=n) for n in range(count)]
    if frequency == "biweekly":
        return [first_due + timedelta(weeks=2 * n) for n in range(count)]
    if frequency == "monthly":
        return [add_months(first_due, n) for n in range(count)]
    if frequency == "quarterly":
        return [add_months(first_due, 3 * n) for n in range(count)]
    raise ValueError(f"unknown frequency {frequency!r}")


def amounts(total_cents: int, *, count: int | None = None, amount: int | None = None) -> list[int]:
    """Split ``total_cents`` into equal instalments, the last one adjusted to add up exactly.

    Either a number of instalments (each the total divided, rounded half up) or an amount per
    instalment (the last one smaller).

    >>> amounts(5000, count=3), amounts(1000, count=3), amounts(1000, count=6)
    ([1667, 1667, 1666], [333, 333, 334], [167, 167, 167, 167, 167, 165])
    >>> amounts(5000, amount=2000)
    [2000, 2000, 1000]
    """
    if total_cents <= 0:
        raise DomainError(
            "plan.nothing_due", gettext_noop("The chosen invoices leave nothing to pay.")
        )
    if (count is None) == (amount is None):
        raise DomainError(
            "plan.count_or_amount",
            gettext_noop("Give either a number of instalments or an amount per instalment."),
        )
    if amount is not None:
        if amount <= 0:
            raise _bad_count()
        count = -(-total_cents // amount)
        base = amount
    else:
        base = int((Decimal(total_cents) / count).quantize(Decimal(1), ROUND_HALF_UP))
        if count and base * (count - 1) >= total_cents:
            base = total_cents // count
    if not 1 <= count <= MAX_INSTALMENTS or base <= 0:
        raise _bad_count()
    return [base] * (count - 1) + [total_cents - base * (count - 1)]


def _bad_count() -> DomainError:
    return DomainError(
        "plan.instalment_count",
        gettext_noop(
            "A plan has between 1 and %(max)s instalments of at least 0,01 €; change the number "
            "or the amount."
        ),
        max=MAX_INSTALMENTS,
    )


def instalments(
    total_cents: int,
    *,
    first_due: date,
    frequency: str,
    count: int | None = None,
    amount: int | None = None,
) -> list[Instalment]:
    """Return the schedule of a plan: numbered instalments adding up to ``total_cents``."""
    parts = amounts(total_cents, count=count, amount=amount)
    days = due_dates(first_due, frequency, len(parts))
    return [Instalment(n + 1, d, c) for n, (d, c) in enumerate(zip(days, parts, strict=True))]


# -- Lateness --------------------------------------------------------------------------------


class InstalmentState(NamedTuple):
    number: int
    due_date: date
    amount_cents: int
    paid_cents: int

    @property
    def open_cents(self) -> int:
        return self.amount_cents - self.paid_cents


def is_late(instalment: InstalmentState, today: date, grace_days: int) -> bool:
    """Return whether an instalment is unpaid after its due date plus the grace period.

    Worked example 12: due 2026-05-01, 7 days of grace.

    >>> i = InstalmentState(2, date(2026, 5, 1), 1667, 0)
    >>> is_late(i, date(2026, 5, 8), 7), is_late(i, date(2026, 5, 9), 7)
    (False, True)
    """
    return instalment.open_cents > 0 and instalment.due_date + timedelta(days=grace_days) < today


# -- Payment of a plan -----------------------------------------------------------------------


class PlanItem(NamedTuple):
    """Something a plan groups: an invoice or a fee, with its due date and open amount."""

    key: str
    due_date: date
    open_cents: int


class PlanPayment(NamedTuple):
    instalments: dict[int, int]  # instalment number → cents
    items: dict[str, int]  # item key → cents
    credit_cents: int


def allocate_plan_payment(
    amount_cents: int, open_instalments: Sequence[InstalmentState], items: Sequence[PlanItem]
) -> PlanPayment:
    """Pay instalments in due order and the plan's items oldest first; beyond, credit.

    Worked example 12, the second payment: 40.00 when instalments 2 and 3 and the invoices
    (13.33 and 20.00) are open.

    >>> open_ = [InstalmentState(2, date(2026, 5, 1), 1667, 0),
    ...          InstalmentState(3, date(2026, 6, 1), 1666, 0)]
    >>> items = [PlanItem("i1", date(2026, 1, 31), 1333), PlanItem("i2", date(2026, 2, 28), 2000)]
    >>> allocate_plan_payment(4000, open_, items)
    PlanPayment(instalments={2: 1667, 3: 1666}, items={'i1': 1333, 'i2': 2000}, credit_cents=667)
    """
    owed = min(
        sum(max(i.open_cents, 0) for i in open_instalments),
        sum(max(i.open_cents, 0) for i in items),
    )
    applied = min(max(amount_cents, 0), owed)
    by_due = [(i.number, (i.due_date, i.number), i.open_cents) for i in open_instalments]
    return PlanPayment(
        _fill(applied, by_due),
        _fill(applied, [(i.key, (i.due_date, i.key), i.open_cents) for i in items]),
        amount_cents - applied,
    )


def _fill(amount: int, rows: list[tuple]) -> dict:
    result = {}
    for key, _order, open_cents in sorted(rows, key=lambda row: row[1]):
        if amount <= 0:
            break
        share = min(amount, open_cents)
        if share > 0:
            result[key] = share
            amount -= share
    return result
