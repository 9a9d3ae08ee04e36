"""Writes of the platform's own records, and the one way every service validates and saves.

Services are the only writers: screens, the admin, the API, the demo and commands call them,
so the models' rules (``clean``, field validators, unique constraints) run whatever the path.
"""

from __future__ import annotations

from typing import TypeVar

from django.db import models, transaction

from regie.core.models import AuditLog, Organisation, User
from regie.core.tenancy import scope

Record = TypeVar("Record", bound=models.Model)


def record_save(record: Record, *, exclude: list[str] | None = None) -> Record:
    """Validate ``record`` with ``full_clean`` (ValidationError if invalid), then save it."""
    record.full_clean(exclude=exclude)
    record.save()
    return record


@transaction.atomic
def organisation_save(*, organisation: Organisation, user: User | None = None) -> Organisation:
    """Create or change an organisation: enterprise number, IBAN and BIC validated.

    A change of whether it requires a second factor is written to its audit log, as done by
    ``user`` (required then: the admin's and any screen's user).
    """
    before = (
        Organisation.objects.filter(pk=organisation.pk)
        .values_list("require_second_factor", flat=True)
        .first()
        if organisation.pk
        else None
    )
    record_save(organisation)
    if before is not None and before != organisation.require_second_factor:
        if user is None:
            raise ValueError("Changing the second-factor requirement needs the user who does it.")
        with scope(organisation):
            AuditLog.objects.create(
                user=user,
                action=AuditLog.Action.SECOND_FACTOR_POLICY,
                model=Organisation._meta.label,
                object_id=str(organisation.pk),
                detail="required" if organisation.require_second_factor else "not required",
            )
    return organisation
