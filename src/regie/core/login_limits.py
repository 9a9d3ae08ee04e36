"""Limits on logging in: per account and address (django-axes), and per address across
usernames; the client's address read from a trusted proxy's header only.

Behind a reverse proxy every request comes from the proxy's address; the proxy names the
client in a header (``X-Forwarded-For``, ``X-Real-IP``…). Only the header named by
``REGIE_TRUSTED_PROXY_HEADER`` is read, and of a list only its last entry (the address the
trusted proxy itself saw: anything to its left was written by the client). Unset, the socket
address is the client's.
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone


def meta_key(header: str) -> str:
    """Return the ``request.META`` key of an HTTP header.

    >>> meta_key("X-Forwarded-For")
    'HTTP_X_FORWARDED_FOR'
    """
    return "HTTP_" + header.strip().upper().replace("-", "_")


def client_address(request) -> str | None:
    """Return the client's address: from the trusted proxy header when one is configured and
    present (its last entry), else the socket address."""
    header = getattr(settings, "REGIE_TRUSTED_PROXY_HEADER", "")
    if header:
        value = request.META.get(meta_key(header), "")
        entries = [entry.strip() for entry in value.split(",") if entry.strip()]
        if entries:
            return entries[-1]
    return request.META.get("REMOTE_ADDR")


class LoginLimitHandler(AxesDatabaseHandler):
    """django-axes' database handler, also locking an address out after
    ``REGIE_LOGIN_ADDRESS_FAILURE_LIMIT`` failures whatever the usernames tried."""

    def get_failures(self, request, credentials=None) -> int:
        """Return the failures of this username and address, or the account limit itself once
        the address is over its own limit (axes then locks out, and says so, as usual)."""
        failures = super().get_failures(request, credentials)
        if address_failures(request) >= settings.REGIE_LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(failures, get_failure_limit(request, credentials))
        return failures


def address_failures(request) -> int:
    """Return the failed logins from the request's address within the cool-off time."""
    address = getattr(request, "axes_ip_address", None) or client_address(request)
    if not address:
        return 0
    attempts = AccessAttempt.objects.filter(ip_address=address)
    cool_off = get_cool_off(request)
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
