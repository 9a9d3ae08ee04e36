"""Background tasks of attendance: the thin twins of its long services."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from regie.attendance.checking import Action, CheckCounts, days_check
from regie.attendance.models import DayStatus
from regie.core.jobs import Progress, job_run
from regie.core.models import Job

KIND_DAYS_CHECK = "attendance.days_check"
# The days list (namespace ``attendance``) and the GET parameters it filters on.
DAYS_LIST_PATH = "/attendance/days/"


def days_list_url(**params: Any) -> str:
    """Return the days list filtered on ``params`` (``status``, ``date_from``, ``date_to``...);
    a list gives the parameter once per value (``category=[3, 5]``)."""
    return f"{DAYS_LIST_PATH}?{urlencode(params, doseq=True)}" if params else DAYS_LIST_PATH


@task()
def days_check_task(job_id: int) -> None:
    """Run the verify-days wizard's job ``job_id``."""
    job_run(job_id, _days_check_work)


def _days_check_work(job: Job, progress: Progress) -> dict[str, Any]:
    parameters = job.parameters
    date_from = date.fromisoformat(parameters["date_from"])
    date_to = date.fromisoformat(parameters["date_to"])
    counts = days_check(
        date_from=date_from,
        date_to=date_to,
        actions=parameters["actions"],
        statuses=parameters["statuses"],
        progress=progress,
    )
    return {
        "summary": days_check_summary(counts, parameters["actions"]),
        "counts": vars(counts),
        "next_url": days_list_url(
            status=DayStatus.ERROR.value,
            date_from=date_from.isoformat(),
            date_to=date_to.isoformat(),
        ),
    }


def _n(value: int) -> str:
    return number_format(value, force_grouping=True)


def days_check_summary(counts: CheckCounts, actions: list[str]) -> str:
    """Say in the active language what a check did: "12,345 days verified, 67 in error"."""
    if not counts.days:
        return _("No day of this period has one of the chosen statuses.")
    parts = []
    if Action.DEDUPLICATE in actions:
        parts.append(
            ngettext(
                "%(count)s duplicate scan deactivated",
                "%(count)s duplicate scans deactivated",
                counts.duplicates,
            )
            % {"count": _n(counts.duplicates)}
        )
    if Action.VERIFY in actions:
        parts.append(
            ngettext("%(count)s day verified", "%(count)s days verified", counts.verified)
            % {"count": _n(counts.verified)}
        )
        parts.append(
            ngettext("%(count)s in error", "%(count)s in error", counts.errors)
            % {"count": _n(counts.errors)}
        )
    elif Action.RESET in actions:
        parts.append(
            ngettext(
                "%(count)s day reset to not processed",
                "%(count)s days reset to not processed",
                counts.reset,
            )
            % {"count": _n(counts.reset)}
        )
    if counts.skipped_billed:
        parts.append(
            ngettext(
                "%(count)s billed meanwhile, left as is",
                "%(count)s billed meanwhile, left as is",
                counts.skipped_billed,
            )
            % {"count": _n(counts.skipped_billed)}
        )
    return ", ".join(parts) + "."
