"""Gapless numbering: the next number of a per-organisation sequence, inside the transaction.

The row is locked until the transaction ends, so two postings never take the same number and a
rolled-back posting gives its number back (no gap).

A number costs one statement once the key's row exists (``UPDATE … RETURNING``, which locks
the row as ``SELECT … FOR UPDATE`` did): every ledger posting and every pushed file takes one.
"""

from __future__ import annotations

from django.db import connection, transaction

from regie.core.models import Sequence
from regie.core.tenancy import current_organisation


def sequence_next(key: str, count: int = 1) -> int:
    """Reserve ``count`` numbers of sequence ``key`` and return the first one."""
    bumped = sequence_bump("%s", [key], count)
    if bumped is None:  # the first number of this key: create the row, then take it
        Sequence.objects.get_or_create(key=key, defaults={"organisation": current_organisation()})
        bumped = sequence_bump("%s", [key], count)
    return bumped[1]


def sequence_bump(key_sql: str, params: list, count: int) -> tuple[str, int] | None:
    """Reserve ``count`` numbers of the organisation's sequence whose key the SQL expression
    ``key_sql`` (with ``params``) gives; return its key and first number, or None when the
    organisation has no such row yet (nothing is reserved then)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("sequence_next() must run inside a transaction")
    organisation = current_organisation()
    table = connection.ops.quote_name(Sequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE {table} SET "last" = "last" + %s '  # noqa: S608 (names, not data)
            f'WHERE "organisation_id" = %s AND "key" = ({key_sql}) RETURNING "key", "last"',
            [count, organisation.pk, *params],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return row[0], row[1] - count + 1
