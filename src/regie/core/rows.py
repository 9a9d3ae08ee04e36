"""Write many rows at once without building a model instance per row.

``bulk_create`` and ``bulk_update`` build a model instance per row and prepare every value
through its field, and ``bulk_update`` writes one ``CASE WHEN`` per column: for a billing run
of a large commune (13,000 invoices, 330,000 lines and billed attendances, 65,000 ledger lines)
that preparation cost several times the database's own work. These helpers take plain tuples:

- :func:`ids_reserve` hands out primary keys first, so that rows pointing to new rows can be
  built before anything is written;
- :func:`rows_insert` writes tuples with ``COPY`` on PostgreSQL and ``executemany`` elsewhere;
- :func:`rows_update` sets some columns of rows known by their primary key;
- :func:`statistics_refresh` tells PostgreSQL's planner about them.

They bypass the organisation scope, ``save()`` and the querysets' guards: callers put
``organisation_id`` in the rows themselves, and write only rows of the active organisation
they have just read or created, inside their transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from enum import Enum
from typing import Any

from django.db import connection, models

CHUNK = 5000


def ids_reserve(model: type[models.Model], count: int) -> list[int]:
    """Return ``count`` new primary keys of ``model``'s table, insert them before committing.

    PostgreSQL draws them from the table's sequence. SQLite has a single writer: inside the
    caller's transaction nobody else inserts, and the keys follow the largest one ever used
    (``sqlite_sequence`` remembers deleted rows' keys), as ``AUTOINCREMENT`` would give them.
    Insert the rows before any other insert into the same table on SQLite.
    """
    if count <= 0:
        return []
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if count >= BLOCK and connection.in_atomic_block:
                return _block_reserve(cursor, table, column, count)
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        quoted = connection.ops.quote_name(table)
        cursor.execute(
            f"SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "  # noqa: S608
            f"COALESCE((SELECT MAX({connection.ops.quote_name(column)}) FROM {quoted}), 0))",
            [table],
        )
        last = cursor.fetchone()[0]
    return list(range(last + 1, last + 1 + count))


#: From this many keys on, PostgreSQL reserves them as one block (see :func:`_block_reserve`).
BLOCK = 1000


def _block_reserve(cursor, table: str, column: str, count: int) -> list[int]:
    """Reserve ``count`` consecutive keys by moving the table's sequence once.

    Drawing 330,000 keys one ``nextval`` at a time took 1.8 s of a large billing run. Moving
    the sequence past a block is safe only while nobody else draws from it: the table is
    locked against other writers (``SHARE ROW EXCLUSIVE``, until the caller's transaction
    ends); a writer that drew a key before holds its own lock on the table, so the lock waits
    for it. Callers lock tables in the order parents first (invoices, then their lines).
    """
    cursor.execute(f"LOCK TABLE {connection.ops.quote_name(table)} IN SHARE ROW EXCLUSIVE MODE")
    cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
    sequence = cursor.fetchone()[0]
    cursor.execute("SELECT nextval(%s)", [sequence])
    first = cursor.fetchone()[0]
    cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return list(range(first, first + count))


def rows_insert(model: type[models.Model], names: Sequence[str], rows: Iterable[tuple]) -> int:
    """Insert ``rows``, the values of the fields ``names`` in that order; return how many."""
    table, columns, adapt = _columns(model, names)
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The cursor's copy() is psycopg's own: map its errors to Django's (IntegrityError).
            copying = cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN")
            with connection.wrap_database_errors, copying as copy:
                for row in rows:
                    copy.write_row(adapt(row))
                    written += 1
            return written
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
        for chunk in _chunks(map(adapt, rows)):
            cursor.executemany(sql, chunk)
            written += len(chunk)
    return written


#: At most this many rows in all go through :func:`rows_insert_few` in one statement.
FEW = 100


def rows_insert_few(*tables: tuple[type[models.Model], Sequence[str], Sequence[tuple]]) -> None:
    """Insert a few rows into several tables, each ``(model, names, rows)`` as for
    :func:`rows_insert`, in one statement on PostgreSQL (a ``WITH`` of ``INSERT``s: one round
    trip where a ``COPY`` per table takes two); elsewhere, or for more than :data:`FEW` rows,
    table after table with :func:`rows_insert`.

    The tables' rows are written by the same statement: a foreign key between them must be
    checked at commit (Django's are, on PostgreSQL: ``DEFERRABLE INITIALLY DEFERRED``).
    """
    tables = tuple((model, names, list(rows)) for model, names, rows in tables)
    tables = tuple(table for table in tables if table[2])
    if not tables:
        return
    if connection.vendor != "postgresql" or sum(len(t[2]) for t in tables) > FEW:
        for model, names, rows in tables:
            rows_insert(model, names, rows)
        return
    parts, params = [], []
    for model, names, rows in tables:
        table, columns, _ = _columns(model, names)
        marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
        values = ", ".join([marks] * len(rows))
        parts.append(f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values}")  # noqa: S608
        params.extend(value for row in rows for value in row)
    *first, last = parts
    before = ", ".join(f"t{n} AS ({part})" for n, part in enumerate(first))
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {before} {last}" if before else last, params)


def instances_insert(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert unsaved instances of ``model`` as ``bulk_create`` would, at a fraction of its
    cost: keys reserved first and set on the instances, values read as they stand (related
    objects' keys, ``auto_now_add`` filled in), rows written by :func:`rows_insert`.

    For models without JSON fields nor custom field types (values go to the driver as they
    are); ``save()`` is not called, as with ``bulk_create``.
    """
    if not objs:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    names = [model._meta.pk.name] + [f.name for f in fields]

    def row(pk: int, obj: models.Model) -> tuple:
        obj._prepare_related_fields_for_save(operation_name="instances_insert")
        obj.pk = pk
        obj._state.adding, obj._state.db = False, connection.alias
        values = [pk]
        for field in fields:
            value = field.pre_save(obj, True)
            values.append(value.value if isinstance(value, Enum) else value)
        return tuple(values)

    ids = ids_reserve(model, len(objs))
    rows_insert(model, names, (row(pk, obj) for pk, obj in zip(ids, objs, strict=True)))


def rows_update(model: type[models.Model], names: Sequence[str], rows: Iterable[tuple]) -> None:
    """Set the fields ``names`` of each row whose primary key is the row's last value."""
    table, columns, adapt = _columns(model, [*names, model._meta.pk.name])
    assignments = ", ".join(f"{column} = %s" for column in columns[:-1])
    sql = f"UPDATE {table} SET {assignments} WHERE {columns[-1]} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        for chunk in _chunks(map(adapt, rows)):
            cursor.executemany(sql, chunk)


def statistics_refresh(*models: type[models.Model]) -> None:
    """Let PostgreSQL's planner see the rows just written (``ANALYZE``; elsewhere nothing).

    Autovacuum refreshes a table's statistics a while after many rows changed; a query on
    those rows before then is planned as if the table were still small, with nested loops
    over hundreds of thousands of rows. Sampling a table takes a fraction of a second.
    """
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


def _chunks(rows: Iterable[tuple]) -> Iterable[list[tuple]]:
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _columns(model, names) -> tuple[str, list[str], Callable[[tuple], tuple]]:
    """Return the quoted table and columns, and a function adapting a row's values."""
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in names]
    adapters = [(i, adapter) for i, f in enumerate(fields) if (adapter := _adapter(f))]

    def adapt(row: tuple) -> tuple:
        if not adapters:
            return row
        values = list(row)
        for index, adapter in adapters:
            values[index] = adapter(values[index])
        return tuple(values)

    return quote(model._meta.db_table), [quote(f.column) for f in fields], adapt


def _adapter(field: models.Field) -> Callable[[Any], Any] | None:
    """Return the backend's adapter of a field's values, when plain values need one."""
    ops = connection.ops
    if connection.vendor == "postgresql":  # psycopg adapts dates, times and datetimes itself
        return None
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.TimeField):
        return ops.adapt_timefield_value
    return None
