"""Read queries of the days and registration screens (inside the active organisation's scope).

The days list of a large commune holds hundreds of thousands of rows: it reads plain values
(no model instances), one query for the page, one for the counts per status and one for the
activities of the page's days, whatever the page size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils.translation import gettext_lazy

from regie.activities.models import Activity, Encoding
from regie.attendance.billed import is_billed
from regie.attendance.models import (
    Attendance,
    Day,
    DayStatus,
    Registration,
    RegistrationDate,
    ScanEvent,
)
from regie.core.badinput import id_param
from regie.core.errors import DomainError

# The order of the status groups on the days list: what needs work first.
STATUS_ORDER = (DayStatus.ERROR, DayStatus.NOT_PROCESSED, DayStatus.VERIFIED, DayStatus.BILLED)
TO_FIX = "to_fix"  # the list's default: days in error or not processed

DAY_COLUMNS = (
    "pk",
    "date",
    "status",
    "errors",
    "child_id",
    "child__last_name",
    "child__first_name",
    "child__level",
)


@dataclass(frozen=True)
class DayFilters:
    """What the days list is filtered on; empty values filter nothing."""

    status: str = TO_FIX
    date_from: date | None = None
    date_to: date | None = None
    place_id: int | None = None
    child_id: int | None = None
    text: str = ""
    #: The days of these activity categories (what a billing run of them leaves out).
    category_ids: tuple[int, ...] = ()
    #: The days of the children of this school site.
    site_id: int | None = None


def days_matching(filters: DayFilters, *, with_status: bool = True) -> QuerySet[Day]:
    """Return the days matching ``filters`` (all statuses when ``with_status`` is false)."""
    qs = Day.objects.all()
    if filters.date_from:
        qs = qs.filter(date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(date__lte=filters.date_to)
    if filters.child_id:
        qs = qs.filter(child_id=filters.child_id)
    for word in filters.text.split():
        qs = qs.filter(Q(child__last_name__icontains=word) | Q(child__first_name__icontains=word))
    if filters.place_id:
        qs = qs.filter(_days_at_place(filters))
    if filters.site_id:
        qs = qs.filter(child__site_id=filters.site_id)
    if filters.category_ids:
        qs = qs.filter(days_of_categories(filters.category_ids))
    if with_status:
        if filters.status == TO_FIX:
            qs = qs.filter(status__in=(DayStatus.ERROR, DayStatus.NOT_PROCESSED))
        elif filters.status in DayStatus.values:
            qs = qs.filter(status=filters.status)
    return qs


def _days_at_place(filters: DayFilters) -> Q:
    """Return the condition "the day has an event (any state) or an attendance at the place".

    The place is one of the active organisation's (the filter form offers no other), so
    these subqueries need no organisation filter: they start from the place's events and
    attendances, found through their place index, instead of probing every day of the
    organisation (seven times faster on 200,000 days); the dates narrow them too.
    """
    days = Day.unscoped_objects.filter(
        child__scan_events__place_id=filters.place_id, child__scan_events__date=F("date")
    )
    attendances = Attendance.unscoped_objects.filter(place_id=filters.place_id)
    if filters.date_from:
        days = days.filter(date__gte=filters.date_from)
        attendances = attendances.filter(date__gte=filters.date_from)
    if filters.date_to:
        days = days.filter(date__lte=filters.date_to)
        attendances = attendances.filter(date__lte=filters.date_to)
    return Q(pk__in=days.values("pk")) | Q(pk__in=attendances.values("day_id"))


def days_of_categories(category_ids: Iterable[int]) -> Q:
    """Return the condition "the day concerns these activity categories" (DOMAIN §4).

    A day concerns them when it holds an unbilled attendance of theirs that its status holds
    back or counts — every attendance, except the verified registered dates of a day in error,
    which are billed on their own — or when it holds no attendance of theirs yet but an active
    scan at a place of one of their scan activities, or a registered date of one of their
    activities. The days a run of these categories leaves out are these days "to fix"; the
    run's preview counts them and links to the days list filtered this way.
    """
    categories = list(category_ids)
    own = Attendance.objects.filter(day=OuterRef("pk"), activity__category_id__in=categories)
    counted = own.exclude(is_billed()).exclude(
        Q(status=DayStatus.VERIFIED) & Q(day__status=DayStatus.ERROR)
    )
    places = Activity.objects.filter(category_id__in=categories, encoding=Encoding.SCAN)
    scans = ScanEvent.objects.filter(
        child=OuterRef("child"),
        date=OuterRef("date"),
        active=True,
        place_id__in=places.values("place_id"),
    )
    registered = RegistrationDate.objects.filter(
        child=OuterRef("child"),
        date=OuterRef("date"),
        registration__activity__category_id__in=categories,
    )
    return Q(Exists(counted)) | (~Q(Exists(own)) & (Q(Exists(scans)) | Q(Exists(registered))))


def days_list(filters: DayFilters) -> QuerySet:
    """Return the days list's rows as values, grouped by status, newest date first."""
    status_rank = Case(
        *(When(status=status, then=Value(rank)) for rank, status in enumerate(STATUS_ORDER)),
        output_field=IntegerField(),
    )
    return (
        days_matching(filters)
        .annotate(status_rank=status_rank)
        .order_by("status_rank", "-date", "child__last_name", "child__first_name", "pk")
        .values(*DAY_COLUMNS)
    )


def day_counts(filters: DayFilters) -> dict[str, int]:
    """Return how many days of each status match the filters other than the status."""
    rows = (
        days_matching(filters, with_status=False)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    found = dict(rows)
    return {status: found.get(status, 0) for status in STATUS_ORDER}


def total_of(counts: Mapping[str, int], status: str) -> int:
    """Return how many days the list shows for ``status``, from the counts per status."""
    if status == TO_FIX:
        return counts[DayStatus.ERROR] + counts[DayStatus.NOT_PROCESSED]
    if status in DayStatus.values:
        return counts[status]
    return sum(counts.values())


def activities_of_days(day_ids: Iterable[int]) -> dict[int, list[str]]:
    """Return the names of each day's attendance activities, in time order."""
    # The days were read in the active organisation's scope; filtering their attendances on
    # the organisation again would lead SQLite to scan the organisation's index instead.
    rows = (
        Attendance.unscoped_objects.filter(day_id__in=list(day_ids))
        .order_by("day_id", "start", "pk")
        .values_list("day_id", "activity__name")
    )
    found: dict[int, list[str]] = defaultdict(list)
    for day_id, name in rows:
        if name not in found[day_id]:
            found[day_id].append(name)
    return found


#: The short reason of a day in error, per error code (the days list's "Errors" column).
ERROR_LABELS = {
    "verification.duplicate_scans": gettext_lazy("several scans found"),
    "verification.no_activity": gettext_lazy("no activity found"),
    "verification.several_activities": gettext_lazy("several activities found"),
    "verification.unpaired_scans": gettext_lazy("entry/exit confusion"),
}


def error_codes(errors: Iterable[Mapping]) -> list[str]:
    """Return the distinct error codes of a day's stored errors, in order."""
    codes: list[str] = []
    for error in errors or ():
        if error.get("code") not in codes:
            codes.append(error.get("code"))
    return codes


# -- One day -----------------------------------------------------------------------------------


@dataclass
class DayError:
    """One error of a day, as the detail screen shows it."""

    code: str
    message: str
    event_ids: list[int] = field(default_factory=list)
    choice_key: int | None = None
    candidates: list[Activity] = field(default_factory=list)


def day_errors(day: Day) -> list[DayError]:
    """Return the day's errors translated, with the activities to choose from when ambiguous."""
    errors = [DomainError.from_dict(stored) for stored in day.errors or ()]
    wanted = {pk for error in errors for pk in error.params.get("candidate_ids", ())}
    activities = Activity.objects.select_related("place").in_bulk(wanted) if wanted else {}
    return [
        DayError(
            code=error.code,
            message=error.translated(),
            event_ids=list(error.params.get("event_ids", ())),
            choice_key=error.params.get("choice_key"),
            candidates=[
                activities[pk] for pk in error.params.get("candidate_ids", ()) if pk in activities
            ],
        )
        for error in errors
    ]


def day_attendances(day: Day) -> QuerySet[Attendance]:
    """Return the day's completed attendances with what the screen shows of them.

    ``shown_status`` is billed for an attendance on a posted invoice, else its verification's.
    """
    return (
        day.attendances.select_related("activity__category", "place", "person")
        .annotate(shown_status=shown_status())
        .order_by("start", "pk")
    )


def shown_status() -> Case:
    """Return an attendance's status as the screens show it: billed when on a posted invoice,
    else its verification's."""
    return Case(
        When(is_billed(), then=Value(DayStatus.BILLED.value)),
        default=F("status"),
        output_field=CharField(),
    )


def day_events(day: Day) -> QuerySet[ScanEvent]:
    """Return the day's whole encoding history, active and inactive, in time order."""
    return (
        ScanEvent.objects.filter(child_id=day.child_id, date=day.date)
        .select_related("place", "person", "device", "recorded_by")
        .order_by("time", "place__name", "direction", "pk")
    )


# -- Registrations ------------------------------------------------------------------------------


def registrations_with_dates() -> QuerySet[Registration]:
    """Return registrations with their first and last date and their counts of dates."""
    return Registration.objects.select_related("child", "activity__category", "person").annotate(
        first_date=Min("dates__date"),
        last_date=Max("dates__date"),
        date_count=Count("dates"),
        absent_count=Sum(Case(When(dates__absent=True, then=1), default=0)),
    )


def search_registrations(params: Mapping) -> QuerySet[Registration]:
    """Return the registrations matching the list screen's search and filters."""
    qs = registrations_with_dates()
    for word in (params.get("q") or "").split():
        qs = qs.filter(Q(child__last_name__icontains=word) | Q(child__first_name__icontains=word))
    activity = params.get("activity")
    if activity:
        qs = qs.filter(activity_id=id_param(activity, "activity"))
    day = _parse_date(params.get("date"))
    if day:
        registered = RegistrationDate.unscoped_objects.filter(
            registration_id=OuterRef("pk"), date=day
        )
        qs = qs.filter(Exists(registered))
    return qs.order_by("child__last_name", "child__first_name", "activity__name", "pk")


def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def registration_activities() -> QuerySet[Activity]:
    """Return the registration-encoded activities (meals, camps)."""
    return Activity.objects.filter(encoding="registration").select_related("place", "category")
