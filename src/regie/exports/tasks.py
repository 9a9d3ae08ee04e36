"""Background task of an accounting export: the thin twin of :func:`export_create`."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from regie.core.jobs import Progress, job_run
from regie.core.models import Job
from regie.core.money import format_cents
from regie.exports.models import Export
from regie.exports.services import export_create

KIND = "exports.export"


@task()
def export_task(job_id: int) -> None:
    """Make the export of job ``job_id``."""
    job_run(job_id, _work)


def _work(job: Job, progress: Progress) -> dict[str, Any]:
    parameters = job.parameters
    export = export_create(
        date_from=date.fromisoformat(parameters["date_from"]),
        date_to=date.fromisoformat(parameters["date_to"]),
        formats=parameters["formats"],
        kinds=parameters["kinds"],
        statuses=parameters.get("statuses", []),
        user=job.created_by,
        advance=progress.advance,
        total=progress.total,
    )
    return {"summary": summary(export), "next_url": export.get_absolute_url()}


def summary(export: Export) -> str:
    """Say what an export holds: documents, credit notes, amounts."""
    if not export.documents:
        if export.kinds:
            return _("Nothing new to export in this range: the export holds no document.")
        return _("The ledger's entries of the range are exported.")
    return ngettext(
        "%(count)s document exported (%(credits)s credit notes): %(debit)s invoiced, "
        "%(credit)s credited.",
        "%(count)s documents exported (%(credits)s credit notes): %(debit)s invoiced, "
        "%(credit)s credited.",
        export.documents,
    ) % {
        "count": export.documents,
        "credits": export.credits,
        "debit": format_cents(export.debit_cents),
        "credit": format_cents(export.credit_cents),
    }
