"""Attendance's dashboard counters: days to fix and attendances not billed, by reason.

Days and attendances are counted over the last :data:`MONTHS` months up to today, through the
(organisation, date) index their tables have: no index on their status, whose changes must
stay cheap (heap-only updates).
"""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from regie.attendance.models import Attendance, Day, DayStatus
from regie.attendance.tasks import days_list_url
from regie.core.dashboard import Counter, Section, register_counter
from regie.core.models import Role

MONTHS = 12
FIXERS = frozenset({Role.ADMINISTRATOR, Role.COORDINATOR, Role.STAFF})
WATCHERS = frozenset({Role.ADMINISTRATOR, Role.COORDINATOR, Role.FINANCE})


def since(today: date, months: int = MONTHS) -> date:
    """Return the first day of the month ``months`` months before ``today``'s.

    >>> since(date(2026, 3, 15), 12)
    datetime.date(2025, 3, 1)
    >>> since(date(2026, 3, 15), 3)
    datetime.date(2025, 12, 1)
    """
    index = today.year * 12 + today.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _period() -> dict[str, date]:
    today = timezone.localdate()
    return {"date__gte": since(today), "date__lte": today}


def _days(status: str) -> int:
    return Day.objects.filter(status=status, **_period()).count()


def _attendances(status: str) -> int:
    return Attendance.objects.filter(status=status, **_period()).count()


def _days_url(status: str) -> str:
    today = timezone.localdate()
    return days_list_url(
        status=status, date_from=since(today).isoformat(), date_to=today.isoformat()
    )


def _unbilled_url() -> str:
    return reverse("checks:unbilled")


for counter in (
    Counter(
        key="attendance.days_error",
        label=_("days in error"),
        count=lambda: _days(DayStatus.ERROR),
        url=lambda: _days_url(DayStatus.ERROR),
        roles=FIXERS,
        section=Section.ATTENDANCE,
        order=10,
    ),
    Counter(
        key="attendance.days_not_processed",
        label=_("days not processed"),
        count=lambda: _days(DayStatus.NOT_PROCESSED),
        url=lambda: _days_url(DayStatus.NOT_PROCESSED),
        roles=FIXERS,
        section=Section.ATTENDANCE,
        order=20,
    ),
    Counter(
        key="attendance.unbilled_error",
        label=_("attendances not billed: in error"),
        count=lambda: _attendances(DayStatus.ERROR),
        url=_unbilled_url,
        roles=WATCHERS,
        section=Section.ATTENDANCE,
        order=30,
    ),
    Counter(
        key="attendance.unbilled_not_verified",
        label=_("attendances not billed: not verified"),
        count=lambda: _attendances(DayStatus.NOT_PROCESSED),
        url=_unbilled_url,
        roles=WATCHERS,
        section=Section.ATTENDANCE,
        order=40,
    ),
):
    register_counter(counter)
