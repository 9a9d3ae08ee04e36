"""Approve many files invoiced afterwards at once: the files list's "issue the invoices".

A permit system may push hundreds of files to invoice afterwards; approving them one by one
from each file's page is no work for a clerk. The files list, filtered as the clerk likes
(service, period, applicant), offers to issue the invoices of those of its files that are to
invoice: a page says how many and for how much, and a background job issues them one by one
through :func:`~regie.fees.invoicing.file_invoice` (each in its own transaction, so a file
cancelled or invoiced meanwhile is left out with its reason and never stops the others), then
queues the e-mails of the applicants who chose e-mail and prepares the letters of the others.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Sum
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from regie.core.errors import DomainError
from regie.core.jobs import Progress, job_run, job_start
from regie.core.models import Job
from regie.core.money import format_cents
from regie.core.once import once_view
from regie.core.views import require_capability
from regie.documents import batches
from regie.documents import tasks as document_tasks
from regie.documents.mail import sendings_queue
from regie.documents.models import BatchFormat
from regie.fees.forms import FileFilter
from regie.fees.invoicing import file_invoice
from regie.fees.models import FileState, ServiceFile
from regie.fees.views import files_filtered

KIND = "fees.files_invoice"


def files_invoice_many(file_ids, *, day, advance=lambda count: None):
    """Issue the invoice of each file (its approval); return the invoices issued and the
    files left out with their reason (cancelled or invoiced since they were chosen)."""
    invoices, left_out = [], []
    files = ServiceFile.objects.filter(pk__in=list(file_ids)).order_by("created_at", "pk")
    for file in files.only("pk", "external_id"):  # file_invoice locks and reads it again
        try:
            invoices.append(file_invoice(file=file, day=day))
        except DomainError as error:
            left_out.append((file.external_id, error))
        advance(1)
    return invoices, left_out


@task()
def files_invoice_task(job_id: int) -> None:
    """Issue the invoices of the files of job ``job_id``."""
    job_run(job_id, _work)


def _work(job: Job, progress: Progress) -> dict[str, Any]:
    ids = job.parameters["file_ids"]
    progress.total(len(ids))
    invoices, left_out = files_invoice_many(ids, day=timezone.localdate(), advance=progress.advance)
    issued = [invoice.pk for invoice in invoices]
    who = {"organisation": job.organisation, "user": job.created_by}
    with transaction.atomic():
        queued, by_post = sendings_queue(issued, user=job.created_by)
        if queued:
            document_tasks.sendings_start(queued, **who)
        letters = None
        if by_post:
            letters = batches.batch_create(
                format=BatchFormat.POST, document_ids=issued, user=job.created_by
            )
            document_tasks.batch_start(letters, **who)
    summary = [
        ngettext(
            "%(count)s invoice issued, %(total)s in all.",
            "%(count)s invoices issued, %(total)s in all.",
            len(invoices),
        )
        % {"count": len(invoices), "total": format_cents(sum(i.total_cents for i in invoices))}
    ]
    if queued:
        summary.append(
            ngettext("%(count)s is sent by e-mail.", "%(count)s are sent by e-mail.", len(queued))
            % {"count": len(queued)}
        )
    if by_post:
        summary.append(
            ngettext(
                "%(count)s goes by post: its letter is being prepared in the documents' batches.",
                "%(count)s go by post: their letters are being prepared in the documents' batches.",
                by_post,
            )
            % {"count": by_post}
        )
    for reference, error in left_out:
        summary.append(
            _("File %(reference)s left out: %(reason)s")
            % {"reference": reference, "reason": error.translated()}
        )
    next_url = (
        letters.get_absolute_url()
        if letters
        else reverse("fees-files:file-list") + f"?state={FileState.INVOICED}"
    )
    return {"summary": " ".join(summary), "next_url": next_url}


def _chosen(request):
    """Return the list's filters (from the query) and the files to invoice they keep."""
    filters = FileFilter(request.GET or None)
    files = ServiceFile.objects.filter(state=FileState.TO_INVOICE)
    if filters.is_bound and not filters.is_valid():
        return filters, None
    if filters.is_bound:
        files = files_filtered(files, {**filters.cleaned_data, "state": ""})
    return filters, files


@once_view
def files_invoice_view(request):
    """Say how many files of the list's filter are to invoice and, once confirmed, issue
    their invoices in the background."""
    require_capability(request, "finance.edit")
    filters, files = _chosen(request)
    back = reverse("fees-files:file-list") + (f"?{request.GET.urlencode()}" if request.GET else "")
    if files is None:
        messages.error(request, _("The list's filters are not valid: correct them first."))
        return redirect(back)
    if request.method == "POST":
        ids = list(files.values_list("pk", flat=True))
        if not ids:
            messages.error(request, _("No file of this list is to invoice."))
            return redirect(back)
        job = job_start(
            organisation=request.organisation,
            user=request.user,
            kind=KIND,
            title=ngettext(
                "Invoices of %(count)s service file",
                "Invoices of %(count)s service files",
                len(ids),
            )
            % {"count": len(ids)},
            task=files_invoice_task,
            parameters={"file_ids": ids},
        )
        return redirect("job", pk=job.pk)
    totals = files.aggregate(count=Count("pk"), total=Sum("amount_cents"))
    context = {
        "filters": filters,
        "count": totals["count"],
        "total_cents": totals["total"] or 0,
        "back": back,
        "services": files.values("service__name")
        .annotate(count=Count("pk"))
        .order_by("service__name"),
    }
    return render(request, "fees/files_invoice.html", context)
