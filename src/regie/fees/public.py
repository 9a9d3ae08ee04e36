"""The applicant's payment page: what to pay, how (online through Mollie, transfer with the
EPC QR code, at the counter), and whether it is paid. No login: the link's secret token names
the file, and the page runs in that file's organisation only.

Mollie's webhook is here too (``POST /pay/mollie/webhook/`` with ``id=tr_…``, no login, no CSRF
token: Mollie sends none). It trusts nothing it is sent: an id Regie never created is answered
``200`` at once, without asking Mollie (so junk costs a lookup by a unique index); a known
payment is fetched from Mollie and recorded once when paid (:mod:`regie.fees.online`). When
Mollie cannot be asked, the answer is ``503`` and Mollie calls again later.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import re

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from regie.core.errors import DomainError
from regie.core.money import format_cents
from regie.core.tenancy import scope
from regie.core.validators import format_iban
from regie.documents.rendering import epc_qr, qr_png
from regie.fees import mollie, online
from regie.fees.models import CHECKOUT_RETRYABLE, Checkout, FileState, ServiceFile, Way
from regie.fees.payments import file_open
from regie.security.headers import forms_may_lead_to

log = logging.getLogger(__name__)

#: What a Mollie payment id looks like; anything else is not asked about.
MOLLIE_ID = re.compile(r"tr_[A-Za-z0-9]{1,36}")


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


def _last_checkout(file: ServiceFile) -> Checkout | None:
    """Return the file's latest Mollie payment, asking Mollie first when it may still end paid
    (the payer is back from Mollie before its webhook came)."""
    last = Checkout.objects.filter(file=file).order_by("-created_at", "-pk").first()
    if last is not None and last.status in online.CHECKOUT_LIVE:
        # Mollie silent: the page shows what is known, the webhook will come.
        with contextlib.suppress(DomainError):
            last = online.checkout_refresh(checkout=last)
        file.refresh_from_db()
    return last


def _page(request, file: ServiceFile, error: str = ""):
    last = _last_checkout(file)
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
        "online": bool(due) and mollie.is_configured(file.organisation),
        "retry": last is not None and last.status in CHECKOUT_RETRYABLE,
        "error": error,
        "counter": file.service.counter(file.person.language).strip(),
    }
    answer = render(request, "fees/pay.html", context)
    if context["online"]:  # "Pay online" is answered by a redirect to Mollie's checkout
        return forms_may_lead_to(answer, *mollie.checkout_origins(file.organisation))
    return answer


@require_GET
def pay(request, token: str):
    """Show the applicant what to pay for a file and how, in the applicant's language."""
    file = file_of_link(token)
    with scope(file.organisation), translation.override(file.person.language):
        return _page(request, file)


@require_POST
def pay_online(request, token: str):
    """Send the applicant to Mollie's checkout for what is due (the same payment while it is
    open; a new one after a failed, cancelled or expired one)."""
    file = file_of_link(token)
    with scope(file.organisation), translation.override(file.person.language):
        due = file_open(file)
        if not due:
            return redirect("fees:pay", token=token)
        try:
            checkout = online.checkout_open(
                organisation=file.organisation,
                communication=file.communication,
                amount_cents=due,
                redirect_url=request.build_absolute_uri(reverse("fees:pay", args=[token])),
                webhook_url=request.build_absolute_uri(reverse("fees:mollie_webhook")),
                file=file,
                locale=file.person.language,
                metadata={"file": file.external_id, "version": file.version},
            )
        except DomainError as error:
            log.warning("Mollie payment not created for %s: %s", file.pk, error)
            return _page(request, file, error=error.translated())
        if checkout.status in online.CHECKOUT_LIVE and checkout.checkout_url:
            return redirect(checkout.checkout_url)
        return redirect("fees:pay", token=token)


@csrf_exempt
@require_POST
def mollie_webhook(request):
    """Mollie names a payment whose status changed: fetch it, record it once when paid."""
    mollie_id = request.POST.get("id", "")
    if not MOLLIE_ID.fullmatch(mollie_id):
        return HttpResponse(status=200)  # not one of ours: nothing to say
    try:
        online.webhook_receive(mollie_id)
    except mollie.MollieUnavailable as error:
        log.warning("Mollie webhook %s: Mollie did not answer (%s)", mollie_id, error.detail)
        return HttpResponse(status=503)
    except DomainError as error:  # paid, but for nothing Regie can pay: a person looks at it
        log.error("Mollie webhook %s: payment not recorded: %s", mollie_id, error)
    return HttpResponse(status=200)
