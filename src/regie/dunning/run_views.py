"""Reminder run screens: the list, a new run with its preview, a run's page.

Creating the reminders runs in the background (:mod:`regie.dunning.tasks`): the view records
the run, starts the job and sends the user to its progress page, which ends on the run.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import CharField, Count, Sum, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from regie.core.errors import DomainError
from regie.core.jobs import job_start
from regie.core.models import Job
from regie.core.once import once_view
from regie.core.views import require_capability
from regie.dunning import listing, tasks
from regie.dunning.forms import RunForm
from regie.dunning.models import Reminder, ReminderRun, RunStatus
from regie.dunning.reminder_views import REMINDER_COLUMNS
from regie.dunning.reminders import run_start
from regie.dunning.selectors import run_preview
from regie.exports.lists import ListColumn, export_answer, export_query, wants_export
from regie.exports.xlsx import DATE, MONEY

RUN_CSS = {
    RunStatus.RUNNING: "status-new",
    RunStatus.DONE: "status-ok",
    RunStatus.FAILED: "status-error",
}
RUN_COLUMNS = (
    ListColumn(_lazy("Run date"), "run_date", DATE),
    ListColumn(_lazy("Policy"), "level__policy__name"),
    ListColumn(_lazy("Level"), "level_label"),
    ListColumn(_lazy("Due date"), "due_date", DATE),
    ListColumn(_lazy("Status"), "status", display=lambda v: str(RunStatus(v).label)),
    ListColumn(_lazy("Reminders"), "count"),
    ListColumn(_lazy("Total"), "total_due", MONEY),
)


def run_list(request):
    """List the reminder runs, newest first, with their reminders' count and total."""
    require_capability(request, "finance.view")
    runs = (
        ReminderRun.objects.select_related("level__policy")
        .annotate(
            count=Count("reminders"),
            principal=Sum("reminders__principal_cents"),
            fees=Sum("reminders__fee_cents"),
        )
        .order_by("-run_date", "-pk")
    )
    if wants_export(request):
        rows = runs.annotate(
            level_label=Concat(
                Cast("level__number", CharField()), Value(". "), "level__name",
                output_field=CharField(),
            ),
            total_due=Coalesce("principal", 0) + Coalesce("fees", 0),
        )  # fmt: skip
        return export_answer(
            request, rows, name="rappels-lancements", title=_lazy("Reminder runs"),
            columns=RUN_COLUMNS,
        )  # fmt: skip
    page = Paginator(runs, 50).get_page(request.GET.get("page"))
    for run in page.object_list:
        run.css = RUN_CSS[run.status]
        run.total_cents = (run.principal or 0) + (run.fees or 0)
    context = {
        "page_obj": page,
        "paginator": page.paginator,
        "runs": page.object_list,
        "export_query": export_query(request),
    }
    return render(request, "dunning/run_list.html", context)


def _creating(request) -> bool:
    return "create" in request.POST


@once_view(when=_creating)
def run_new(request):
    """Describe a run, preview it (who gets what, every problem), then create it."""
    require_capability(request, "finance.edit")
    form = RunForm(request.POST or None)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if "create" in request.POST:
            try:
                with transaction.atomic():  # the run and its job, or neither
                    run = run_start(user=request.user, **data)
                    job = job_start(
                        organisation=request.organisation,
                        user=request.user,
                        kind=tasks.KIND_RUN,
                        title=_("Reminder run %(run)s") % {"run": run},
                        task=tasks.run_create_task,
                        parameters={"run_id": run.pk},
                    )
            except DomainError as error:
                form.add_error(None, error.translated())
            else:
                return redirect("job", pk=job.pk)
        else:
            preview = run_preview(data["level"], data["run_date"])
            context.update(preview=preview, problems=problems_shown(preview.problems))
    return render(request, "dunning/run_form.html", context)


def problems_shown(errors) -> list[dict]:
    """Return each problem's message and the person whose record fixes it."""
    return [{"message": e.translated(), "person_id": e.params.get("person_id")} for e in errors]


def run_detail(request, pk: int):
    """Show a run: its level and dates, the problems left out, its reminders (``?export=xlsx``
    or ``csv`` exports them all, in the page's order, with the reminders list's columns)."""
    require_capability(request, "finance.view")
    run = get_object_or_404(ReminderRun.objects.select_related("level__policy"), pk=pk)
    reminders = listing.with_reminder_state(
        Reminder.objects.filter(run=run).select_related("person", "level")
    ).order_by("person__last_name", "person__first_name", "pk")
    today = timezone.localdate()
    if wants_export(request):
        return export_answer(
            request,
            listing.with_export_columns(reminders, today),
            name=f"rappels-{run.run_date.isoformat()}-niveau-{run.level.number}",
            title=_lazy("Reminders"),
            columns=REMINDER_COLUMNS,
        )
    page = Paginator(reminders, 100).get_page(request.GET.get("page"))
    listing.with_status_labels(page.object_list, today)
    totals = Reminder.objects.filter(run=run).aggregate(
        principal=Sum("principal_cents"), fees=Sum("fee_cents")
    )
    jobs = Job.objects.filter(kind=tasks.KIND_RUN, parameters__run_id=run.pk)
    context = {
        "run": run,
        "css": RUN_CSS[run.status],
        "problems": problems_shown(DomainError.from_dict(p) for p in run.problems),
        "page_obj": page,
        "paginator": page.paginator,
        "total_cents": (totals["principal"] or 0) + (totals["fees"] or 0),
        "fees_cents": totals["fees"] or 0,
        "jobs": jobs,
    }
    return render(request, "dunning/run_detail.html", context)
