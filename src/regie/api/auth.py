"""Who calls the API: a scanning device, a service's system or a user's API token (Bearer),
or a staff session.

Either way the organisation comes from the credentials (the device's, the service's, the
token's, or the membership the session has active), never from the request, and every
operation runs inside that organisation's scope (:func:`in_caller_scope`), so it can only read
and write that organisation's rows. What a caller may do is checked by each operation
(:func:`caller_require`): a device only records scans, a service only pushes and reads its own
files; a user (token or session) may do what their current role in the organisation allows.
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
    DEVICE_REFUSED,
    NO_ORGANISATION,
    SERVICE_INACTIVE,
    SERVICE_REFUSED,
    TOKEN_OWNER_INACTIVE,
    TOKEN_REVOKED,
    UNKNOWN_API_TOKEN,
    UNKNOWN_SERVICE_TOKEN,
    ApiError,
)
from regie.attendance.models import Device
from regie.core.api_tokens import TokenOwner, api_token_owner
from regie.core.errors import DomainError
from regie.core.models import ApiToken, Organisation, User
from regie.core.permissions import role_can
from regie.core.tenancy import scope
from regie.fees.models import Service

#: What a scanning device may do, whatever the roles of the organisation's users.
DEVICE_CAPABILITIES = frozenset({"scan.record"})
#: What a service's system may do: push and read its own files, nothing else.
SERVICE_CAPABILITIES = frozenset({"fees.push"})


@dataclass(frozen=True)
class Caller:
    """The authenticated caller: its organisation, and the device or the user."""

    organisation: Organisation
    device: Device | None = None
    user: User | None = None
    role: str | None = None
    token: ApiToken | None = None
    service: Service | None = None

    def can(self, capability: str) -> bool:
        """Return whether the caller may do what ``capability`` names."""
        if self.device is not None:
            return capability in DEVICE_CAPABILITIES
        if self.service is not None:
            return capability in SERVICE_CAPABILITIES
        return role_can(self.role, capability)

    @property
    def language(self) -> str | None:
        """The language of a Bearer caller that states no ``Accept-Language`` (None: a
        session, whose language the back-office already chose)."""
        if self.device is not None or self.service is not None:
            return self.organisation.language
        if self.token is not None:
            return self.user.language or self.organisation.language
        return None


def caller_require(request, capability: str, refusal: DomainError) -> Caller:
    """Return the caller, or refuse the request (403) unless it may ``capability``: a device
    with ``api.device_refused``, a service with ``api.service_refused``, a user with
    ``refusal``."""
    caller: Caller = request.auth
    if not caller.can(capability):
        if caller.device is not None:
            raise ApiError(403, DEVICE_REFUSED)
        raise ApiError(403, SERVICE_REFUSED if caller.service is not None else refusal)
    return caller


class BearerToken(HttpBearer):
    """``Authorization: Bearer <token>``: a device's token, or a user's API token (``api_…``).

    Only the hashes of tokens are stored.
    """

    def authenticate(self, request, token: str) -> Caller:
        if token.startswith(ApiToken.PREFIX):
            return self._user(token)
        if token.startswith(Service.TOKEN_PREFIX):
            return self._service(token)
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

    @staticmethod
    def _service(secret: str) -> Caller:
        service = (
            Service.unscoped_objects.select_related("organisation")
            .filter(token_hash=Service.hash_token(secret))
            .first()
        )
        if service is None:
            raise ApiError(401, UNKNOWN_SERVICE_TOKEN)
        if not service.is_active:
            raise ApiError(403, SERVICE_INACTIVE)
        return Caller(service.organisation, service=service)

    @staticmethod
    def _user(secret: str) -> Caller:
        owner = api_token_owner(secret)
        if owner is None:
            raise ApiError(401, UNKNOWN_API_TOKEN)
        if not isinstance(owner, TokenOwner):
            raise ApiError(401, TOKEN_REVOKED if owner.revoked_at else TOKEN_OWNER_INACTIVE)
        return Caller(owner.organisation, user=owner.user, role=owner.role, token=owner.token)


class StaffSession(APIKeyCookie):
    """A logged-in member of the session's organisation (whatever their role).

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
        return Caller(request.organisation, user=request.user, role=request.role)


def in_caller_scope(view):
    """Run an operation inside the caller's organisation; turn domain errors into 400s.

    A device that states no ``Accept-Language`` gets its organisation's language, a user's
    API token its user's language.
    """

    @functools.wraps(view)
    def scoped(request, *args, **kwargs):
        caller: Caller = request.auth
        language = (
            translation.override(caller.language)
            if caller.language and "HTTP_ACCEPT_LANGUAGE" not in request.META
            else nullcontext()
        )
        with scope(caller.organisation), language:
            try:
                return view(request, *args, **kwargs)
            except DomainError as error:
                raise ApiError(400, error) from error

    return scoped
