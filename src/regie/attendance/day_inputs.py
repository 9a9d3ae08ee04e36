"""What verifying a chunk of days reads: the active scans and the registered dates of its days.

A chunk is a run of days in (date, child) order; :func:`child_ranges` turns it into a filter
that the (organisation, date, child) indexes of scans and registered dates serve directly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

from django.db.models import Q

from regie.attendance import verification
from regie.attendance.models import RegistrationDate, ScanEvent

_DIRECTIONS = {direction.value: direction for direction in verification.Direction}
_SOURCES = {source.value: source for source in verification.Source}


def child_ranges(chunk: Sequence[tuple[int, int, date]]) -> Q:
    """Return a filter on each date of the chunk and the range of its children on that date.

    With it the (organisation, date, child) indexes read only the chunk's part of a date: a
    chunk is a run of days in (date, child) order. Filter on the chunk's children as well.
    """
    bounds: dict[date, tuple[int, int]] = {}
    for _, child_id, day in chunk:
        low, high = bounds.get(day, (child_id, child_id))
        bounds[day] = (min(low, child_id), max(high, child_id))
    ranges = Q()
    for day, (low, high) in bounds.items():
        ranges |= Q(date=day, child_id__gte=low, child_id__lte=high)
    return ranges


def events_by_day(pairs: Q) -> dict[tuple[int, date], list[verification.ScanEvent]]:
    """Return the active scans of the ``pairs`` filter by (child, date), as the engine wants."""
    events = ScanEvent.objects.filter(pairs, active=True)
    rows = events.order_by().values_list(
        "pk", "child_id", "place_id", "date", "time", "direction", "source", "person_id"
    )
    found: dict[tuple[int, date], list[verification.ScanEvent]] = defaultdict(list)
    combine, event = datetime.combine, verification.ScanEvent
    for pk, child_id, place_id, day, moment, direction, source, person_id in rows:
        found[(child_id, day)].append(
            event(
                pk,
                child_id,
                place_id,
                combine(day, moment),
                _DIRECTIONS[direction],
                True,
                _SOURCES[source],
                person_id,
            )
        )
    return found


def registrations_by_day(pairs: Q) -> dict[tuple[int, date], list[tuple]]:
    """Return ``(activity_id, absent, person_id)`` of the registered dates by (child, date)."""
    rows = (
        RegistrationDate.objects.filter(pairs)
        .order_by()
        .values_list(
            "child_id", "date", "registration__activity_id", "absent", "registration__person_id"
        )
    )
    found: dict[tuple[int, date], list[tuple]] = defaultdict(list)
    for child_id, day, activity_id, absent, person_id in rows:
        found[(child_id, day)].append((activity_id, absent, person_id))
    return found
