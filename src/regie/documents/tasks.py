"""Background jobs of documents of every kind: build a batch, send e-mails (the services'
thin twins)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from regie.core.errors import DomainError, gettext_noop
from regie.core.jobs import Progress, job_run, job_start
from regie.core.models import Job
from regie.documents.batches import batch_build
from regie.documents.mail import sendings_send
from regie.documents.models import BatchStatus, DocumentBatch, Sending

KIND_BATCH = "documents.batch"
KIND_SEND = "documents.send"


@task()
def batch_build_task(job_id: int) -> None:
    """Build the document batch of job ``job_id``."""
    job_run(job_id, _batch_work)


@task()
def sendings_send_task(job_id: int) -> None:
    """Send the queued e-mails of job ``job_id``."""
    job_run(job_id, _send_work)


def batch_start(batch: DocumentBatch, *, organisation, user) -> Job:
    """Start the job that builds ``batch`` (once the transaction commits)."""
    job = job_start(
        organisation=organisation,
        user=user,
        kind=KIND_BATCH,
        title=_("Documents: %(format)s") % {"format": batch.get_format_display()},
        task=batch_build_task,
        parameters={"batch_id": batch.pk},
    )
    DocumentBatch.objects.filter(pk=batch.pk).update(job=job)
    batch.job = job
    return job


def sendings_start(sendings: list[Sending], *, organisation, user) -> Job:
    """Start the job that sends these queued e-mails (once the transaction commits)."""
    job = job_start(
        organisation=organisation,
        user=user,
        kind=KIND_SEND,
        title=ngettext("Send %(count)s e-mail", "Send %(count)s e-mails", len(sendings))
        % {"count": len(sendings)},
        task=sendings_send_task,
        parameters={"sending_ids": [s.pk for s in sendings]},
    )
    Sending.objects.filter(pk__in=[s.pk for s in sendings]).update(job=job)
    return job


def _batch_work(job: Job, progress: Progress) -> dict[str, Any]:
    batch = DocumentBatch.objects.get(pk=job.parameters["batch_id"])
    try:
        batch = batch_build(batch, progress.advance, total=progress.total)
    except Exception:
        DocumentBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.FAILED)
        raise
    if batch.failures:
        # The job page links to the batch, which lists every failure and offers what worked.
        Job.objects.filter(pk=job.pk).update(result={"next_url": batch.get_absolute_url()})
        raise DomainError(
            "documents.batch_incomplete",
            gettext_noop(
                "%(failed)s of %(expected)s documents failed (the batch page lists them): %(first)s"
            ),
            failed=len(batch.failures),
            expected=batch.expected,
            first="; ".join(
                f"{f.get('number', f.get('invoice'))}: {f['error']}" for f in batch.failures[:3]
            ),
        )
    summary = ngettext(
        "%(count)s document is ready, checked.",
        "%(count)s documents are ready, checked.",
        batch.produced,
    ) % {"count": batch.produced}
    return {"summary": summary, "next_url": batch.get_absolute_url()}


def _send_work(job: Job, progress: Progress) -> dict[str, Any]:
    ids = job.parameters["sending_ids"]
    progress.total(len(ids))
    counts = sendings_send(ids, progress.advance)
    summary = _("%(sent)s sent, %(failed)s failed.") % counts
    url = reverse("documents:sending-list") + f"?job={job.pk}"
    return {"summary": summary, "next_url": url}
