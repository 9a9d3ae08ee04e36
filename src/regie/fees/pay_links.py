"""Online payment links for any structured communication: an invoice's, a reminder's, a
payment plan's (DOMAIN §8: "any invoice, reminder or plan can be paid online").

The documents and e-mails of an organisation that offers online payment carry a link
(:func:`pay_link`, registered in :data:`regie.documents.kinds.PAY_LINKS`) to a public page,
``/pay/c/<token>/``, whose signed token names the organisation and the communication only (no
login, nothing stored: the signature is the key). The page shows what is open now for that
communication; *Pay online* creates (or reuses) a Mollie payment for it
(:func:`regie.fees.online.checkout_open`); Mollie's webhook records it once and
:func:`regie.payments.online.record_online_payment` allocates it as a bank payment with that
communication would be.
"""

from __future__ import annotations

import base64
import logging

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from regie.core.errors import DomainError
from regie.core.models import Organisation
from regie.core.money import format_cents
from regie.core.tenancy import current_organisation, scope
from regie.core.validators import format_iban
from regie.documents.rendering import epc_qr, qr_png
from regie.fees import mollie, online
from regie.fees.models import CHECKOUT_RETRYABLE, Checkout
from regie.payments.imports import Targets
from regie.people.models import Person
from regie.security.headers import forms_may_lead_to

log = logging.getLogger(__name__)
SALT = "regie.fees.pay-link"


def link_token(organisation: Organisation, communication: str) -> str:
    """Return the signed token of a communication's payment page (the same every time)."""
    return signing.Signer(salt=SALT).sign_object([organisation.pk, communication])


def pay_link(reference: str, language: str = "fr") -> tuple[str, str] | None:
    """Return the online payment link of a communication of the current organisation and its
    words in ``language``, or None when the organisation offers no online payment."""
    organisation = current_organisation()
    if not mollie.is_configured(organisation):
        return None
    path = reverse("fees:pay_any", args=[link_token(organisation, reference)])
    with translation.override(language):
        return settings.REGIE_PUBLIC_URL + path, gettext("Pay online:")


def _named(token: str) -> tuple[Organisation, str]:
    """Return the organisation and communication a token names, or answer 404."""
    try:
        organisation_id, reference = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        raise Http404 from None
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        raise Http404
    return organisation, str(reference)


def _due(reference: str) -> tuple[int, Person | None]:
    """Return what is open now for a communication and whose it is (0, None: nothing)."""
    with transaction.atomic():
        targets = Targets()
        targets.load([reference])
    target = targets.get(reference)
    if target is None or target.kind == "prepayment":
        return 0, None
    return max(target.open_cents, 0), Person.objects.filter(pk=target.person_id).first()


def _qr(organisation: Organisation, reference: str, due: int) -> str:
    payment = {
        "name": organisation.name,
        "iban": organisation.iban,
        "bic": organisation.bic,
        "amount_cents": due,
        "reference": reference,
    }
    return "data:image/png;base64," + base64.b64encode(qr_png(epc_qr(payment))).decode()


def _page(request, organisation, reference: str, token: str, error: str = ""):
    due, person = _due(reference)
    if person is None:
        raise Http404
    last = Checkout.objects.filter(communication=reference).order_by("-created_at", "-pk")
    last = last.first()
    formatted = f"+++{reference[:3]}/{reference[3:7]}/{reference[7:]}+++"
    context = {
        "organisation": organisation,
        "person": person,
        "communication": formatted,
        "token": token,
        "due": format_cents(due) if due else "",
        "iban": format_iban(organisation.iban),
        "qr": _qr(organisation, reference, due) if due and organisation.iban else "",
        "online": bool(due) and mollie.is_configured(organisation),
        "retry": last is not None and last.status in CHECKOUT_RETRYABLE,
        "error": error,
    }
    answer = render(request, "fees/pay_any.html", context)
    if context["online"]:  # "Pay online" is answered by a redirect to Mollie's checkout
        return forms_may_lead_to(answer, *mollie.checkout_origins(organisation))
    return answer


@require_GET
def pay_any(request, token: str):
    """Show what is open for a communication and how to pay it, in the payer's language."""
    organisation, reference = _named(token)
    with scope(organisation):
        _, person = _due(reference)
        language = person.language if person else "fr"
        with translation.override(language):
            return _page(request, organisation, reference, token)


@require_POST
def pay_any_online(request, token: str):
    """Send the payer to Mollie's checkout for what is open for the communication now."""
    organisation, reference = _named(token)
    with scope(organisation):
        due, person = _due(reference)
        if not due or person is None:
            return redirect("fees:pay_any", token=token)
        with translation.override(person.language):
            try:
                checkout = online.checkout_open(
                    organisation=organisation,
                    communication=reference,
                    amount_cents=due,
                    redirect_url=request.build_absolute_uri(reverse("fees:pay_any", args=[token])),
                    webhook_url=request.build_absolute_uri(reverse("fees:mollie_webhook")),
                    locale=person.language,
                )
            except DomainError as error:
                log.warning("Mollie payment not created for %s: %s", reference, error)
                return _page(request, organisation, reference, token, error=error.translated())
        if checkout.status in online.CHECKOUT_LIVE and checkout.checkout_url:
            return redirect(checkout.checkout_url)
        return redirect("fees:pay_any", token=token)
