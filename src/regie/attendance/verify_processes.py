"""Verify the chunks of a large verification in worker processes (PostgreSQL).

The engine is Python: two threads share one core for it (Python's GIL), two processes use
both. The workers are started fresh ("spawn": never forked from a process that holds
database connections) and set Django up themselves, so this module imports no model at
import time: a worker unpickles its functions before Django is ready.

Each chunk is verified and committed in its worker, exactly as in the calling process
(:func:`regie.attendance.verifying._verify_chunk`); the caller adds up the counts and reports
progress as chunks finish. A chunk that fails stops the verification: the chunks not started
are cancelled and the error is raised in the caller, with the worker's traceback.
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import date
from typing import Any

#: The connection settings a worker copies from its caller: the caller may use a database
#: other than the settings' (the test database, for instance).
DATABASE_KEYS = ("NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS")

Chunk = Sequence[tuple[int, int, date]]


class ChunkFailed(RuntimeError):
    """A chunk failed in a worker process; the message holds the worker's traceback."""


def chunks_verify(
    chunks: Sequence[Chunk],
    *,
    workers: int,
    reset_only: bool,
    done: Callable[[Chunk, Any], None],
) -> None:
    """Verify ``chunks`` in ``workers`` processes; call ``done(chunk, counts)`` for each."""
    from django.db import connection

    from regie.core.tenancy import current_organisation

    database = {key: connection.settings_dict[key] for key in DATABASE_KEYS}
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_worker_start,
        initargs=(database, current_organisation().pk),
    )
    with pool:
        futures = {pool.submit(_chunk_verify, list(chunk), reset_only): chunk for chunk in chunks}
        try:
            for future in as_completed(futures):
                done(futures[future], future.result())
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


#: In a worker: the organisation's id, then its verification setup, read once.
_worker: dict[str, Any] = {}


def _worker_start(database: dict[str, Any], organisation_id: int) -> None:
    import django

    django.setup()
    from django.db import connections

    connections["default"].settings_dict.update(database)
    _worker["organisation_id"] = organisation_id


def _chunk_verify(chunk: Chunk, reset_only: bool):
    from regie.attendance import verifying
    from regie.core.models import Organisation
    from regie.core.tenancy import scope

    try:
        organisation = Organisation.objects.get(pk=_worker["organisation_id"])
        with scope(organisation):
            if "setup" not in _worker:
                setup = verifying._Setup()
                setup.read_all_levels()
                _worker["setup"] = setup
            counts = verifying.VerifyCounts()
            verifying._verify_chunk(chunk, _worker["setup"], counts, reset_only)
            return counts
    except Exception as error:
        # Not every exception survives pickling back to the caller: send its text instead.
        raise ChunkFailed(traceback.format_exc()) from error
