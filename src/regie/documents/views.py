"""Documents screens: a run's documents and sendings, one invoice's PDF, batches, the log.

Generating and sending run in the background (:mod:`regie.documents.tasks`): the views record
what to do, start the job and send the user to its progress page. Files are downloaded only
through :func:`batch_download`, which finds the batch in the active organisation.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import generic
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from regie.billing.models import BillingRun, Invoice, Kind
from regie.core.badinput import id_param, ids_param
from regie.core.errors import DomainError
from regie.core.views import CapabilityRequiredMixin, require_capability
from regie.documents import batches, files, mail, tasks
from regie.documents.data import documents_data, documents_refresh
from regie.documents.models import BatchFormat, DocumentBatch, Sending, SendingStatus
from regie.documents.rendering import renderer_for
from regie.people.models import Delivery


def _posted_invoice(pk: int) -> Invoice:
    invoice = get_object_or_404(Invoice.objects.select_related("person"), pk=pk)
    if not invoice.is_posted:
        raise Http404(_("A draft invoice has no document yet: post it first."))
    return invoice


@require_GET
def run_documents(request, pk: int):
    """Show a run's documents: generate a batch, send the e-mails, see what was sent."""
    require_capability(request, "finance.view")
    run = get_object_or_404(BillingRun, pk=pk)
    mail.sendings_interrupted()
    invoices = Invoice.objects.filter(run=run, kind=Kind.INVOICE, posted_at__isnull=False)
    by_channel = dict(invoices.values_list("person__delivery").annotate(n=Count("pk")).order_by())
    sendings = Sending.objects.filter(invoice__run=run)
    by_status = dict(sendings.values_list("status").annotate(n=Count("pk")).order_by())
    context = {
        "run": run,
        "posted": invoices.count(),
        "by_email": by_channel.get(Delivery.EMAIL, 0),
        "by_post": by_channel.get(Delivery.POST, 0),
        "statuses": [(s, label, by_status.get(s, 0)) for s, label in SendingStatus.choices],
        "failed": mail.failed_sendings().filter(invoice__run=run).count(),
        "batches": DocumentBatch.objects.filter(run=run).select_related("job")[:20],
        "formats": BatchFormat.choices,
    }
    return render(request, "documents/run_documents.html", context)


def _start_batch(request, **where):
    fmt = request.POST.get("format", BatchFormat.ZIP)
    if fmt not in BatchFormat.values:
        fmt = BatchFormat.ZIP
    with transaction.atomic():
        batch = batches.batch_create(
            format=fmt,
            detail=bool(request.POST.get("detail")),
            refresh=bool(request.POST.get("refresh")),
            user=request.user,
            **where,
        )
        job = tasks.batch_start(batch, organisation=request.organisation, user=request.user)
    return redirect("job", pk=job.pk)


@require_POST
def run_generate(request, pk: int):
    """Generate the documents of a run's posted invoices in the background."""
    require_capability(request, "finance.edit")
    run = get_object_or_404(BillingRun, pk=pk)
    try:
        return _start_batch(request, run=run)
    except DomainError as error:
        messages.error(request, error.translated())
        return redirect("documents:run", pk=run.pk)


@require_POST
def selection_generate(request):
    """Generate the documents of a selection: invoices ticked in a list (``invoice`` ids) or
    typed by number (``numbers``)."""
    require_capability(request, "finance.edit")
    ids = ids_param(request.POST.getlist("invoice"), "invoice")
    try:
        ids += batches.invoices_numbered(request.POST.get("numbers", ""))
        return _start_batch(request, invoice_ids=ids)
    except DomainError as error:
        messages.error(request, error.translated())
        return redirect("documents:batch-list")


def _queue_and_start(request, invoice_ids):
    """Queue the e-mails of these invoices and start sending; return (job or None, by post)."""
    with transaction.atomic():
        queued, by_post = mail.sendings_queue(invoice_ids, user=request.user)
        waiting = [s for s in queued if s.status == SendingStatus.QUEUED]
        if not waiting:
            return None, by_post
        job = tasks.sendings_start(waiting, organisation=request.organisation, user=request.user)
    return job, by_post


@require_POST
def run_send(request, pk: int):
    """Queue the e-mails of a run's invoices (persons who chose e-mail) and send them."""
    require_capability(request, "finance.edit")
    run = get_object_or_404(BillingRun, pk=pk)
    ids = batches.batch_invoices(run=run)
    job, by_post = _queue_and_start(request, ids)
    if by_post:
        messages.info(
            request,
            ngettext(
                "%(count)s invoice goes by post: print the post PDF.",
                "%(count)s invoices go by post: print the post PDF.",
                by_post,
            )
            % {"count": by_post},
        )
    if job is None:
        messages.info(request, _("No e-mail left to send for this run."))
        return redirect("documents:run", pk=run.pk)
    return redirect("job", pk=job.pk)


@require_GET
@never_cache
def invoice_pdf(request, pk: int):
    """Return the PDF of one posted invoice (``?detail=1`` adds the table per child and day)."""
    require_capability(request, "finance.view")
    invoice = _posted_invoice(pk)
    document = documents_data([invoice.pk], detail=request.GET.get("detail") == "1")[0]
    renderer = renderer_for(files.template_for(invoice.organisation_id), files.media_root())
    response = HttpResponse(renderer.render(document), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{document["file_name"]}"'
    return response


@require_POST
def invoice_send(request, pk: int):
    """Send one invoice by e-mail now (in the background)."""
    require_capability(request, "finance.edit")
    invoice = _posted_invoice(pk)
    if invoice.person.delivery != Delivery.EMAIL:
        messages.error(request, _("This person chose the post: print the invoice instead."))
        return redirect(invoice)
    job, _by_post = _queue_and_start(request, [invoice.pk])
    if job is None:
        messages.info(request, _("This invoice was already sent, or waits for a retry."))
        return redirect(invoice)
    return redirect("job", pk=job.pk)


@require_POST
def invoice_refresh(request, pk: int):
    """Take the administrative data of an invoice's document again."""
    require_capability(request, "finance.edit")
    invoice = _posted_invoice(pk)
    documents_refresh([invoice.pk])
    messages.success(request, _("The document now shows the current address and letterhead."))
    return redirect(invoice)


class BatchList(CapabilityRequiredMixin, generic.ListView):
    """The document batches, newest first."""

    capability = "finance.view"
    template_name = "documents/batch_list.html"
    paginate_by = 50

    def get_queryset(self):
        return DocumentBatch.objects.select_related("run", "job", "created_by")

    def get_context_data(self, **kwargs):
        return super().get_context_data(formats=BatchFormat.choices, **kwargs)


@require_GET
def batch_detail(request, pk: int):
    """Show a batch: its progress or result, what failed and why, the download."""
    require_capability(request, "finance.view")
    batch = get_object_or_404(DocumentBatch.objects.select_related("run", "job"), pk=pk)
    return render(request, "documents/batch_detail.html", {"batch": batch})


@require_GET
@never_cache
def batch_download(request, pk: int):
    """Return a batch's file, to members of its organisation only."""
    require_capability(request, "finance.view")
    batch = get_object_or_404(DocumentBatch, pk=pk)
    path = files.absolute(batch.file) if batch.ready else None
    if path is None or not path.is_file():
        raise Http404(_("This batch has no file (yet)."))
    kind = "application/zip" if path.suffix == ".zip" else "application/pdf"
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name, content_type=kind)


class SendingList(CapabilityRequiredMixin, generic.ListView):
    """The log of sendings, filtered by status, run or job; failures can be retried."""

    capability = "finance.view"
    template_name = "documents/sending_list.html"
    paginate_by = 100

    def get_queryset(self):
        mail.sendings_interrupted()  # so that they show as failed, with a retry
        sendings = Sending.objects.select_related("invoice", "person")
        params = self.request.GET
        if params.get("status") == "failed":
            sendings = sendings.filter(status=SendingStatus.FAILED, retried_by__isnull=True)
        elif params.get("status") in SendingStatus.values:
            sendings = sendings.filter(status=params["status"])
        for key, field in (("run", "invoice__run_id"), ("job", "job_id")):
            if number := id_param(params.get(key), key):
                sendings = sendings.filter(**{field: number})
        return sendings

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        context.update(
            statuses=SendingStatus.choices,
            params=self.request.GET,
            query=params.urlencode(),
            failed=mail.failed_sendings().count(),
        )
        return context


@require_POST
def sending_retry(request, pk: int):
    """Retry one failed sending (to the person's current address)."""
    require_capability(request, "finance.edit")
    sending = get_object_or_404(Sending, pk=pk)
    try:
        with transaction.atomic():
            retry = mail.sending_retry(sending, user=request.user)
            if retry.status != SendingStatus.QUEUED:
                messages.error(request, retry.answer)
                return redirect("documents:sending-list")
            job = tasks.sendings_start(
                [retry], organisation=request.organisation, user=request.user
            )
    except DomainError as error:
        messages.error(request, error.translated())
        return redirect("documents:sending-list")
    return redirect("job", pk=job.pk)


@require_POST
def sendings_retry_failed(request):
    """Retry every failed sending not retried yet."""
    require_capability(request, "finance.edit")
    with transaction.atomic():
        retries = [mail.sending_retry(s, user=request.user) for s in mail.failed_sendings()]
        waiting = [r for r in retries if r.status == SendingStatus.QUEUED]
        if not waiting:
            messages.info(request, _("No failed sending can be retried now."))
            return redirect("documents:sending-list")
        job = tasks.sendings_start(waiting, organisation=request.organisation, user=request.user)
    return redirect("job", pk=job.pk)
