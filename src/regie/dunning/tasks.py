"""Background tasks of collection: the thin twin of :func:`~regie.dunning.reminders.run_create`."""

from __future__ import annotations

from typing import Any

from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from regie.core.jobs import Progress, job_run
from regie.core.models import Job
from regie.core.money import format_cents
from regie.dunning.models import Reminder, ReminderRun, RunStatus
from regie.dunning.reminders import run_create

KIND_RUN = "dunning.run_create"


@task()
def run_create_task(job_id: int) -> None:
    """Create the reminders of the run of job ``job_id``."""
    job_run(job_id, _run_work)


def _run_work(job: Job, progress: Progress) -> dict[str, Any]:
    run = ReminderRun.objects.select_related("level__policy").get(pk=job.parameters["run_id"])
    try:
        run = run_create(run, progress.advance, total=progress.total)
    except Exception:
        ReminderRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            status=RunStatus.FAILED
        )
        raise
    return {"summary": run_summary(run), "next_url": reverse("dunning:run", args=[run.pk])}


def run_summary(run: ReminderRun) -> str:
    """Say what a run created: its reminders, their total, and the persons left out."""
    reminders = Reminder.objects.filter(run=run)
    count = reminders.count()
    totals = reminders.aggregate(principal=Sum("principal_cents"), fees=Sum("fee_cents"))
    total = (totals["principal"] or 0) + (totals["fees"] or 0)
    text = ngettext(
        "%(count)s reminder created, %(total)s in all.",
        "%(count)s reminders created, %(total)s in all.",
        count,
    ) % {"count": count, "total": format_cents(total)}
    if run.problems:
        text += " " + _("%(count)s persons left out: see the problems.") % {
            "count": len(run.problems)
        }
    return text
