"""Background tasks of payments: the bank file import, the thin twin of ``statements_import``.

The uploaded bytes travel in the job's parameters (base64) and are dropped from them once the
import has run, so the jobs table does not keep every bank file twice.
"""

from __future__ import annotations

import base64
from typing import Any

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from regie.core.jobs import Progress, job_run, job_start
from regie.core.models import Job
from regie.core.money import format_cents
from regie.payments.imports import ImportResult, statements_import
from regie.payments.statement_check import check_data

KIND_IMPORT = "payments.statements_import"


def import_parameters(name: str, data: bytes) -> dict[str, str]:
    """Return the job parameters carrying an uploaded file."""
    return {"name": name, "data": base64.b64encode(data).decode("ascii")}


def import_job_start(*, organisation, user, name: str, data: bytes) -> Job:
    """Start the background import of an uploaded bank file (back-office and API alike)."""
    return job_start(
        organisation=organisation,
        user=user,
        kind=KIND_IMPORT,
        title=_("Import of the bank file %(name)s") % {"name": name},
        task=statements_import_task,
        parameters=import_parameters(name, data),
    )


@task()
def statements_import_task(job_id: int) -> None:
    """Import the bank file of job ``job_id``."""
    job_run(job_id, _import_work)


def _import_work(job: Job, progress: Progress) -> dict[str, Any]:
    name = job.parameters["name"]
    try:
        data = base64.b64decode(job.parameters["data"])
        checked = check_data(data, name)
        if checked.errors:
            raise checked.errors[0]  # the parser's reason, translated by job_run
        progress.total(sum(statement.movements for statement in checked.statements))
        result = statements_import(
            data=data, name=name, user=job.created_by, progress=progress.advance
        )
    finally:
        Job.objects.filter(pk=job.pk).update(parameters={"name": name})
    return {
        "summary": import_summary(result),
        "counts": {
            "new": result.new,
            "known": result.known,
            "accepted": result.accepted,
            "rejected": result.rejected,
            "accepted_cents": result.accepted_cents,
            "rejected_cents": result.rejected_cents,
            "gaps": result.gaps,
            "already_imported": result.already_imported,
        },
        "file_id": result.file.pk,
        "next_url": reverse("payments:file-detail", args=[result.file.pk]),
    }


def import_summary(result: ImportResult) -> str:
    """Say what an import did, in the active language."""
    if result.already_imported:
        return _(
            "This file was already imported on %(date)s as “%(name)s”: nothing was imported again."
        ) % {
            "date": date_format(localtime(result.file.imported_at), "SHORT_DATE_FORMAT"),
            "name": result.file.name,
        }
    parts = [
        ngettext("%(count)s new movement", "%(count)s new movements", result.new)
        % {"count": result.new},
        ngettext("%(count)s already imported", "%(count)s already imported", result.known)
        % {"count": result.known},
        ngettext(
            "%(count)s accepted (%(total)s)", "%(count)s accepted (%(total)s)", result.accepted
        )
        % {"count": result.accepted, "total": format_cents(result.accepted_cents)},
        ngettext(
            "%(count)s rejected to correct (%(total)s)",
            "%(count)s rejected to correct (%(total)s)",
            result.rejected,
        )
        % {"count": result.rejected, "total": format_cents(result.rejected_cents)},
    ]
    summary = ", ".join(parts) + "."
    if result.gaps:
        summary += " " + _(
            "These statements do not follow the previous one (a statement is missing): "
            "%(statements)s."
        ) % {"statements": ", ".join(result.gaps)}
    for warning in result.warnings:
        summary += " " + warning.translated()
    return summary
