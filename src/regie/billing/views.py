"""Billing run screens ("facturier"): the list, a new run with its preview, a run's page.

Computing and posting a run run in the background (:mod:`regie.billing.tasks`); the views
start the job and send the user to its progress page, which ends with a link to the run.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import generic

from regie.billing import fixes, runs, selectors, tasks
from regie.billing.forms import RunForm
from regie.billing.models import BillingRun, Invoice, RunStatus
from regie.billing.preview import run_preview
from regie.core.errors import DomainError
from regie.core.jobs import job_start
from regie.core.models import Job
from regie.core.once import once_view
from regie.core.permissions import role_can
from regie.core.views import CapabilityRequiredMixin, require_capability
from regie.exports.lists import ListColumn, ListExportMixin, export_answer, wants_export
from regie.exports.xlsx import DATE, MONEY

RUN_CSS = {
    RunStatus.RUNNING: "status-new",
    RunStatus.ERROR: "status-error",
    RunStatus.DRAFT: "status-new",
    RunStatus.POSTING: "status-new",
    RunStatus.POSTED: "status-ok",
}
STATUS_CSS = {
    selectors.Status.DRAFT: "status-new",
    selectors.Status.OPEN: "status-new",
    selectors.Status.PARTLY_PAID: "status-new",
    selectors.Status.PAID: "status-ok",
    selectors.Status.OVERDUE: "status-error",
    selectors.Status.CREDITED: "status-billed",
    selectors.Status.CREDIT_NOTE: "status-billed",
}


def with_status_labels(invoices):
    """Give each invoice (annotated with its balance) its status, label and CSS class."""
    for invoice in invoices:
        invoice.status = selectors.status_of(invoice)
        invoice.status_label = selectors.Status.LABELS[invoice.status]
        invoice.status_css = STATUS_CSS[invoice.status]
    return invoices


class RunList(ListExportMixin, CapabilityRequiredMixin, generic.ListView):
    """The billing runs, newest first, with their invoices' count and total (and its export)."""

    capability = "finance.view"
    template_name = "billing/run_list.html"
    paginate_by = 50
    export_name = "facturiers"
    export_title = gettext_lazy("Billing runs")

    def get(self, request, *args, **kwargs):
        if not wants_export(request):
            return super().get(request, *args, **kwargs)
        return export_answer(
            request,
            self.get_queryset().annotate(
                site_label=Coalesce("site__name", Value(str(_("All schools"))))
            ),
            name=self.export_name,
            title=self.export_title,
            columns=self.run_columns(),
        )

    def run_columns(self) -> tuple[ListColumn, ...]:
        """The screen's columns; a run's categories are read once for the whole export."""
        links = BillingRun.categories.through.objects.filter(
            billingrun__in=BillingRun.objects.all()
        )
        names: dict[int, list[str]] = {}
        for run_id, name in links.values_list("billingrun_id", "activitycategory__name").order_by(
            "activitycategory__name"
        ):
            names.setdefault(run_id, []).append(name)
        return (
            ListColumn(gettext_lazy("Period start"), "date_from", DATE),
            ListColumn(gettext_lazy("Period end"), "date_to", DATE),
            ListColumn(gettext_lazy("Activity categories"), "pk",
                       display=lambda pk: ", ".join(names.get(pk, ()))),
            ListColumn(gettext_lazy("School site"), "site_label"),
            ListColumn(gettext_lazy("Invoice date"), "invoice_date", DATE),
            ListColumn(gettext_lazy("Due date"), "due_date", DATE),
            ListColumn(gettext_lazy("Status"), "status",
                       display=lambda v: str(RunStatus(v).label)),
            ListColumn(gettext_lazy("Invoices"), "invoice_count"),
            ListColumn(gettext_lazy("Total"), "total_cents", MONEY),
        )  # fmt: skip

    def get_queryset(self):
        runs = BillingRun.objects.all()
        if self.request.GET.get("status") in RunStatus.values:
            runs = runs.filter(status=self.request.GET["status"])
        return (
            runs.select_related("site")
            .prefetch_related("categories")
            .annotate(invoice_count=Count("invoices"), total_cents=Sum("invoices__total_cents"))
            .order_by("-created_at", "-pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for run in context["object_list"]:
            run.css = RUN_CSS[run.status]
        return context


def run_left_out_stored(run: BillingRun) -> selectors.LeftOut:
    """Return what a run left out as it stored it (the attendances), with the days' link."""
    url = selectors.left_out_url(
        date_from=run.date_from,
        date_to=run.date_to,
        category_ids=[category.pk for category in run.categories.all()],
        site_id=run.site_id,
    )
    return selectors.LeftOut(None, run.unverified, url)


def _creating(request) -> bool:
    return "create" in request.POST


@once_view(when=_creating)
def run_new(request):
    """Describe a run, preview it (counts and every problem), then create its invoices."""
    require_capability(request, "finance.edit")
    form = RunForm(request.POST or None, initial=RunForm.defaults())
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        if "create" in request.POST:
            return _start_create(request, form)
        run = form.run()
        preview = run_preview(run, [c.pk for c in form.cleaned_data["categories"]])
        context.update(
            preview=preview,
            problems=fixes.problems_shown(
                preview.problems,
                date_from=run.date_from,
                date_to=run.date_to,
                can_configure=role_can(request.role, "activities.edit"),
            ),
        )
    return render(request, "billing/run_form.html", context)


def _start_create(request, form: RunForm):
    try:
        job = runs.run_start(user=request.user, **form.cleaned_data)
    except DomainError as error:
        form.add_error(None, error.translated())
        return render(request, "billing/run_form.html", {"form": form})
    return redirect("job", pk=job.pk)


def start_job(request, run: BillingRun, kind: str, title: str, task):
    """Start a background job on a run and send the user to its progress page."""
    job = job_start(
        organisation=request.organisation,
        user=request.user,
        kind=kind,
        title=title,
        task=task,
        parameters={"run_id": run.pk},
    )
    return redirect("job", pk=job.pk)


def confirm(request, *, title: str, explanation: str, button: str, back: str):
    """Return the page that asks to confirm an action before it is posted."""
    context = {"title": title, "explanation": explanation, "button": button, "back": back}
    return render(request, "billing/confirm.html", context)


def _get_run(pk: int) -> BillingRun:
    return get_object_or_404(
        BillingRun.objects.select_related("site", "created_by").prefetch_related("categories"),
        pk=pk,
    )


def run_detail(request, pk: int):
    """Show a run: status, problems with their fixes, invoices with totals, actions."""
    require_capability(request, "finance.view")
    run = _get_run(pk)
    invoices = selectors.with_line_count(
        selectors.with_balance(Invoice.objects.filter(run=run).select_related("person"))
    ).order_by("person__last_name", "person__first_name", "pk")
    page = Paginator(invoices, 100).get_page(request.GET.get("page"))
    with_status_labels(page.object_list)
    totals = selectors.with_balance(Invoice.objects.filter(run=run)).aggregate(
        count=Count("pk"),
        total=Sum("total_cents"),
        open=Sum("open_cents", filter=Q(posted_at__isnull=False)),
    )
    jobs = Job.objects.filter(
        kind__in=[tasks.KIND_CREATE, tasks.KIND_POST], parameters__run_id=run.pk
    )
    return render(
        request,
        "billing/run_detail.html",
        {
            "run": run,
            "css": RUN_CSS[run.status],
            "problems": fixes.problems_shown(
                run.problems,
                date_from=run.date_from,
                date_to=run.date_to,
                can_configure=role_can(request.role, "activities.edit"),
            ),
            "left_out": run_left_out_stored(run),
            "page_obj": page,
            "paginator": page.paginator,
            "totals": totals,
            "jobs": jobs,
            "invoices_query": f"run={run.pk}",  # the invoices list's export of the run
            "deletable": run.status in (RunStatus.DRAFT, RunStatus.ERROR),
            "postable": run.status == RunStatus.DRAFT,
        },
    )


def run_delete(request, pk: int):
    """Delete a run in error or with draft invoices (after confirmation)."""
    require_capability(request, "finance.edit")
    run = _get_run(pk)
    if run.status not in (RunStatus.DRAFT, RunStatus.ERROR):
        messages.error(request, _("Only a run in error or with draft invoices can be deleted."))
        return redirect(run)
    if request.method != "POST":
        return confirm(
            request,
            title=_("Delete the billing run %(run)s") % {"run": run},
            explanation=_(
                "Its draft invoices are deleted and its attendances become billable again; "
                "no number was given yet."
            ),
            button=_("Delete the run"),
            back=run.get_absolute_url(),
        )
    try:
        runs.run_delete(run)
    except DomainError as error:
        messages.error(request, error.translated())
        return redirect(run)
    messages.success(request, _("The billing run was deleted."))
    return redirect("billing:run-list")


@once_view
def run_post(request, pk: int):
    """Post a run with draft invoices in the background (after confirmation)."""
    require_capability(request, "finance.edit")
    run = _get_run(pk)
    if run.status != RunStatus.DRAFT:
        messages.error(request, _("Only a run with draft invoices can be posted."))
        return redirect(run)
    if request.method != "POST":
        count = Invoice.objects.filter(run=run).count()
        return confirm(
            request,
            title=_("Post the billing run %(run)s") % {"run": run},
            explanation=ngettext(
                "Its %(count)s invoice gets its number and structured communication, its "
                "attendances become billed and the accounting entries are written. A posted "
                "invoice is never changed: it can only be credited.",
                "Its %(count)s invoices get their numbers and structured communications, "
                "their attendances become billed and the accounting entries are written. A "
                "posted invoice is never changed: it can only be credited.",
                count,
            )
            % {"count": count},
            button=_("Post the run"),
            back=run.get_absolute_url(),
        )
    title = _("Billing run %(run)s: post the invoices") % {"run": run}
    return start_job(request, run, tasks.KIND_POST, title, tasks.run_post_task)
