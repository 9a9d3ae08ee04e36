"""Model instances read by SQL written out, for the few reads on a hot path.

Django builds a query again at every call (filters, annotations, subqueries resolved, then
compiled): for a read that an online payment makes once per webhook call this costs several
times the database's own work. :class:`Columns` lets such a read be written once as SQL and
still give model instances, their values converted as Django's compiler converts them
(SQLite's dates are text, its booleans 0/1), so that the code after it sees the same objects.

The SQL bypasses the organisation scope: it must filter on the organisation itself (or, as
Mollie's webhook, name a row unique across organisations on purpose).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models


class Columns:
    """A model's concrete columns under a table alias in a ``SELECT``, and the instance made of
    a row's slice of them."""

    def __init__(self, model: type[models.Model], alias: str) -> None:
        quote = connection.ops.quote_name
        fields = model._meta.concrete_fields
        self.model = model
        #: ``alias."column", …`` in the fields' order, for the ``SELECT`` list.
        self.sql = ", ".join(f"{alias}.{quote(field.column)}" for field in fields)
        self.names = [field.attname for field in fields]
        self._converters = []
        for position, field in enumerate(fields):
            column = field.get_col(alias)
            found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
            if found:
                self._converters.append((position, found, column))

    def __len__(self) -> int:
        return len(self.names)

    def instance(self, values: Sequence[Any]) -> models.Model:
        """Return the instance of ``values`` (this model's columns, in the ``SELECT``'s order)."""
        values = list(values)
        for position, converters, column in self._converters:
            for converter in converters:
                values[position] = converter(values[position], column, connection)
        return self.model.from_db(connection.alias, self.names, values)


def instances(row: Sequence[Any], *columns: Columns) -> list[models.Model]:
    """Split ``row`` into one instance per :class:`Columns`, in order; return them and leave
    the values after them (the ``SELECT``'s extra columns) to the caller."""
    found, start = [], 0
    for part in columns:
        found.append(part.instance(row[start : start + len(part)]))
        start += len(part)
    return found
