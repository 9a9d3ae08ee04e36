"""Writes of the platform's own records, and the one way every service validates and saves.

Services are the only writers: screens, the admin, the API, the demo and commands call them,
so the models' rules (``clean``, field validators, unique constraints) run whatever the path.
"""

from __future__ import annotations

from typing import TypeVar

from django.db import models, transaction

from regie.core.models import Organisation

Record = TypeVar("Record", bound=models.Model)


def record_save(record: Record, *, exclude: list[str] | None = None) -> Record:
    """Validate ``record`` with ``full_clean`` (ValidationError if invalid), then save it."""
    record.full_clean(exclude=exclude)
    record.save()
    return record


@transaction.atomic
def organisation_save(*, organisation: Organisation) -> Organisation:
    """Create or change an organisation: enterprise number, IBAN and BIC validated."""
    return record_save(organisation)
