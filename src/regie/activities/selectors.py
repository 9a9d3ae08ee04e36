"""Read queries of activities and prices: child positions and the coverage check.

Everything runs inside the active organisation's scope.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.utils.translation import gettext as _

from regie.activities import coverage, positions
from regie.activities.models import Activity, Price
from regie.activities.pricing import format_date
from regie.activities.services import price_values
from regie.attendance import windows
from regie.core.tenancy import current_organisation
from regie.people.models import Child, ChildPerson, TariffCategory


def child_positions() -> dict[tuple[int, int], int]:
    """Return each active child's position per billable person: ``{(person_id, child_id): n}``.

    One query. The organisation's ``positions_oldest_first`` setting chooses the order; a
    child without a billable person has no position.
    """
    links = ChildPerson.objects.filter(billable=True, child__is_active=True).values_list(
        "person_id", "child_id", "child__birth_date", "child__last_name", "child__first_name"
    )
    persons: dict[int, set[int]] = defaultdict(set)
    children: dict[int, tuple[date | None, str]] = {}
    for person_id, child_id, birth_date, last_name, first_name in links:
        persons[child_id].add(person_id)
        children[child_id] = (birth_date, f"{last_name} {first_name}")
    ranked = [
        positions.RankedChild(child_id, birth_date, name, frozenset(persons[child_id]))
        for child_id, (birth_date, name) in children.items()
    ]
    return positions.child_positions(
        ranked, oldest_first=current_organisation().positions_oldest_first
    )


@dataclass(frozen=True)
class Gap:
    """A coverage gap with the names the coverage page shows."""

    gap: coverage.CoverageGap
    activity: Activity
    category: TariffCategory | None
    prices: tuple[Price, ...]
    message: str

    @property
    def missing(self) -> bool:
        return not self.gap.price_ids


def registry_positions_and_categories() -> tuple[set[int], set[int | None]]:
    """Return the child positions and tariff categories present among active children.

    Position 1 and "no category" are always included, so that a price list can be checked
    before the registry is filled in.
    """
    present = set(child_positions().values()) | {1}
    categories = set(
        Child.objects.filter(is_active=True).values_list("tariff_category_id", flat=True).distinct()
    )
    return present, categories | {None}


def coverage_check(date_from: date, date_to: date) -> list[Gap]:
    """Return every (activity, position, category, dates) without exactly one price."""
    activities = {
        a.pk: a
        for a in Activity.objects.filter(
            Q(date_to__isnull=True) | Q(date_to__gte=date_from), date_from__lte=date_to
        ).select_related("place", "category")
    }
    prices = list(
        Price.objects.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=date_from),
            valid_from__lte=date_to,
            activities__in=list(activities),
        )
        .distinct()
        .prefetch_related("activities", "categories")
    )
    values = price_values(prices)
    open_dates = {
        pk: windows.open_dates(a.as_window(), date_from, date_to) for pk, a in activities.items()
    }
    present, category_ids = registry_positions_and_categories()
    gaps = coverage.coverage_gaps(values, open_dates, present, category_ids, date_from, date_to)
    categories = TariffCategory.objects.in_bulk([c for c in category_ids if c is not None])
    by_id = {p.pk: p for p in prices}
    result = []
    for gap in gaps:
        activity, category = activities[gap.activity_id], categories.get(gap.category)
        error = gap.error(values)
        error.params.update(
            activity=activity.name,
            category=category_label(category),
            date=format_range(gap.date_from, gap.date_to),
        )
        result.append(
            Gap(
                gap=gap,
                activity=activity,
                category=category,
                prices=tuple(by_id[pk] for pk in gap.price_ids if pk in by_id),
                message=error.translated(),
            )
        )
    return result


def category_label(category: TariffCategory | None) -> str:
    """Return the name of a tariff category, or the words for children without one."""
    return category.name if category is not None else _("children without a category")


def format_range(first: date, last: date) -> str:
    """Format an inclusive date range the Belgian way, a single date alone."""
    if first == last:
        return format_date(first)
    return f"{format_date(first)}–{format_date(last)}"
