"""Background task of certificates: the thin twin of :func:`.services.batch_create`."""

from __future__ import annotations

from typing import Any

from django.utils.translation import ngettext
from django_tasks import task

from regie.certificates.services import batch_create
from regie.core.jobs import Progress, job_run
from regie.core.models import Job
from regie.core.money import format_cents

KIND_BUILD = "certificates.batch_create"


@task()
def batch_create_task(job_id: int) -> None:
    """Build the certificates of the income year of job ``job_id``."""
    job_run(job_id, _build_work)


def _build_work(job: Job, progress: Progress) -> dict[str, Any]:
    batch = batch_create(year=job.parameters["year"], user=job.created_by, advance=progress.advance)
    count = batch.certificates.count()
    total = sum(batch.certificates.values_list("total_cents", flat=True))
    summary = ngettext(
        "%(count)s certificate built, %(total)s in all.",
        "%(count)s certificates built, %(total)s in all.",
        count,
    ) % {"count": count, "total": format_cents(total)}
    return {"summary": summary, "next_url": batch.get_absolute_url()}
