"""Certificate screens: the year's preview with every problem, building them, reading them.

Building runs in the background (:mod:`regie.certificates.tasks`); the preview runs the same
rules and writes nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from regie.certificates import services, tasks
from regie.certificates.filing import filing_file, filing_of
from regie.certificates.forms import DailyMaximumForm, FilingForm, YearForm
from regie.certificates.models import Certificate, CertificateBatch, DailyMaximum
from regie.core.errors import DomainError
from regie.core.jobs import job_start
from regie.core.models import AuditLog
from regie.core.views import audit, require_capability


def problems_shown(problems: list[dict]) -> list[dict]:
    """Return stored problems with their message in the active language."""
    return [
        {
            "code": problem["code"],
            "message": _(problem["template"]) % problem["params"],
            "fix_url": problem.get("fix_url", ""),
        }
        for problem in problems
    ]


def index(request):
    """List the years' daily maxima and batches; preview the certificates of a year."""
    require_capability(request, "finance.view")
    last_year = timezone.localdate().year - 1
    form = YearForm(request.GET if "year" in request.GET else None, initial={"year": last_year})
    context = {
        "form": form,
        "maximum_form": DailyMaximumForm(initial={"year": last_year}, prefix="maximum"),
        "maxima": DailyMaximum.objects.all(),
        "batches": CertificateBatch.objects.annotate(
            count=Count("certificates"), total=Sum("certificates__total_cents")
        ),
    }
    if form.is_valid():
        try:
            preview = services.certificates_preview(year=form.cleaned_data["year"])
        except DomainError as error:
            form.add_error("year", error.translated())
        else:
            context["preview"] = preview
            context["problems"] = problems_shown(preview.problems)
            context["persons"] = len({c.person for c in preview.certificates})
    return render(request, "certificates/index.html", context)


def maximum_set(request):
    """Set the legal daily maximum of an income year."""
    require_capability(request, "finance.edit")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = DailyMaximumForm(request.POST, prefix="maximum")
    if form.is_valid():
        services.daily_maximum_save(
            year=form.cleaned_data["year"], cents=form.cleaned_data["amount"]
        )
        messages.success(request, _("The daily maximum is saved."))
        return redirect("certificates:index")
    last_year = timezone.localdate().year - 1
    context = {
        "form": YearForm(initial={"year": last_year}),
        "maximum_form": form,
        "maxima": DailyMaximum.objects.all(),
        "batches": CertificateBatch.objects.none(),
    }
    return render(request, "certificates/index.html", context, status=400)


def build(request):
    """Start building the certificates of a year in the background."""
    require_capability(request, "finance.edit")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = YearForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an income year between 2000 and 2100."))
        return redirect("certificates:index")
    year = form.cleaned_data["year"]
    job = job_start(
        organisation=request.organisation,
        user=request.user,
        kind=tasks.KIND_BUILD,
        title=_("Tax certificates %(year)s") % {"year": year},
        task=tasks.batch_create_task,
        parameters={"year": year},
    )
    return redirect("job", pk=job.pk)


def batch_detail(request, pk: int, filing_form: FilingForm | None = None, status: int = 200):
    """Show a batch: its problems with what to fix, its certificates, the Belcotax form."""
    require_capability(request, "finance.view")
    batch = get_object_or_404(CertificateBatch, pk=pk)
    user = request.user
    filing_form = filing_form or FilingForm(
        initial={"contact": user.get_full_name() or user.username, "email": user.email}
    )
    certificates = batch.certificates.select_related("person", "child", "batch").defer(
        "batch__problems"
    )
    page = Paginator(certificates, 100).get_page(request.GET.get("page"))
    totals = certificates.aggregate(count=Count("pk"), total=Sum("total_cents"))
    context = {
        "batch": batch,
        "problems": problems_shown(batch.problems),
        "page_obj": page,
        "paginator": page.paginator,
        "totals": totals,
        "filing_form": filing_form,
    }
    return render(request, "certificates/batch_detail.html", context, status=status)


def batch_filing(request, pk: int):
    """Download the batch's Belcotax file (it carries national numbers: logged)."""
    require_capability(request, "finance.edit")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    batch = get_object_or_404(CertificateBatch, pk=pk)
    form = FilingForm(request.POST)
    if not form.is_valid():
        return batch_detail(request, pk, filing_form=form, status=400)
    try:
        filing = filing_of(batch, **form.cleaned_data)
    except DomainError as error:
        form.add_error(None, error.translated())
        return batch_detail(request, pk, filing_form=form, status=400)
    content, media_type, name = filing_file(filing)
    audit(request, action=AuditLog.Action.EXPORT, obj=batch, detail=f"Belcotax {name}")
    response = HttpResponse(content, content_type=media_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def certificate_detail(request, pk: int):
    """Show one certificate: who paid, for which child, its periods and total."""
    require_capability(request, "finance.view")
    certificate = get_object_or_404(
        Certificate.objects.select_related("person", "child", "batch"), pk=pk
    )
    return render(request, "certificates/certificate_detail.html", {"certificate": certificate})
