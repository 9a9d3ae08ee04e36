"""Screens of the accounting exports: the list, a new export, an export, its files, settings."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from regie.activities.models import ActivityCategory
from regie.core.errors import DomainError
from regie.core.jobs import job_start
from regie.core.models import AuditLog
from regie.core.views import audit, require_capability
from regie.exports import tasks
from regie.exports.forms import ArticleForm, ExportForm, SettingsForm, previous_month
from regie.exports.models import BudgetArticle, Export, ExportFile
from regie.exports.services import export_file_read, export_settings_save
from regie.exports.sources import settings_of


@require_GET
def export_list(request):
    """List the exports, newest first: period, counts, totals, who, when, files."""
    require_capability(request, "finance.view")
    exports = Export.objects.select_related("created_by").prefetch_related("files")
    page = Paginator(exports, 50).get_page(request.GET.get("page"))
    return render(request, "exports/export_list.html", {"page": page})


@require_http_methods(["GET", "POST"])
def export_new(request):
    """Ask for a range, documents and formats, then start the export as a background job."""
    require_capability(request, "finance.edit")
    if request.method == "POST":
        form = ExportForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            job = job_start(
                organisation=request.organisation,
                user=request.user,
                kind=tasks.KIND,
                title=_("Accounting export %(from)s – %(to)s")
                % {"from": f"{data['date_from']:%d/%m/%Y}", "to": f"{data['date_to']:%d/%m/%Y}"},
                task=tasks.export_task,
                parameters={
                    "date_from": data["date_from"].isoformat(),
                    "date_to": data["date_to"].isoformat(),
                    "kinds": data["kinds"],
                    "statuses": data["statuses"],
                    "formats": data["formats"],
                },
            )
            return redirect("job", pk=job.pk)
    else:
        first, last = previous_month(timezone.localdate())
        form = ExportForm(
            initial={
                "date_from": first,
                "date_to": last,
                "kinds": ["invoice", "credit_note", "reminder_fee", "service_fee"],
                "formats": ["csv", "ubl"],
            }
        )
    return render(request, "exports/export_form.html", {"form": form})


@require_GET
def export_detail(request, pk: int):
    """Show an export: what, when, by whom, its files with their hashes, its documents."""
    require_capability(request, "finance.view")
    export = get_object_or_404(Export.objects.select_related("created_by"), pk=pk)
    items = export.items.select_related("person").order_by("document_date", "number", "pk")
    page = Paginator(items, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "exports/export_detail.html",
        {"export": export, "files": export.files.all(), "page": page},
    )


@require_GET
@never_cache
def export_file(request, pk: int):
    """Return a file of an export exactly as it was written (its SHA-256 checked)."""
    require_capability(request, "finance.view")
    export_file = get_object_or_404(ExportFile.objects.select_related("export"), pk=pk)
    try:
        content = export_file_read(export_file)
    except (DomainError, OSError) as error:
        message = error.translated() if isinstance(error, DomainError) else ""
        raise Http404(message or _("This file is missing.")) from error
    if export_file.export.national_numbers:
        audit(request, action=AuditLog.Action.EXPORT, obj=export_file.export,
              detail=f"{export_file.name} national numbers")  # fmt: skip
    kind = "application/zip" if export_file.name.endswith(".zip") else "text/csv; charset=utf-8"
    if export_file.name.endswith(".txt"):
        kind = "text/plain; charset=utf-8"
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{export_file.name}"'
    return response


def _article_forms(request, categories):
    existing = {a.category_id: a for a in BudgetArticle.objects.all()}
    data = request.POST if request.method == "POST" else None
    return [
        ArticleForm(data, instance=existing.get(c.pk), category=c, prefix=f"category-{c.pk}")
        for c in categories
    ]


@require_http_methods(["GET", "POST"])
def export_settings(request):
    """Edit the export settings and the budget article and VAT of each activity category."""
    require_capability(request, "finance.view")
    if request.method == "POST":
        require_capability(request, "finance.edit")
    categories = list(ActivityCategory.objects.order_by("name"))
    current = settings_of()
    form = SettingsForm(request.POST or None, instance=current)
    article_forms = _article_forms(request, categories)
    if request.method == "POST" and form.is_valid() and all(f.is_valid() for f in article_forms):
        with transaction.atomic():
            export_settings_save(settings_row=form.save(commit=False))
            for article_form in article_forms:
                _article_save(article_form)
        messages.success(request, _("The export settings are saved."))
        return redirect("exports:settings")
    pairs = list(zip(categories, article_forms, strict=True))
    return render(request, "exports/settings.html", {"form": form, "pairs": pairs})


def _article_save(article_form: ArticleForm) -> None:
    article = article_form.save(commit=False)
    if not article.article:
        if article.pk:
            BudgetArticle.objects.filter(pk=article.pk).delete()
        return
    article.category = article_form.category
    article.full_clean()
    article.save()
