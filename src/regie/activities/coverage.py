"""The coverage check of a price list: where no price, or several, would apply (DOMAIN §2).

Billing reports missing and ambiguous prices one attendance at a time; this check finds them
ahead, for whole ranges of dates, so the price list can be fixed before the run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import NamedTuple

from regie.activities.pricing import (
    CategoryId,
    Price,
    ambiguous_price_error,
    format_date,
    missing_price_error,
)
from regie.core.errors import DomainError


class CoverageGap(NamedTuple):
    """A run of open dates where an (activity, position, category) has no price, or several.

    ``price_ids`` is empty when no price applies and names the prices when several do.
    """

    activity_id: int
    position: int
    category: CategoryId
    date_from: date
    date_to: date
    price_ids: tuple[int | None, ...] = ()

    def error(self, prices: Sequence[Price] = ()) -> DomainError:
        """Return the "missing price" or "ambiguous price" error of this range."""
        day = self.date_from
        if not self.price_ids:
            error = missing_price_error(self.activity_id, day, self.position, self.category)
        else:
            involved = [p for p in prices if p.id in self.price_ids]
            error = ambiguous_price_error(
                self.activity_id, day, self.position, self.category, involved
            )
        error.params["date"] = f"{format_date(self.date_from)}–{format_date(self.date_to)}"
        return error


def coverage_gaps(
    prices: Sequence[Price],
    activities_with_dates: Mapping[int, Iterable[date]],
    positions: Iterable[int],
    categories: Iterable[CategoryId],
    date_from: date,
    date_to: date,
) -> list[CoverageGap]:
    """Return every (activity, position, category, date range) without exactly one price.

    ``activities_with_dates`` maps each activity to the dates it is open (see
    ``regie.attendance.windows.open_dates``); only those within ``date_from``–``date_to`` are
    checked. Consecutive open dates with the same problem make one range: the days an activity
    is closed (weekends, excluded dates) do not split it.
    """
    positions = sorted(set(positions))
    categories = sorted(set(categories), key=lambda c: (c is not None, c or 0))
    gaps = []
    for activity_id, dates in sorted(activities_with_dates.items()):
        days = sorted({d for d in dates if date_from <= d <= date_to})
        relevant = [p for p in prices if activity_id in p.activity_ids]
        for position in positions:
            for category in categories:
                gaps += _gaps_of(relevant, activity_id, days, position, category)
    return gaps


def _gaps_of(
    prices: Sequence[Price], activity_id: int, days: list[date], position: int, category: CategoryId
) -> list[CoverageGap]:
    gaps: list[CoverageGap] = []
    current: CoverageGap | None = None
    for day in days:
        ids = tuple(p.id for p in prices if p.applies_to(activity_id, day, position, category))
        if len(ids) == 1:
            current = None
        elif current is not None and current.price_ids == ids:
            current = gaps[-1] = current._replace(date_to=day)
        else:
            current = CoverageGap(activity_id, position, category, day, day, ids)
            gaps.append(current)
    return gaps
