"""Background jobs the user can watch: a :class:`~regie.core.models.Job` row per run.

A view calls :func:`job_start` with a django-tasks task; the task (enqueued once the
transaction commits) calls :func:`job_run`, which activates the job's organisation, marks it
running, hands a :class:`Progress` to the work and records the result or the failure. The job
page polls :func:`regie.core.views.job_status` for the progress bar.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.db import router, transaction
from django.utils import timezone, translation

from regie.core.errors import DomainError
from regie.core.models import Job, Organisation
from regie.core.tenancy import scope

logger = logging.getLogger(__name__)


class Progress:
    """Count work done and write it to the job at most a few times per second."""

    def __init__(self, job: Job, interval: float = 0.5) -> None:
        self.job = job
        self.interval = interval
        self._written = 0.0

    def total(self, total: int) -> None:
        self.job.total = total
        self._write(force=True)

    def advance(self, count: int = 1) -> None:
        self.job.done += count
        self._write()

    def _write(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._written >= self.interval:
            Job.unscoped_objects.filter(pk=self.job.pk).update(
                done=self.job.done, total=self.job.total
            )
            self._written = now


def enqueue_with_transaction(task, **kwargs) -> None:
    """Enqueue ``task(**kwargs)`` so that it runs only once the current transaction commits.

    With the database backend (``django_tasks_db``, in production) the task is a row written
    in the same transaction as the rows it needs: the worker sees both or neither, and the
    commit that writes them writes the task too (one commit, not two: a recorded online
    payment's call-back). With any other backend (the immediate one of the tests) the task is
    enqueued at commit, as :func:`transaction.on_commit` does.
    """
    from django_tasks_db.backend import DatabaseBackend

    connection = transaction.get_connection()
    if connection.in_atomic_block and isinstance(task.get_backend(), DatabaseBackend):
        from django_tasks_db.models import DBTaskResult

        if router.db_for_write(DBTaskResult) == connection.alias:
            task.enqueue(**kwargs)
            return
    transaction.on_commit(lambda: task.enqueue(**kwargs))


def job_start(
    *,
    organisation: Organisation,
    user,
    kind: str,
    title: str,
    task,
    parameters: dict[str, Any],
) -> Job:
    """Create a queued job and enqueue ``task(job_id=...)`` once the transaction commits.

    A title longer than the column (a long uploaded file name) is shortened with "…"."""
    limit = Job._meta.get_field("title").max_length
    job = Job.unscoped_objects.create(
        organisation=organisation,
        kind=kind,
        title=title if len(title) <= limit else title[: limit - 1] + "…",
        parameters=parameters,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    transaction.on_commit(lambda: task.enqueue(job_id=job.pk))
    return job


def job_run(job_id: int, work: Callable[[Job, Progress], dict[str, Any]]) -> None:
    """Run ``work`` for a job inside its organisation and record how it ended."""
    job = Job.unscoped_objects.select_related("organisation", "created_by").get(pk=job_id)
    if job.finished:
        return
    Job.unscoped_objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)
    job.status = Job.Status.RUNNING
    language = getattr(job.created_by, "language", "") or job.organisation.language
    try:
        with scope(job.organisation), translation.override(language):
            result = work(job, Progress(job))
    except DomainError as error:  # its code and template are kept, to translate it again
        # What the work recorded before failing (a link to what it produced) is kept.
        recorded = Job.unscoped_objects.filter(pk=job.pk).values_list("result", flat=True)[0]
        with translation.override(language):
            _finish_safely(
                job,
                Job.Status.FAILED,
                error=error.translated(),
                result={**(recorded or {}), "error": error.to_dict()},
            )
    except Exception as error:  # a job must never stay "running" forever
        logger.exception("job %s failed", job.pk)
        _finish_safely(job, Job.Status.FAILED, error=f"{type(error).__name__}: {error}")
    else:
        _finish_safely(job, Job.Status.DONE, result=result or {})


def _finish_safely(job: Job, status: str, *, result: dict | None = None, error: str = "") -> None:
    """Record how the job ended; when its result cannot be stored, end it failed all the same."""
    try:
        _finish(job, status, result=result, error=error)
    except Exception as failure:  # the safety net: never leave a job "running"
        logger.exception("job %s: its outcome could not be recorded", job.pk)
        message = error or f"{type(failure).__name__}: {failure}"
        _finish(job, Job.Status.FAILED, error=message)


def _finish(job: Job, status: str, *, result: dict | None = None, error: str = "") -> None:
    fields = {"status": status, "error": error, "finished_at": timezone.now(), "done": job.done}
    if result is not None:
        fields["result"] = result
        if job.total and status == Job.Status.DONE:
            fields["done"] = job.total
    with transaction.atomic():  # a failure rolls back this write only, not the caller's work
        Job.unscoped_objects.filter(pk=job.pk).update(**fields)
