"""Gapless numbering: the next number of a per-organisation sequence, inside the transaction.

The row is locked until the transaction ends, so two postings never take the same number and a
rolled-back posting gives its number back (no gap).
"""

from __future__ import annotations

from django.db import transaction

from regie.core.models import Sequence
from regie.core.tenancy import current_organisation


def sequence_next(key: str, count: int = 1) -> int:
    """Reserve ``count`` numbers of sequence ``key`` and return the first one."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("sequence_next() must run inside a transaction")
    row = Sequence.objects.select_for_update().filter(key=key).first()
    if row is None:  # the first number of this key: create the row, then lock it
        Sequence.objects.get_or_create(key=key, defaults={"organisation": current_organisation()})
        row = Sequence.objects.select_for_update().get(key=key)
    first = row.last + 1
    row.last += count
    row.save(update_fields=["last"])
    return first
