"""What each role may do, as named capabilities checked by views, the API and the admin."""

from __future__ import annotations

from regie.core.models import Role

ADMIN, COORD, STAFF, FIN, AUDIT = (
    Role.ADMINISTRATOR,
    Role.COORDINATOR,
    Role.STAFF,
    Role.FINANCE,
    Role.AUDITOR,
)

CAPABILITIES: dict[str, frozenset[str]] = {
    "registry.view": frozenset({ADMIN, COORD, FIN, AUDIT}),
    "registry.edit": frozenset({ADMIN, COORD}),
    "registry.view_national_number": frozenset({ADMIN, COORD, FIN, AUDIT}),
    "scan.record": frozenset({ADMIN, COORD, STAFF}),
    # Medical data (special category): the full record for the coordinator only (every view
    # logged); the alerts (allergies, diet, medication) also for staff, at their places.
    "medical.view": frozenset({COORD}),
    "medical.alerts": frozenset({COORD, STAFF}),
    "attendance.view": frozenset({ADMIN, COORD, STAFF, FIN, AUDIT}),
    "attendance.edit": frozenset({ADMIN, COORD, STAFF}),
    "attendance.verify": frozenset({ADMIN, COORD}),
    "finance.view": frozenset({ADMIN, FIN, AUDIT, COORD}),
    "finance.edit": frozenset({ADMIN, FIN}),
    "activities.edit": frozenset({ADMIN, COORD}),
    "config.edit": frozenset({ADMIN}),
    "members.manage": frozenset({ADMIN}),
    "audit.view": frozenset({ADMIN, AUDIT}),
}


def role_can(role: str | None, capability: str) -> bool:
    """Return whether ``role`` grants ``capability`` (unknown capabilities grant nothing)."""
    return role is not None and role in CAPABILITIES.get(capability, frozenset())


# Django model permissions (the admin) granted per role, by action.
ADMIN_ACTIONS: dict[str, frozenset[str]] = {
    ADMIN: frozenset({"view", "add", "change", "delete"}),
    AUDIT: frozenset({"view"}),
}
