"""Benchmark: verify a month of the large commune's scans, as the "verify days" wizard does.

Prepare (not timed): the large commune's registry (18,000 children), the demo's places,
activities and prices, one month of scans with the demo's habits and mistakes (about 500,000
events over the month's school days) and the days they touch. Measure: select the month's days
in the statuses not processed, error and verified, and verify them all.
"""

from __future__ import annotations

import datetime as dt

#: The month verified: October 2026 has 22 school days and no public holiday.
MONTH = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
TODAY = dt.date(2026, 11, 1)
SEED = 1


def verify_month_prepare():
    """Return ``(organisation, figures)`` with the month's scans stored and its days created."""
    from bench.operations import _empty_commune, registry_load_measure
    from regie.attendance.verifying import days_create_missing
    from regie.core.tenancy import scope
    from regie.demo.activities import build_activities
    from regie.demo.scans import build_scans

    org = _empty_commune()
    registry_load_measure(org)
    with scope(org):
        setup = build_activities(org, today=TODAY)
        stats = build_scans(
            org, setup, seed=SEED, date_from=MONTH[0], date_to=MONTH[1], meals=False
        )
        days_create_missing(*MONTH)
    return org, stats


def verify_month_measure(state) -> int:
    """Verify every open day of the month; return the number of days verified."""
    from regie.attendance.models import Day
    from regie.attendance.verifying import OPEN_STATUSES, days_verify
    from regie.core.tenancy import scope

    org, _ = state
    with scope(org):
        days = Day.objects.filter(date__range=MONTH, status__in=OPEN_STATUSES)
        counts = days_verify(list(days.order_by().values_list("pk", "child_id", "date")))
    return counts.days
