"""Model permissions derived from the user's role in the active organisation."""

from __future__ import annotations

from regie.core.permissions import ADMIN_ACTIONS
from regie.core.tenancy import active_scope

REGIE_APPS = (
    "core",
    "people",
    "activities",
    "attendance",
    "billing",
    "documents",
    "payments",
    "dunning",
    "fees",
    "ledger",
    "exports",
    "scanning",
)
PLATFORM_MODELS = ("organisation", "user", "membership")


def current_role(user) -> str | None:
    """Return the user's role in the active organisation, or None."""
    org = active_scope()
    if not getattr(user, "is_authenticated", False) or org is None or not hasattr(org, "pk"):
        return None
    cache = getattr(user, "_regie_roles", None)
    if cache is None:
        cache = dict(user.memberships.filter(is_active=True).values_list("organisation_id", "role"))
        user._regie_roles = cache
    return cache.get(org.pk)


class RoleBackend:
    """Grant Django model permissions (used by the admin) from the organisation role."""

    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user_obj, perm: str, obj=None) -> bool:
        if not user_obj.is_active:
            return False
        app_label, _, codename = perm.partition(".")
        action, _, model = codename.partition("_")
        if app_label not in REGIE_APPS:
            return False
        role = current_role(user_obj)
        if app_label == "core" and model in PLATFORM_MODELS:
            # Users and memberships span organisations: platform operators (superusers) only.
            # An administrator may view and change their own organisation's details.
            return model == "organisation" and action in ("view", "change") and role == "admin"
        return action in ADMIN_ACTIONS.get(role, frozenset())

    def has_module_perms(self, user_obj, app_label: str) -> bool:
        return app_label in REGIE_APPS and current_role(user_obj) in ADMIN_ACTIONS

    def get_user(self, user_id):
        return None
