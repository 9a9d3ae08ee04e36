"""What a phone needs to configure itself: who it is (``/me``) and where it scans (``/places``)."""

from __future__ import annotations

from ninja import Router, Schema

from regie.activities.models import Place
from regie.api.auth import caller_require
from regie.api.errors import ROLE_REFUSED, ErrorOut

router = Router(tags=["phone setup"])


class OrganisationOut(Schema):
    id: int
    name: str


class DeviceOut(Schema):
    id: int
    name: str


class UserOut(Schema):
    id: int
    username: str
    name: str
    role: str


class MeOut(Schema):
    """The caller: its organisation, and the device or the staff member (the other is null)."""

    organisation: OrganisationOut
    device: DeviceOut | None = None
    user: UserOut | None = None


class PlaceOut(Schema):
    id: int
    name: str
    site: str | None = None


@router.get("/me", response={200: MeOut, 401: ErrorOut, 403: ErrorOut}, summary="Who am I")
def me(request):
    """Return the organisation the credentials belong to, and the device or the user.

    Any caller may ask, whatever its role: an integration checks its token with it.
    """
    caller = request.auth
    org, device, user = caller.organisation, caller.device, caller.user
    return {
        "organisation": {"id": org.pk, "name": org.name},
        "device": {"id": device.pk, "name": device.name} if device else None,
        "user": (
            {
                "id": user.pk,
                "username": user.get_username(),
                "name": user.get_full_name() or user.get_username(),
                "role": caller.role,
            }
            if user
            else None
        ),
    }


@router.get(
    "/places",
    response={200: list[PlaceOut], 401: ErrorOut, 403: ErrorOut},
    summary="Places of the organisation",
)
def places(request):
    """Return the places of the caller's organisation, by name, with their school site."""
    caller_require(request, "scan.record", ROLE_REFUSED)
    return [
        {"id": place.pk, "name": place.name, "site": place.site.name if place.site else None}
        for place in Place.objects.select_related("site").order_by("name", "pk")
    ]
