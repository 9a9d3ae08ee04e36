"""Turn verified attendances into invoice drafts, or into the list of every problem (DOMAIN §4).

Pure: plain values in, ``(invoices, problems)`` out, so a run lists all its problems at once.
One invoice per billable person, one line per child, day and activity; the amounts come from
:mod:`regie.activities.pricing` and every total is the exact sum of its lines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from regie.activities.pricing import Price, PricedAttendance, day_charges, find_price
from regie.core.errors import DomainError, gettext_noop


class BillableAttendance(NamedTuple):
    """A verified, unbilled attendance as billing sees it (a tuple: runs make 300,000)."""

    id: int
    child_id: int
    day: date
    activity_id: int
    category_id: int
    start_minute: int
    minutes: int
    person_id: int | None = None
    absent: bool = False


@dataclass(frozen=True)
class ChildInfo:
    """What billing needs to know of a child."""

    id: int
    name: str
    tariff_category_id: int | None
    billable_person_ids: tuple[int, ...]  # in the registry's order: the first is the default
    has_attestable_person: bool


class LineDraft(NamedTuple):
    """One line: a child's attendances of one activity on one day, priced."""

    child_id: int
    day: date
    activity_id: int
    category_id: int
    price_id: int | None
    minutes: int
    quantity: int
    unit_cents: int
    amount_cents: int
    attendance_ids: tuple[int, ...]


@dataclass
class InvoiceDraft:
    person_id: int
    lines: list[LineDraft] = field(default_factory=list)

    @property
    def total_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)

    def by_category(self) -> dict[int, int]:
        """Return the total per activity category (what the ledger entry needs)."""
        totals: dict[int, int] = defaultdict(int)
        for line in self.lines:
            totals[line.category_id] += line.amount_cents
        return dict(totals)


@dataclass(frozen=True)
class Names:
    """Names that make problem messages readable; ids are shown when a name is missing."""

    activities: Mapping[int, str] = field(default_factory=dict)
    tariff_categories: Mapping[int, str] = field(default_factory=dict)
    none_category: str = "none"


def billed_person(attendance: BillableAttendance, child: ChildInfo) -> int | None:
    """Return who pays: the attendance's person when billable, else the child's first one."""
    if attendance.person_id in child.billable_person_ids:
        return attendance.person_id
    return child.billable_person_ids[0] if child.billable_person_ids else None


def build_invoices(
    attendances: Iterable[BillableAttendance],
    children: Mapping[int, ChildInfo],
    prices: Sequence[Price],
    positions: Mapping[tuple[int, int], int],
    names: Names | None = None,
) -> tuple[list[InvoiceDraft], list[DomainError]]:
    """Return the invoice drafts and, separately, every problem found (deduplicated)."""
    names = names or Names()
    problems: dict[tuple, DomainError] = {}
    days: dict[tuple[int, int, date], list[BillableAttendance]] = defaultdict(list)
    for attendance in attendances:
        child = children[attendance.child_id]
        if not child.has_attestable_person:
            problems[("attestable", child.id)] = no_attestable_error(child)
        person = billed_person(attendance, child)
        if person is None:
            problems[("billable", child.id)] = no_billable_error(child, attendance.day)
            continue
        days[(person, child.id, attendance.day)].append(attendance)
    invoices: dict[int, InvoiceDraft] = {}
    price_of = _PriceFinder(prices, names, problems)
    for key in sorted(days):
        person, child_id, day = key
        child = children[child_id]
        lines = _day_lines(child, day, days[key], positions.get((person, child_id), 1), price_of)
        if lines:
            invoices.setdefault(person, InvoiceDraft(person)).lines.extend(lines)
    if problems:
        return [], list(problems.values())
    return [invoices[p] for p in sorted(invoices)], []


class _PriceFinder:
    """Find the price of an activity, day, position and category once; record the problems.

    A month of a large commune asks the same question hundreds of thousands of times for a
    few thousand different answers.
    """

    def __init__(self, prices: Sequence[Price], names: Names, problems: dict) -> None:
        self.prices, self.names, self.problems = prices, names, problems
        self.found: dict[tuple, Price | None] = {}

    def __call__(self, activity_id: int, day: date, position: int, category: int | None):
        key = (activity_id, day, position, category)
        if key in self.found:
            return self.found[key]
        price, errors = find_price(
            self.prices,
            activity_id,
            day,
            position,
            category,
            activity_name=self.names.activities.get(activity_id),
            category_name=(
                self.names.tariff_categories.get(category) if category else self.names.none_category
            ),
        )
        if errors:
            # The ids let the screens link each problem to the price that would fix it.
            errors[0].params.update(
                activity_id=activity_id, category_id=category, day=day.isoformat()
            )
            self.problems.setdefault(("price", *key), errors[0])
        self.found[key] = price
        return price


def _day_lines(child, day, found, position, price_of) -> list[LineDraft]:
    if len(found) > 1:
        found = sorted(found, key=lambda a: (a.start_minute, a.id))
    category = child.tariff_category_id
    priced: list[PricedAttendance] = []
    for attendance in found:  # every attendance, so that every missing price is listed
        price = price_of(attendance.activity_id, day, position, category)
        if price is not None:
            priced.append(PricedAttendance(attendance.activity_id, attendance.minutes, price))
    if len(priced) < len(found):
        return []
    merged: dict[int, LineDraft] = {}
    for attendance, charge in zip(found, day_charges(priced), strict=True):
        line = LineDraft(
            child.id,
            day,
            attendance.activity_id,
            attendance.category_id,
            charge.price_id,
            charge.minutes,
            charge.periods,
            charge.unit_cents,
            charge.amount_cents,
            (attendance.id,),
        )
        previous = merged.get(attendance.activity_id)
        merged[attendance.activity_id] = _merge(previous, line) if previous else line
    return list(merged.values())


def _merge(a: LineDraft, b: LineDraft) -> LineDraft:
    """Add a second attendance of the same activity that day to its line."""
    unit = a.unit_cents if a.unit_cents == b.unit_cents else 0
    return LineDraft(
        a.child_id,
        a.day,
        a.activity_id,
        a.category_id,
        a.price_id if a.price_id == b.price_id else None,
        a.minutes + b.minutes,
        a.quantity + b.quantity,
        unit,
        a.amount_cents + b.amount_cents,
        a.attendance_ids + b.attendance_ids,
    )


def no_attestable_error(child: ChildInfo) -> DomainError:
    return DomainError(
        "billing.no_attestable",
        gettext_noop(
            "Child %(child)s has no attestable parent: tick “attestable” on one of the child's "
            "persons in the registry."
        ),
        child=child.name,
        child_id=child.id,
    )


def no_billable_error(child: ChildInfo, day: date) -> DomainError:
    return DomainError(
        "billing.no_billable",
        gettext_noop(
            "Attendance of %(child)s on %(date)s has no billable person: tick “billable” on one "
            "of the child's persons, or move the attendance to a billable person."
        ),
        child=child.name,
        child_id=child.id,
        date=day.strftime("%d/%m/%Y"),
    )
