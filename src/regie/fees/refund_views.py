"""The finance officer cancels a paid file and refunds its applicant (the button of the file's
page; :func:`regie.fees.refunds.file_refund`)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _

from regie.core.errors import DomainError
from regie.core.once import once_view
from regie.core.views import require_capability
from regie.fees.models import ServiceFile
from regie.fees.refunds import file_refund


@once_view
def file_refund_view(request, pk: int):
    """Cancel a paid file with a credit note and refund what was paid (a GET leads to it)."""
    require_capability(request, "finance.edit")
    file = get_object_or_404(ServiceFile, pk=pk)
    if request.method != "POST":
        return redirect("fees-files:file-detail", pk=file.pk)
    try:
        number = file_refund(file=file, user=request.user)
    except DomainError as error:
        messages.error(request, error.translated())
    else:
        messages.success(
            request,
            _(
                "The file is cancelled with credit note %(number)s; what was paid is refunded "
                "(online payments through the payment service, the others by the next SEPA "
                "file)."
            )
            % {"number": number},
        )
    return redirect("fees-files:file-detail", pk=file.pk)
