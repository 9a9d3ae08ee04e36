"""The scanning app's reads: ``/api/v1/scan/…`` (places, a place's children, present now).

Scans themselves go through ``POST /api/v1/scans``. A childcare staff member reads only the
places assigned to them (:class:`regie.scanning.models.StaffPlace`); another place, like
another organisation's, is answered 404 exactly as a missing one.
"""

from __future__ import annotations

import pydantic
from django.utils import timezone
from ninja import Router

from regie.api.auth import Caller, caller_require
from regie.api.errors import ROLE_REFUSED, ApiError, ErrorOut
from regie.core.errors import DomainError, gettext_noop
from regie.people.models import Child
from regie.scanning import selectors

router = Router(tags=["scanning app"])

PLACE_NOT_FOUND = DomainError(
    "scan.place_not_found",
    gettext_noop("No place you scan at has this number."),
)
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class PersonOut(pydantic.BaseModel):
    id: int
    name: str
    relationship: str
    phone: str = ""


class AlertOut(pydantic.BaseModel):
    field: str
    label: str
    text: str


class ChildOut(pydantic.BaseModel):
    id: int
    name: str
    level: str
    token: str
    persons: list[PersonOut]
    alerts: list[AlertOut]


class PlaceOut(pydantic.BaseModel):
    id: int
    name: str
    site: str | None = None


class PresentChildOut(pydantic.BaseModel):
    id: int
    name: str
    entry: str
    persons: list[PersonOut]
    alerts: list[AlertOut]


class PresentOut(pydantic.BaseModel):
    place: PlaceOut
    date: str
    closing: str | None
    children: list[PresentChildOut]


def _place(caller: Caller, place_id: int):
    place = selectors.places_for(caller).filter(pk=place_id).first()
    if place is None:
        raise ApiError(404, PLACE_NOT_FOUND)
    return place


def _place_out(place) -> dict:
    return {"id": place.pk, "name": place.name, "site": place.site.name if place.site else None}


@router.get("/scan/places", response={200: list[PlaceOut], **ERRORS}, summary="My places")
def scan_places(request):
    """Return the places the caller scans at (a staff member: their own places)."""
    caller = caller_require(request, "scan.record", ROLE_REFUSED)
    return [_place_out(place) for place in selectors.places_for(caller)]


@router.get(
    "/scan/places/{place_id}/children",
    response={200: list[ChildOut], **ERRORS},
    summary="Children of a place",
)
def scan_place_children(request, place_id: int):
    """Return the active children of a place, with their card's token (for offline scans and
    the search by name), their persons and, for those who may see them, their medical alerts."""
    caller = caller_require(request, "scan.record", ROLE_REFUSED)
    place = _place(caller, place_id)
    children = list(selectors.place_children(place))
    ids = [child.pk for child in children]
    persons = selectors.persons_of(ids)
    alerts = selectors.alerts_of(ids) if selectors.sees_alerts(caller) else {}
    return [
        {
            "id": child.pk,
            "name": f"{child.first_name} {child.last_name}",
            "level": child.get_level_display(),
            "token": child.scan_token,
            "persons": [p | {"phone": ""} for p in persons.get(child.pk, [])],
            "alerts": alerts.get(child.pk, []),
        }
        for child in children
    ]


@router.get(
    "/scan/places/{place_id}/present",
    response={200: PresentOut, **ERRORS},
    summary="Children present now",
)
def scan_place_present(request, place_id: int):
    """Return the children scanned in today at a place and not yet out, with their entry time,
    who may pick them up, and the place's closing time (the end of its last activity today)."""
    caller = caller_require(request, "scan.record", ROLE_REFUSED)
    place = _place(caller, place_id)
    today = timezone.localdate()
    present = selectors.present_now(place, today)
    children = Child.objects.filter(pk__in=list(present))
    persons = selectors.persons_of(present)
    alerts = selectors.alerts_of(present) if selectors.sees_alerts(caller) else {}
    closing = selectors.closing_time(place, today)
    rows = [
        {
            "id": child.pk,
            "name": f"{child.first_name} {child.last_name}",
            "entry": present[child.pk].strftime("%H:%M"),
            "persons": persons.get(child.pk, []),
            "alerts": alerts.get(child.pk, []),
        }
        for child in children.order_by("last_name", "first_name", "pk")
    ]
    return {
        "place": _place_out(place),
        "date": today.isoformat(),
        "closing": closing.strftime("%H:%M") if closing else None,
        "children": rows,
    }
