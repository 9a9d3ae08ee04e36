"""The applicant's payment page: what to pay, how (transfer with the EPC QR code, at the
counter), and whether it is paid. No login: the link's secret token names the file, and the
page runs in that file's organisation only."""

from __future__ import annotations

import base64

from django.http import Http404
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_GET

from regie.core.money import format_cents
from regie.core.tenancy import scope
from regie.core.validators import format_iban
from regie.documents.rendering import epc_qr, qr_png
from regie.fees.models import FileState, ServiceFile, Way
from regie.fees.payments import file_open


def file_of_link(token: str) -> ServiceFile:
    """Return the file a payment link names (any organisation), or answer 404."""
    file = (
        ServiceFile.unscoped_objects.select_related("organisation", "service", "person")
        .filter(pay_token=token, way=Way.ADVANCE)
        .first()
    )
    if file is None or len(token) < 20:
        raise Http404
    return file


def _qr(file: ServiceFile, due: int) -> str:
    organisation = file.organisation
    png = qr_png(
        epc_qr(
            {
                "name": organisation.name,
                "iban": organisation.iban,
                "bic": organisation.bic,
                "amount_cents": due,
                "reference": file.communication,
            }
        )
    )
    return "data:image/png;base64," + base64.b64encode(png).decode()


@require_GET
def pay(request, token: str):
    """Show the applicant what to pay for a file and how, in the applicant's language."""
    file = file_of_link(token)
    with scope(file.organisation), translation.override(file.person.language):
        due = file_open(file)
        context = {
            "file": file,
            "organisation": file.organisation,
            "due": format_cents(due) if due else "",
            "amount": format_cents(file.amount_cents),
            "iban": format_iban(file.organisation.iban),
            "qr": _qr(file, due) if due and file.organisation.iban else "",
            "paid": file.state == FileState.PAID,
            "cancelled": file.state == FileState.CANCELLED,
        }
        return render(request, "fees/pay.html", context)
