"""Who must confirm their login with a second factor.

Administrators and finance officers move money and see national numbers: an organisation
that requires a second factor (``Organisation.require_second_factor``, by default
``REGIE_REQUIRE_2FA_DEFAULT``) requires it of them. A platform superuser needs one when the
platform default is on. Anyone else may set one up; once set up, it is asked at every login.
"""

from __future__ import annotations

from django.conf import settings

from regie.core.models import Membership, Role

#: The roles an organisation's requirement applies to.
ROLES_WITH_SECOND_FACTOR = frozenset({Role.ADMINISTRATOR, Role.FINANCE})


def role_requires_second_factor(role: str | None, organisation_requires: bool) -> bool:
    """Return whether a member with ``role`` must use a second factor.

    >>> role_requires_second_factor("finance", True), role_requires_second_factor("admin", True)
    (True, True)
    >>> role_requires_second_factor("staff", True), role_requires_second_factor("admin", False)
    (False, False)
    """
    return organisation_requires and role in ROLES_WITH_SECOND_FACTOR


def second_factor_required(user, memberships=None) -> bool:
    """Return whether ``user`` must confirm each login with a second factor.

    ``memberships`` (the user's active memberships with their organisations) saves a query
    when the caller already has them.
    """
    if user.is_superuser and settings.REGIE_REQUIRE_2FA_DEFAULT:
        return True
    if memberships is None:
        memberships = Membership.objects.filter(user=user, is_active=True).select_related(
            "organisation"
        )
    return any(
        role_requires_second_factor(m.role, m.organisation.require_second_factor)
        for m in memberships
    )
