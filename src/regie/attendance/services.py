"""Writes of attendance: scan batches, manual events, fixing a day, registrations.

Every service runs in the active organisation's scope, in one transaction, and leaves the days
it touched verified again (single days) or "not processed" (batches from phones, verified later
by the wizard or the next fix).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, time

from django.db import IntegrityError, transaction

from regie.activities.models import Activity, Encoding, Place
from regie.attendance.billed import is_billed
from regie.attendance.models import (
    Attendance,
    Day,
    DayStatus,
    Direction,
    Registration,
    RegistrationDate,
    ScanEvent,
    Source,
)

# Scan batches from phones live in their own module; kept importable from here.
from regie.attendance.scans import (  # noqa: F401
    MAX_BATCH,
    EventInput,
    EventOutcome,
    scan_events_record,
)
from regie.attendance.verifying import day_verify, days_touch
from regie.core.errors import DomainError, gettext_noop
from regie.core.tenancy import current_organisation
from regie.people.models import Child, ChildPerson, Person
from regie.people.services import register_billable_guard


def _refuse_billed(day: Day) -> None:
    if day.status == DayStatus.BILLED:
        raise DomainError(
            "day.billed",
            gettext_noop(
                "The day of %(child)s on %(date)s is billed: its events cannot change. Credit "
                "the invoice first."
            ),
            child=str(day.child),
            date=day.date.strftime("%d/%m/%Y"),
        )


def _day_of(child_id: int, day: date) -> Day:
    days_touch([(child_id, day)])
    return Day.objects.select_related("child").get(child_id=child_id, date=day)


@transaction.atomic
def event_add_manual(
    *,
    child: Child,
    place: Place,
    day: date,
    moment: time,
    direction: str,
    person: Person | None = None,
    user=None,
) -> Day:
    """Add an event typed in by staff and verify the day again."""
    existing = Day.objects.filter(child=child, date=day).select_related("child").first()
    if existing:
        _refuse_billed(existing)
    ScanEvent.objects.create(
        child=child,
        place=place,
        date=day,
        time=moment.replace(second=0, microsecond=0),
        direction=direction,
        source=Source.MANUAL,
        person=person,
        recorded_by=user,
    )
    return day_verify(_day_of(child.pk, day))


def _event_day(event: ScanEvent) -> Day:
    day = Day.objects.select_related("child").get(child_id=event.child_id, date=event.date)
    _refuse_billed(day)
    return day


@transaction.atomic
def event_set_active(*, event: ScanEvent, active: bool) -> Day:
    """Deactivate (or reactivate) an event and verify its day again; events are never deleted."""
    day = _event_day(event)
    ScanEvent.objects.filter(pk=event.pk).update(active=active)
    return day_verify(day)


@transaction.atomic
def event_swap_direction(*, event: ScanEvent) -> Day:
    """Swap an event's direction (entry pressed for exit) and verify its day again."""
    day = _event_day(event)
    swapped = Direction.EXIT if event.direction == Direction.ENTRY else Direction.ENTRY
    ScanEvent.objects.filter(pk=event.pk).update(direction=swapped)
    return day_verify(day)


@transaction.atomic
def day_verify_again(*, day: Day) -> Day:
    """Verify a day again from its events and registrations (after an activity changed)."""
    _refuse_billed(day)
    return day_verify(day)


@transaction.atomic
def day_choose_activity(*, day: Day, choice_key: int, activity: Activity) -> Day:
    """Record the activity staff picked for an ambiguous interval and verify the day again."""
    _refuse_billed(day)
    choices = dict(day.choices or {})
    choices[str(choice_key)] = activity.pk
    Day.objects.filter(pk=day.pk).update(choices=choices)
    day.choices = choices
    return day_verify(day)


@transaction.atomic
def registration_create(
    *,
    child: Child,
    activity: Activity,
    dates: Iterable[date],
    person: Person | None = None,
    absent: Iterable[date] = (),
) -> Registration:
    """Register a child to a registration-encoded activity on the dates it is open."""
    if activity.encoding != Encoding.REGISTRATION:
        raise DomainError(
            "registration.scan_activity",
            gettext_noop(
                "%(activity)s is encoded by scans; registrations are for meals, camps and "
                "other registration activities."
            ),
            activity=activity.name,
        )
    window = activity.as_window()
    wanted = sorted(set(dates))
    closed = [d for d in wanted if not window.is_open(d)]
    if closed or not wanted:
        raise DomainError(
            "registration.closed_dates",
            gettext_noop("%(activity)s does not take place on %(dates)s; pick open dates."),
            activity=activity.name,
            dates=", ".join(d.strftime("%d/%m/%Y") for d in closed) or "—",
        )
    if not window.accepts(child.level or None):
        raise DomainError(
            "registration.level",
            gettext_noop("%(activity)s does not accept children of %(child)s's level."),
            activity=activity.name,
            child=str(child),
        )
    taken = set(
        RegistrationDate.objects.filter(
            child=child, date__in=wanted, registration__activity=activity
        ).values_list("date", flat=True)
    )
    if taken:
        raise _already_registered(child, activity, taken)
    for day in wanted:
        existing = Day.objects.filter(child=child, date=day).select_related("child").first()
        if existing:
            _refuse_billed(existing)
    registration = Registration.objects.create(child=child, activity=activity, person=person)
    absences = set(absent)
    try:
        RegistrationDate.objects.bulk_create(
            [
                RegistrationDate(
                    organisation=current_organisation(),
                    registration=registration,
                    child=child,
                    date=day,
                    absent=day in absences,
                )
                for day in wanted
            ]
        )
    except IntegrityError:  # a concurrent registration of the same dates
        raise _already_registered(child, activity, wanted) from None
    for day in wanted:
        day_verify(_day_of(child.pk, day))
    return registration


def _already_registered(child: Child, activity: Activity, dates: Iterable[date]) -> DomainError:
    return DomainError(
        "registration.duplicate",
        gettext_noop("%(child)s is already registered to %(activity)s on %(dates)s."),
        child=str(child),
        activity=activity.name,
        dates=", ".join(d.strftime("%d/%m/%Y") for d in sorted(dates)),
    )


@transaction.atomic
def registration_set_absent(*, registered: RegistrationDate, absent: bool) -> Day:
    """Mark a registered date absent or present and verify the day again."""
    day = Day.objects.select_related("child").get(
        child_id=registered.child_id, date=registered.date
    )
    _refuse_billed(day)
    RegistrationDate.objects.filter(pk=registered.pk).update(absent=absent)
    return day_verify(day)


@transaction.atomic
def registration_date_cancel(*, registered: RegistrationDate, today: date) -> Day:
    """Remove a registered date from today on and verify its day again.

    A past date stays: the child was expected, so it is marked absent instead (the activity
    says whether absences are billed).
    """
    if registered.date < today:
        raise DomainError(
            "registration.past_date",
            gettext_noop("%(date)s is past: mark the child absent instead of cancelling."),
            date=registered.date.strftime("%d/%m/%Y"),
        )
    day = _day_of(registered.child_id, registered.date)
    _refuse_billed(day)
    RegistrationDate.objects.filter(pk=registered.pk).delete()
    return day_verify(day)


@register_billable_guard
def _unbilled_attendances(link: ChildPerson) -> list[str]:
    """A person named on unbilled attendances of the child must stay billable."""
    count = (
        Attendance.objects.filter(child_id=link.child_id, person_id=link.person_id)
        .exclude(is_billed())
        .count()
    )
    if not count:
        return []
    from django.utils.translation import ngettext

    return [
        ngettext("%(count)d unbilled attendance", "%(count)d unbilled attendances", count)
        % {"count": count}
    ]
