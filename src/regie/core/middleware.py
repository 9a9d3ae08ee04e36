"""Bind each request to the user's active organisation and language."""

from __future__ import annotations

from django.utils import translation

from regie.core.models import Membership
from regie.core.tenancy import scope, unscoped

SESSION_KEY = "regie_organisation_id"


def memberships_of(user):
    """Return the user's active memberships with their organisations, by organisation name."""
    return (
        Membership.objects.filter(user=user, is_active=True)
        .select_related("organisation")
        .order_by("pk")
    )


class OrganisationMiddleware:
    """Set ``request.organisation`` and ``request.role``, and scope the request to it.

    Anonymous requests and users without a membership run with no scope: any business query
    they trigger raises instead of reading another organisation's data.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.organisation = None
        request.membership = None
        request.role = None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            with unscoped():
                return self.get_response(request)
        memberships = list(memberships_of(user))
        wanted = request.session.get(SESSION_KEY)
        chosen = next((m for m in memberships if m.organisation_id == wanted), None)
        if chosen is None and memberships:
            chosen = memberships[0]
            request.session[SESSION_KEY] = chosen.organisation_id
        request.memberships = memberships
        if chosen is None:
            with unscoped():
                return self.get_response(request)
        request.organisation = chosen.organisation
        request.membership = chosen
        request.role = chosen.role
        user._regie_roles = {m.organisation_id: m.role for m in memberships}
        if not request.COOKIES.get("django_language"):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        with scope(chosen.organisation):
            return self.get_response(request)
