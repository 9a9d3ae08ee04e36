"""Writes of attendance: scan batches, manual events, fixing a day, registrations.

Every service runs in the active organisation's scope, in one transaction, and leaves the days
it touched verified again (single days) or "not processed" (batches from phones, verified later
by the wizard or the next fix).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import IntegrityError, transaction
from django.utils import timezone

from regie.activities.models import Activity, Encoding, Place
from regie.attendance.models import (
    Attendance,
    Day,
    DayStatus,
    Device,
    Direction,
    Registration,
    RegistrationDate,
    ScanEvent,
    Source,
)
from regie.attendance.verifying import day_verify, days_touch
from regie.core.errors import DomainError, gettext_noop
from regie.core.tenancy import current_organisation
from regie.people.models import Child, ChildPerson, Person
from regie.people.services import register_billable_guard

MAX_BATCH = 5000


@dataclass(frozen=True)
class EventInput:
    """One scan as a phone sends it, before any check."""

    client_event_id: str
    token: str
    place_id: int
    at: datetime
    direction: str
    person_id: int | None = None


@dataclass(frozen=True)
class EventOutcome:
    """The answer to one event of a batch."""

    client_event_id: str
    status: str  # accepted | duplicate | rejected
    event_id: int | None = None
    code: str = ""
    message: str = ""


def _reject(item: EventInput, error: DomainError) -> EventOutcome:
    return EventOutcome(
        str(item.client_event_id), "rejected", code=error.code, message=error.translated()
    )


def scan_events_record(
    *, items: Sequence[EventInput], device: Device | None = None, user=None
) -> list[EventOutcome]:
    """Store a batch of scans; each is accepted, a duplicate of an earlier delivery, or rejected.

    Sending the same batch again changes nothing: the client event id is unique per
    organisation. One bad event never stops the others.
    """
    org = current_organisation()
    if len(items) > MAX_BATCH:
        raise DomainError(
            "scan.batch_too_large",
            gettext_noop("A batch holds at most %(max)s events; send the rest in another batch."),
            max=MAX_BATCH,
        )
    ids: dict[int, uuid.UUID] = {}
    outcomes: list[EventOutcome | None] = [None] * len(items)
    for index, item in enumerate(items):
        try:
            ids[index] = uuid.UUID(str(item.client_event_id))
        except ValueError:
            outcomes[index] = _reject(item, _error_bad_id(item.client_event_id))
    tokens = {item.token for item in items}
    children = dict(Child.objects.filter(scan_token__in=tokens).values_list("scan_token", "pk"))
    foreign = set(
        Child.unscoped_objects.filter(scan_token__in=tokens - children.keys())
        .exclude(organisation=org)
        .values_list("scan_token", flat=True)
    )
    places = set(Place.objects.values_list("pk", flat=True))
    persons = set(
        Person.objects.filter(pk__in={i.person_id for i in items if i.person_id}).values_list(
            "pk", flat=True
        )
    )
    existing = dict(
        ScanEvent.objects.filter(client_event_id__in=ids.values()).values_list(
            "client_event_id", "pk"
        )
    )
    new: dict[uuid.UUID, tuple[int, ScanEvent]] = {}
    for index, item in enumerate(items):
        if outcomes[index] is not None:
            continue
        client_id = ids[index]
        if client_id in existing:
            outcomes[index] = EventOutcome(str(client_id), "duplicate", existing[client_id])
            continue
        if client_id in new:
            outcomes[index] = EventOutcome(str(client_id), "duplicate")
            continue
        error = _check(item, children, foreign, places, persons)
        if error:
            outcomes[index] = _reject(item, error)
            continue
        new[client_id] = (
            index,
            ScanEvent(
                organisation=org,
                child_id=children[item.token],
                place_id=item.place_id,
                date=item.at.date(),
                time=item.at.time().replace(second=0, microsecond=0),
                direction=item.direction,
                source=Source.PHONE,
                person_id=item.person_id,
                device=device,
                recorded_by=user if getattr(user, "is_authenticated", False) else None,
                client_event_id=client_id,
            ),
        )
    _insert(new, outcomes)
    if device is not None:
        Device.objects.filter(pk=device.pk).update(last_seen=timezone.now())
    return [o for o in outcomes if o is not None]


def _insert(new: dict[uuid.UUID, tuple[int, ScanEvent]], outcomes: list) -> None:
    """Insert the new events; a concurrent delivery of the same ids turns them into duplicates."""
    if not new:
        return
    events = [event for _, event in new.values()]
    with transaction.atomic():
        ScanEvent.objects.bulk_create(events, batch_size=1000, ignore_conflicts=True)
        stored = dict(
            ScanEvent.objects.filter(client_event_id__in=new.keys()).values_list(
                "client_event_id", "pk"
            )
        )
        days_touch((event.child_id, event.date) for event in events)
    for client_id, (index, _event) in new.items():
        # ignore_conflicts gives no primary keys: the ids come back from the second query.
        outcomes[index] = EventOutcome(str(client_id), "accepted", stored.get(client_id))


def _check(item, children, foreign, places, persons) -> DomainError | None:
    if item.token not in children:
        if item.token in foreign:
            return DomainError(
                "scan.foreign_child",
                gettext_noop(
                    "This card belongs to a child of another organisation; scan it there."
                ),
            )
        return DomainError(
            "scan.unknown_token",
            gettext_noop("Unknown card: no child has this scan token. Check the card."),
        )
    if item.place_id not in places:
        return DomainError(
            "scan.unknown_place",
            gettext_noop("Unknown place #%(place)s; choose a place of your organisation."),
            place=item.place_id,
        )
    if item.direction not in Direction.values:
        return DomainError(
            "scan.bad_direction",
            gettext_noop("The direction must be “entry” or “exit”, not “%(direction)s”."),
            direction=item.direction,
        )
    if item.person_id and item.person_id not in persons:
        return DomainError(
            "scan.unknown_person",
            gettext_noop("Unknown person #%(person)s; leave the person out or pick another."),
            person=item.person_id,
        )
    return None


def _error_bad_id(value) -> DomainError:
    return DomainError(
        "scan.bad_event_id",
        gettext_noop("The client event id “%(id)s” is not a UUID."),
        id=str(value)[:60],
    )


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


@register_billable_guard
def _unbilled_attendances(link: ChildPerson) -> list[str]:
    """A person named on unbilled attendances of the child must stay billable."""
    count = (
        Attendance.objects.filter(child_id=link.child_id, person_id=link.person_id)
        .exclude(status=DayStatus.BILLED)
        .count()
    )
    if not count:
        return []
    from django.utils.translation import ngettext

    return [
        ngettext("%(count)d unbilled attendance", "%(count)d unbilled attendances", count)
        % {"count": count}
    ]
