"""Template context: the active organisation, the user's memberships and capabilities."""

from regie.core.permissions import CAPABILITIES, role_can


def organisation(request):
    role = getattr(request, "role", None)
    return {
        "organisation": getattr(request, "organisation", None),
        "memberships": getattr(request, "memberships", []),
        "role": role,
        "can": {name.replace(".", "_"): role_can(role, name) for name in CAPABILITIES},
    }
