"""Who calls the API: a scanning device (Bearer token) or a staff member's session.

Either way the organisation comes from the credentials (the device's, or the membership the
session has active), never from the request, and every operation runs inside that
organisation's scope (:func:`in_caller_scope`), so it can only read and write that
organisation's rows.
"""

from __future__ import annotations

import functools
from contextlib import nullcontext
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from regie.api.errors import (
    BAD_TOKEN,
    CSRF_FAILED,
    DEVICE_INACTIVE,
    NO_ORGANISATION,
    ROLE_REFUSED,
    ApiError,
)
from regie.attendance.models import Device
from regie.core.errors import DomainError
from regie.core.models import Organisation, User
from regie.core.permissions import role_can
from regie.core.tenancy import scope

CAPABILITY = "scan.record"


@dataclass(frozen=True)
class Caller:
    """The authenticated caller: its organisation, and the device or the user."""

    organisation: Organisation
    device: Device | None = None
    user: User | None = None
    role: str | None = None


class DeviceToken(HttpBearer):
    """A phone or tablet sending ``Authorization: Bearer <token>``; only its hash is stored."""

    def authenticate(self, request, token: str) -> Caller:
        device = (
            Device.unscoped_objects.select_related("organisation")
            .filter(token_hash=Device.hash_token(token))
            .first()
        )
        if device is None:
            raise ApiError(401, BAD_TOKEN)
        if not device.is_active:
            raise ApiError(403, DEVICE_INACTIVE)
        return Caller(device.organisation, device=device)


class StaffSession(APIKeyCookie):
    """A logged-in member whose role grants ``scan.record`` in the session's organisation.

    CSRF is checked for unsafe methods, as for any form of the back-office.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def __call__(self, request) -> Caller | None:
        user = request.user
        if not user.is_authenticated:
            return None  # not logged in: the answer is 401, not a CSRF failure
        if check_csrf(request):
            raise ApiError(403, CSRF_FAILED)
        return self.authenticate(request, request.COOKIES.get(self.param_name))

    def authenticate(self, request, key: str | None) -> Caller:
        if getattr(request, "organisation", None) is None:
            raise ApiError(403, NO_ORGANISATION)
        if not role_can(request.role, CAPABILITY):
            raise ApiError(403, ROLE_REFUSED)
        return Caller(request.organisation, user=request.user, role=request.role)


def in_caller_scope(view):
    """Run an operation inside the caller's organisation; turn domain errors into 400s.

    A device that states no ``Accept-Language`` gets its organisation's language.
    """

    @functools.wraps(view)
    def scoped(request, *args, **kwargs):
        caller: Caller = request.auth
        language = (
            translation.override(caller.organisation.language)
            if caller.device is not None and "HTTP_ACCEPT_LANGUAGE" not in request.META
            else nullcontext()
        )
        with scope(caller.organisation), language:
            try:
                return view(request, *args, **kwargs)
            except DomainError as error:
                raise ApiError(400, error) from error

    return scoped
