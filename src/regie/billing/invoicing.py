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

from regie.activities.pricing import Price, PricedAttendance, day_charges, find_price
from regie.core.errors import DomainError, gettext_noop


@dataclass(frozen=True)
class BillableAttendance:
    """A verified, unbilled attendance as billing sees it."""

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


@dataclass(frozen=True)
class LineDraft:
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
    for (person, child_id, day), found in sorted(days.items(), key=lambda item: item[0]):
        child = children[child_id]
        lines = _day_lines(person, child, day, found, prices, positions, names, problems)
        if lines:
            invoices.setdefault(person, InvoiceDraft(person)).lines.extend(lines)
    if problems:
        return [], list(problems.values())
    return [invoices[p] for p in sorted(invoices)], []


def _day_lines(person, child, day, found, prices, positions, names, problems) -> list[LineDraft]:
    found = sorted(found, key=lambda a: (a.start_minute, a.id))
    position = positions.get((person, child.id), 1)
    category = child.tariff_category_id
    priced: list[tuple[BillableAttendance, Price]] = []
    for attendance in found:
        price, errors = find_price(
            prices,
            attendance.activity_id,
            day,
            position,
            category,
            activity_name=names.activities.get(attendance.activity_id),
            category_name=(
                names.tariff_categories.get(category) if category else names.none_category
            ),
        )
        if errors:
            key = ("price", attendance.activity_id, day, position, category)
            # The ids let the screens link each problem to the price that would fix it.
            errors[0].params.update(
                activity_id=attendance.activity_id, category_id=category, day=day.isoformat()
            )
            problems.setdefault(key, errors[0])
        else:
            priced.append((attendance, price))
    if len(priced) < len(found):
        return []
    charges = day_charges([PricedAttendance(a.activity_id, a.minutes, p) for a, p in priced])
    merged: dict[int, LineDraft] = {}
    for (attendance, _price), charge in zip(priced, charges, strict=True):
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
