"""What the scanning app reads: the caller's places, a place's children, who is present now."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, time

from django.db.models import QuerySet

from regie.activities.models import Activity, Encoding, Place
from regie.api.auth import Caller
from regie.attendance.models import Direction, ScanEvent
from regie.core.models import Role
from regie.people.models import Child, ChildPerson, MedicalRecord
from regie.scanning.models import StaffPlace


def places_for(caller: Caller) -> QuerySet[Place]:
    """Return the places ``caller`` scans at: a staff member's own places (see
    :class:`StaffPlace`), every place of the organisation for other roles and devices."""
    places = Place.objects.select_related("site").order_by("name", "pk")
    if caller.device is None and caller.role == Role.STAFF:
        mine = StaffPlace.objects.filter(user=caller.user).values("place_id")
        places = places.filter(pk__in=mine)
    return places


def sees_alerts(caller: Caller) -> bool:
    """Whether the caller is shown the medical alerts of the children of its places."""
    return caller.device is not None or caller.can("medical.alerts")


def place_children(place: Place) -> QuerySet[Child]:
    """Return the active children of ``place``: those of its school site, or every active child
    of the organisation for a place without a site (a holiday camp in the sports hall)."""
    children = Child.objects.filter(is_active=True).order_by("last_name", "first_name", "pk")
    return children.filter(site_id=place.site_id) if place.site_id else children


def persons_of(child_ids: Iterable[int]) -> dict[int, list[dict]]:
    """Return the persons linked to each child (who may drop off and pick up), billable first."""
    persons: dict[int, list[dict]] = {}
    links = ChildPerson.objects.filter(child_id__in=list(child_ids)).select_related("person")
    for link in links.order_by("child_id", "-billable", "person__last_name", "person_id"):
        person = link.person
        persons.setdefault(link.child_id, []).append(
            {
                "id": person.pk,
                "name": f"{person.first_name} {person.last_name}".strip(),
                "relationship": link.get_relationship_display(),
                "phone": person.phone,
            }
        )
    return persons


def alerts_of(child_ids: Iterable[int]) -> dict[int, list[dict]]:
    """Return the medical alerts (allergies, diet, medication) of each child that has some."""
    records = MedicalRecord.objects.filter(child_id__in=list(child_ids))
    return {record.child_id: alerts for record in records if (alerts := record.alerts())}


def present_entries(events: Iterable[tuple[int, time, str]]) -> dict[int, time]:
    """Return ``{child: entry time}`` of the children whose last scan is an entry.

    ``events`` are ``(child, time, direction)`` in time order.

    >>> present_entries([(1, time(7, 5), "entry"), (2, time(7, 10), "entry"),
    ...                  (1, time(8, 20), "exit"), (3, time(16, 30), "exit")])
    {2: datetime.time(7, 10)}
    """
    present: dict[int, time] = {}
    for child, moment, direction in events:
        if direction == Direction.ENTRY:
            present[child] = moment
        else:
            present.pop(child, None)
    return present


def present_now(place: Place, day: date) -> dict[int, time]:
    """Return the children of ``place`` present on ``day``: scanned in, not yet out."""
    events = (
        ScanEvent.objects.filter(place=place, date=day, active=True)
        .order_by("time", "pk")
        .values_list("child_id", "time", "direction")
    )
    return present_entries(events)


def closing_time(place: Place, day: date) -> time | None:
    """Return when the last scan-encoded activity of ``place`` open on ``day`` ends."""
    ends = [
        activity.end_time
        for activity in Activity.objects.filter(place=place, encoding=Encoding.SCAN)
        if activity.as_window().is_open(day)
    ]
    return max(ends, default=None)
