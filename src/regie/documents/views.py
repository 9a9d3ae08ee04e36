"""Documents screens: a group's documents and sendings (a billing run's, a reminder run's), one
invoice's PDF, batches, the log of sendings (every kind).

Generating and sending run in the background (:mod:`regie.documents.tasks`): the views record
what to do, start the job and send the user to its progress page. Files are downloaded only
through :func:`batch_download`, which finds the batch in the active organisation.
"""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.db import transaction
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import generic
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from regie.billing.models import Invoice
from regie.core.badinput import id_param, ids_param
from regie.core.errors import DomainError
from regie.core.views import CapabilityRequiredMixin, require_capability
from regie.documents import batches, files, mail, tasks
from regie.documents.data import documents_data, documents_refresh
from regie.documents.invoices import INVOICE, invoices_numbered
from regie.documents.kinds import KINDS, DocumentKind, describe_sendings, pay_links_add
from regie.documents.models import (
    FAILED_NOT_RETRIED,
    BatchFormat,
    DocumentBatch,
    Sending,
    SendingStatus,
)
from regie.documents.rendering import renderer_for
from regie.documents.sending_export import SendingExportMixin
from regie.exports.xlsx import xlsx_response
from regie.people.models import Delivery


def _posted_invoice(pk: int) -> Invoice:
    invoice = get_object_or_404(Invoice.objects.select_related("person"), pk=pk)
    if not invoice.is_posted:
        raise Http404(_("A draft invoice has no document yet: post it first."))
    return invoice


def _kind(key: str) -> DocumentKind:
    if key not in KINDS:
        raise Http404(_("There is no such kind of document."))
    return KINDS[key]


def _group(kind: DocumentKind, pk: int) -> tuple[str, str]:
    """Return a group's label and page; answer 404 for a group not of this organisation."""
    label, page = kind.group_describe(pk)
    if not page:
        raise Http404(_("This run does not exist."))
    return label, page


@require_GET
def group_documents(request, kind: str, pk: int):
    """Show a group's documents (a billing run's invoices, a reminder run's reminders):
    generate a batch, send the e-mails, see what was sent."""
    require_capability(request, "finance.view")
    document_kind = _kind(kind)
    label, page = _group(document_kind, pk)
    mail.sendings_interrupted()
    ids = document_kind.select(group=pk)
    channels = Counter(r.channel for r in document_kind.recipients(list(ids)).values())
    sendings = Sending.objects.filter(kind=kind, document_id__in=ids)
    by_status = dict(sendings.values_list("status").annotate(n=Count("pk")).order_by())
    context = {
        "kind": document_kind,
        "group": {"pk": pk, "label": label, "page": page},
        "posted": sum(channels.values()),
        "by_email": channels.get(Delivery.EMAIL, 0),
        "by_post": channels.get(Delivery.POST, 0),
        "statuses": [(s, label, by_status.get(s, 0)) for s, label in SendingStatus.choices],
        "failed": sendings.filter(FAILED_NOT_RETRIED).count(),
        "batches": DocumentBatch.objects.filter(kind=kind, group_id=pk).select_related("job")[:20],
        "formats": BatchFormat.choices,
    }
    return render(request, "documents/run_documents.html", context)


def run_documents(request, pk: int):
    """Show a billing run's documents (its invoices)."""
    return group_documents(request, INVOICE, pk)


def _start_batch(request, kind: str = INVOICE, **where):
    fmt = request.POST.get("format", BatchFormat.ZIP)
    if fmt not in BatchFormat.values:
        fmt = BatchFormat.ZIP
    with transaction.atomic():
        batch = batches.batch_create(
            format=fmt,
            kind=kind,
            detail=bool(request.POST.get("detail")),
            refresh=bool(request.POST.get("refresh")),
            user=request.user,
            **where,
        )
        job = tasks.batch_start(batch, organisation=request.organisation, user=request.user)
    return redirect("job", pk=job.pk)


@require_POST
def group_generate(request, kind: str, pk: int):
    """Generate the documents of a group in the background."""
    require_capability(request, "finance.edit")
    _group(_kind(kind), pk)
    try:
        return _start_batch(request, kind, group=pk)
    except DomainError as error:
        messages.error(request, error.translated())
        return redirect("documents:group", kind=kind, pk=pk)


def run_generate(request, pk: int):
    """Generate the documents of a billing run's posted invoices in the background."""
    return group_generate(request, INVOICE, pk)


@require_POST
def selection_generate(request):
    """Generate the documents of a selection: invoices ticked in a list (``invoice`` ids) or
    typed by number (``numbers``)."""
    require_capability(request, "finance.edit")
    ids = ids_param(request.POST.getlist("invoice"), "invoice")
    try:
        ids += invoices_numbered(request.POST.get("numbers", ""))
        return _start_batch(request, document_ids=ids)
    except DomainError as error:
        messages.error(request, error.translated())
        return redirect("documents:batch-list")


def _queue_and_start(request, ids, kind: str = INVOICE):
    """Queue the e-mails of these documents and start sending; return (job or None, by post)."""
    with transaction.atomic():
        queued, by_post = mail.sendings_queue(ids, kind=kind, user=request.user)
        waiting = [s for s in queued if s.status == SendingStatus.QUEUED]
        if not waiting:
            return None, by_post
        job = tasks.sendings_start(waiting, organisation=request.organisation, user=request.user)
    return job, by_post


@require_POST
def group_send(request, kind: str, pk: int):
    """Queue the e-mails of a group's documents (persons who chose e-mail) and send them."""
    require_capability(request, "finance.edit")
    document_kind = _kind(kind)
    _group(document_kind, pk)
    job, by_post = _queue_and_start(request, list(document_kind.select(group=pk)), kind)
    if by_post:
        messages.info(
            request,
            ngettext(
                "%(count)s document goes by post: print the post PDF.",
                "%(count)s documents go by post: print the post PDF.",
                by_post,
            )
            % {"count": by_post},
        )
    if job is None:
        messages.info(request, _("No e-mail left to send for this run."))
        return redirect("documents:group", kind=kind, pk=pk)
    return redirect("job", pk=job.pk)


def run_send(request, pk: int):
    """Send the e-mails of a billing run's invoices."""
    return group_send(request, INVOICE, pk)


def _one_document(kind: DocumentKind, pk: int) -> dict:
    if pk not in set(kind.select(ids=[pk])):
        raise Http404(_("There is no such document to print."))
    return kind.data([pk])[0]


@require_GET
@never_cache
def document_pdf(request, kind: str, pk: int):
    """Return the PDF of one document of a kind (a reminder, a plan's schedule...)."""
    require_capability(request, "finance.view")
    document_kind = _kind(kind)
    document = _one_document(document_kind, pk)
    template = files.template_for(
        request.organisation.pk, document_kind.template, document_kind.folder
    )
    renderer = renderer_for(template, files.media_root())
    response = HttpResponse(renderer.render(document), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{document["file_name"]}"'
    return response


@require_POST
def document_send(request, kind: str, pk: int):
    """Send one document by e-mail now (in the background), if its person chose e-mail."""
    require_capability(request, "finance.edit")
    document_kind = _kind(kind)
    _one_document(document_kind, pk)
    back = request.POST.get("next") or reverse("documents:sending-list")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("documents:sending-list")
    job, by_post = _queue_and_start(request, [pk], kind)
    if by_post:
        messages.error(request, _("This document goes by post: print it instead."))
        return redirect(back)
    if job is None:
        messages.info(request, _("This document was already sent, or waits for a retry."))
        return redirect(back)
    return redirect("job", pk=job.pk)


@require_GET
@never_cache
def invoice_pdf(request, pk: int):
    """Return the PDF of one posted invoice (``?detail=1`` adds the table per child and day)."""
    require_capability(request, "finance.view")
    invoice = _posted_invoice(pk)
    document = documents_data([invoice.pk], detail=request.GET.get("detail") == "1")[0]
    pay_links_add([document])
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
        return DocumentBatch.objects.select_related("job", "created_by")

    def get_context_data(self, **kwargs):
        return super().get_context_data(formats=BatchFormat.choices, **kwargs)


@require_GET
def batch_detail(request, pk: int):
    """Show a batch: its progress or result, what failed and why, the download."""
    require_capability(request, "finance.view")
    batch = get_object_or_404(DocumentBatch.objects.select_related("job"), pk=pk)
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


@require_GET
@never_cache
def batch_letters(request, pk: int):
    """Return the list of a post batch's letters (XLSX), for the post office."""
    require_capability(request, "finance.view")
    batch = get_object_or_404(DocumentBatch, pk=pk, format=BatchFormat.POST)
    path = batches.letters_path(batch)
    if not batch.ready or not path.is_file():
        raise Http404(_("This batch has no list of letters."))
    return xlsx_response(path.read_bytes(), path.stem + f"-{batch.pk}")


class SendingList(SendingExportMixin, CapabilityRequiredMixin, generic.ListView):
    """The log of sendings, filtered by status, run or job; failures can be retried (and
    exported with the filter)."""

    capability = "finance.view"
    template_name = "documents/sending_list.html"
    paginate_by = 100

    def get_queryset(self):
        mail.sendings_interrupted()  # so that they show as failed, with a retry
        sendings = Sending.objects.select_related("person", "retried_by")
        params = self.request.GET
        if params.get("status") == "failed":
            sendings = sendings.filter(FAILED_NOT_RETRIED)
        elif params.get("status") in SendingStatus.values:
            sendings = sendings.filter(status=params["status"])
        kind = params.get("kind") or (INVOICE if params.get("run") else "")
        if kind in KINDS:
            sendings = sendings.filter(kind=kind)
            if group := id_param(params.get("group") or params.get("run"), "group"):
                sendings = sendings.filter(document_id__in=KINDS[kind].select(group=group))
        if number := id_param(params.get("job"), "job"):
            sendings = sendings.filter(job_id=number)
        return sendings

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        describe_sendings(context["page_obj"].object_list)
        context.update(
            statuses=SendingStatus.choices,
            kinds=[(key, kind.label) for key, kind in KINDS.items()],
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
