"""Bulk database helpers for verifying a month of a large commune.

Verifying a month reads the days, events and registrations of chunks of 2,000 days and writes
hundreds of thousands of attendances. Two ORM costs outweighed the database's own work there:

- an ``IN`` list of 2,000 ids is 2,000 parameters the ORM prepares and the driver splices into
  the query one by one; :class:`AnyOf` sends one array parameter on PostgreSQL instead;
- ``bulk_create`` builds a model instance per row and prepares every value; :func:`insert_rows`
  takes tuples, adapts them with the backend's own adapters and writes them with ``COPY`` on
  PostgreSQL (``executemany`` elsewhere); :func:`update_rows` does the same for updates. A
  JSON value may come as :class:`JsonText`, already encoded.

The row writers bypass the organisation scope: callers put ``organisation_id`` in the rows
themselves and only touch rows they have read within the scope.

:func:`run_chunks` spreads chunks over threads with their own database connections, so that
the Python work of one chunk overlaps the database work of another (PostgreSQL only: SQLite
has a single writer).
"""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections, models
from django.db.models import Lookup


class AnyOf(Lookup):
    """``lhs = ANY(%s)`` with one array of integers on PostgreSQL, ``lhs IN (...)`` elsewhere.

    Use it as an expression: ``Day.objects.filter(AnyOf(F("pk"), day_ids))``.
    """

    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self) -> list[int]:
        return sorted({int(value) for value in self.rhs})

    def as_sql(self, compiler, connection) -> tuple[str, list]:
        lhs, params = self.process_lhs(compiler, connection)
        if not self.rhs:
            raise EmptyResultSet
        sql, values = _among(lhs, self.lhs.output_field, self.rhs)
        return sql, [*params, *values]


def _among(column_sql: str, field: models.Field, ids: Sequence[int]) -> tuple[str, list]:
    if connection.vendor == "postgresql":
        # The array goes as one text literal (the driver would dump it value by value) cast to
        # the column's type: only a same-type array is probed through a hash table.
        literal = "{" + ",".join(map(str, ids)) + "}"
        return f"{column_sql} = ANY(%s::{field.cast_db_type(connection)}[])", [literal]
    return f"{column_sql} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def delete_rows(model: type[models.Model], pks: Sequence[int]) -> None:
    """Delete the rows of these primary keys in one statement, without the ORM's collector.

    For rows nothing points to any more: the database's foreign keys still refuse to delete
    the others. (The collector reads every row first, and on PostgreSQL with stale statistics
    it read the whole organisation's rows for every chunk.)
    """
    if not pks:
        return
    pk = model._meta.pk
    quote = connection.ops.quote_name
    where, params = _among(quote(pk.column), pk, sorted(set(pks)))
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {quote(model._meta.db_table)} WHERE {where}", params)  # noqa: S608


class JsonText(str):
    """A value already written as JSON text, for a JSON field: it is stored as it is."""


def _adapter(field: models.Field) -> Callable[[Any], Any] | None:
    ops = connection.ops
    if isinstance(field, models.JSONField):

        def adapt_json(value: Any) -> Any:
            if isinstance(value, JsonText):
                return str(value)
            return ops.adapt_json_value(value, field.encoder)

        return adapt_json
    if connection.vendor == "postgresql":
        return None  # the driver takes dates and times as they are
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.TimeField):
        return ops.adapt_timefield_value
    return None


def _prepare(
    model: type[models.Model], names: Sequence[str], rows: Sequence[tuple]
) -> tuple[str, list[str], list[tuple]]:
    fields = [model._meta.get_field(name) for name in names]
    adapters = [(i, a) for i, f in enumerate(fields) if (a := _adapter(f)) is not None]
    if connection.vendor == "postgresql":  # COPY takes JSON text as it is
        adapters = [(i, a) for i, a in adapters if any(type(r[i]) is not JsonText for r in rows)]
    if adapters:
        adapted = []
        for row in rows:
            values = list(row)
            for index, adapt in adapters:
                values[index] = adapt(values[index])
            adapted.append(tuple(values))
        rows = adapted
    quote = connection.ops.quote_name
    return quote(model._meta.db_table), [quote(f.column) for f in fields], list(rows)


def insert_rows(model: type[models.Model], names: Sequence[str], rows: Sequence[tuple]) -> None:
    """Insert ``rows`` (values of the fields ``names``, in that order) into ``model``'s table.

    The model's field defaults are not applied: give every column the database requires.
    """
    if not rows:
        return
    table, columns, values = _prepare(model, names, rows)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(sql, values)


def update_rows(model: type[models.Model], names: Sequence[str], rows: Sequence[tuple]) -> None:
    """Set the fields ``names`` of each row's primary key (the row's last value), one by one."""
    if not rows:
        return
    table, columns, values = _prepare(model, [*names, model._meta.pk.name], rows)
    assignments = ", ".join(f"{column} = %s" for column in columns[:-1])
    with connection.cursor() as cursor:
        sql = f"UPDATE {table} SET {assignments} WHERE {columns[-1]} = %s"  # noqa: S608
        cursor.executemany(sql, values)


T = TypeVar("T")
R = TypeVar("R")
_FINISHED = object()


def run_chunks(
    chunks: Sequence[T],
    work: Callable[[T], R],
    done: Callable[[T, R], None],
    *,
    workers: int,
) -> None:
    """Run ``work`` on every chunk in ``workers`` threads, each with its own connection.

    Each thread runs in a copy of the caller's context (so in its organisation scope), opens
    its connection when it needs one and closes it when the chunks run out. ``done`` runs in
    the calling thread, in completion order. The first error stops the threads after their
    current chunk and is raised again once they have stopped.
    """
    pending: queue.SimpleQueue = queue.SimpleQueue()
    for chunk in chunks:
        pending.put(chunk)
    finished: queue.SimpleQueue = queue.SimpleQueue()
    stop = threading.Event()

    def loop() -> None:
        try:
            while not stop.is_set():
                try:
                    chunk = pending.get_nowait()
                except queue.Empty:
                    return
                try:
                    finished.put((chunk, work(chunk), None))
                except BaseException as error:  # noqa: BLE001 - handed to the caller
                    stop.set()
                    finished.put((chunk, None, error))
        finally:
            connections.close_all()  # this thread's connections only
            finished.put(_FINISHED)

    threads = [
        threading.Thread(target=contextvars.copy_context().run, args=(loop,), daemon=True)
        for _ in range(workers)
    ]
    for thread in threads:
        thread.start()
    running, failure = len(threads), None
    while running:
        item = finished.get()
        if item is _FINISHED:
            running -= 1
            continue
        chunk, result, error = item
        if failure is None and error is None:
            try:
                done(chunk, result)
            except BaseException as exc:  # noqa: BLE001 - raised once the threads stopped
                error = exc
        if failure is None and error is not None:
            failure = error
            stop.set()
    for thread in threads:
        thread.join()
    if failure is not None:
        raise failure
