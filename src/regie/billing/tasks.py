"""Background tasks of billing: the thin twins of :func:`run_create` and :func:`run_post`."""

from __future__ import annotations

from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from regie.billing.models import BillingRun, Invoice, RunStatus
from regie.billing.runs import run_create, run_post
from regie.core.errors import DomainError, gettext_noop
from regie.core.jobs import Progress, job_run
from regie.core.models import Job
from regie.core.money import format_cents

KIND_CREATE = "billing.run_create"
KIND_POST = "billing.run_post"


@task()
def run_create_task(job_id: int) -> None:
    """Compute the billing run of job ``job_id``: its problems or its draft invoices."""
    job_run(job_id, _create_work)


@task()
def run_post_task(job_id: int) -> None:
    """Post the billing run of job ``job_id``."""
    job_run(job_id, _post_work)


def _create_work(job: Job, progress: Progress) -> dict[str, Any]:
    run = BillingRun.objects.get(pk=job.parameters["run_id"])
    try:
        run = run_create(run, progress.advance, total=progress.total)
    except Exception:
        # The run must not stay "running" for ever: it can then be deleted and started again.
        failure = DomainError(
            "billing.run_failed",
            gettext_noop("Computing this run failed unexpectedly; delete it and start it again."),
        )
        BillingRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            status=RunStatus.ERROR, problems=[failure.to_dict()]
        )
        raise
    return {"summary": create_summary(run), "next_url": run.get_absolute_url()}


def create_summary(run: BillingRun) -> str:
    """Say what a computed run holds: its problems, or its draft invoices and their total."""
    if run.status == RunStatus.ERROR:
        count = len(run.problems)
        return ngettext(
            "The run is in error: %(count)s problem to fix; nothing was created.",
            "The run is in error: %(count)s problems to fix; nothing was created.",
            count,
        ) % {"count": count}
    invoices = Invoice.objects.filter(run=run)
    count = invoices.count()
    if not count:
        return _("Nothing to bill in this period: no invoice was created.")
    total = invoices.aggregate(total=Sum("total_cents"))["total"] or 0
    return ngettext(
        "%(count)s draft invoice, %(total)s in all.",
        "%(count)s draft invoices, %(total)s in all.",
        count,
    ) % {"count": count, "total": format_cents(total)}


def _post_work(job: Job, progress: Progress) -> dict[str, Any]:
    run = BillingRun.objects.get(pk=job.parameters["run_id"])
    progress.total(Invoice.objects.filter(run=run).count())
    run = run_post(run, progress.advance)
    numbers = list(
        Invoice.objects.filter(run=run).order_by("number").values_list("number", flat=True)
    )
    if not numbers:
        summary = _("The run is posted; it holds no invoice.")
    else:
        summary = ngettext(
            "%(count)s invoice posted, numbered %(first)s to %(last)s.",
            "%(count)s invoices posted, numbered %(first)s to %(last)s.",
            len(numbers),
        ) % {"count": len(numbers), "first": numbers[0], "last": numbers[-1]}
    return {"summary": summary, "next_url": run.get_absolute_url()}
