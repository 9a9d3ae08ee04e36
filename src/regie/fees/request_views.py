"""The payment request on a file's page: its PDF, "send it again by e-mail", its sendings
(:mod:`regie.fees.documents`, :mod:`regie.fees.requests`)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from regie.core.badinput import id_param
from regie.core.errors import DomainError
from regie.core.once import once_view
from regie.core.views import require_capability
from regie.documents import files
from regie.documents.kinds import describe_sendings, kind_get
from regie.documents.rendering import renderer_for
from regie.fees.documents import PAYMENT_REQUEST
from regie.fees.models import FileState, FileVersion, ServiceFile, Way
from regie.fees.requests import by_email, request_resend, request_sendings


def _advance_file(pk: int) -> ServiceFile:
    """Return a file paid in advance of the active organisation, or answer 404."""
    return get_object_or_404(
        ServiceFile.objects.select_related("service", "person"), pk=pk, way=Way.ADVANCE
    )


def request_context(file: ServiceFile) -> dict:
    """What the file's page shows of its payment requests (nothing for a file invoiced
    afterwards)."""
    if file.way != Way.ADVANCE:
        return {}
    sendings = request_sendings(file)
    describe_sendings(sendings)
    return {
        "pdf_url": reverse("fees-files:request-pdf", args=[file.pk]),
        "by_email": by_email(file),
        "awaiting": file.state == FileState.AWAITING_PAYMENT,
        "sendings": sendings,
    }


@require_GET
@never_cache
def request_pdf(request, pk: int):
    """Return the PDF of a file's payment request (``?version=n``: an earlier version's)."""
    require_capability(request, "finance.view")
    file = _advance_file(pk)
    number = id_param(request.GET.get("version"), "version") or file.version
    version = FileVersion.objects.filter(file=file, number=number).first()
    if version is None:
        raise Http404(_("This file has no such version."))
    kind = kind_get(PAYMENT_REQUEST)
    (document,) = kind.data([version.pk])
    template = files.template_for(request.organisation.pk, kind.template, kind.folder)
    pdf = renderer_for(template, files.media_root()).render(document)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{document["file_name"]}"'
    return response


@once_view
def request_resend_view(request, pk: int):
    """E-mail the current version's payment request again (the button of the file's page)."""
    require_capability(request, "finance.edit")
    file = _advance_file(pk)
    if request.method != "POST":
        return redirect("fees-files:file-detail", pk=file.pk)
    try:
        sending = request_resend(file=file, user=request.user)
    except DomainError as error:
        messages.error(request, error.translated())
    else:
        messages.success(
            request,
            _("The payment request is being sent to %(address)s: its sending is listed below.")
            % {"address": sending.recipient},
        )
    return redirect("fees-files:file-detail", pk=file.pk)
