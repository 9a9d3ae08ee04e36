"""Bulk database helpers for verifying a month of a large commune (rows are written with
:mod:`regie.core.rows`).

- An ``IN`` list of 2,000 ids is 2,000 parameters the ORM prepares and the driver splices into
  the query one by one; :class:`AnyOf` sends one array parameter on PostgreSQL instead.
- :func:`delete_rows` deletes by primary key in one statement, without the ORM's collector,
  which reads every row first. It bypasses the organisation scope: callers delete only rows
  they have read within it.
- :func:`run_chunks` spreads chunks over threads with their own database connections, so that
  the Python work of one chunk overlaps the database work of another (PostgreSQL only: SQLite
  has a single writer).
"""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

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
