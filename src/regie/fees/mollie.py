"""A thin wrapper over Mollie's official client (``mollie-api-python``), per organisation.

Every call reads the organisation's :class:`MollieSettings` (its API key, and the address of
the simulated Mollie in tests and the demo: ``Client(api_endpoint=...)``), and turns whatever
goes wrong on the way (Mollie refusing, answering 5xx, not answering in time, unreachable) into
:class:`MollieUnavailable`, a :class:`DomainError` with a translated message: the caller stores
nothing and the person can try again.

Amounts are integer cents here and ``{"currency": "EUR", "value": "30.00"}`` at Mollie.

- :func:`payment_create`: a payment for an amount, described by the structured communication,
  with a caller-chosen idempotency key (Mollie answers the same payment for the same key).
- :func:`payment_get`: a payment as Mollie knows it now (the webhook only names it).
- :func:`refund_create`, :func:`payouts_list`, :func:`payout_get`, :func:`payout_payments`:
  for refunds and the matching of payouts (the money side, :mod:`regie.payments`).
"""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from mollie.api.client import Client
from mollie.api.error import Error as MollieClientError

from regie.core.errors import DomainError, gettext_noop
from regie.core.models import Organisation
from regie.core.tenancy import scope
from regie.fees.models import MollieSettings

#: Seconds to connect to Mollie and to wait for its answer: a person is waiting.
TIMEOUT = (3, 10)

NOT_CONFIGURED = DomainError(
    "mollie.not_configured",
    gettext_noop("Online payment is not offered by this organisation."),
)


class MollieUnavailable(DomainError):
    """Mollie refused or did not answer; nothing was stored, try again later."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            "mollie.unavailable",
            gettext_noop(
                "The online payment service does not answer at the moment. Please try again in "
                "a few minutes, or pay by bank transfer with the structured communication."
            ),
        )
        self.detail = detail[:300]


def mollie_settings(organisation: Organisation) -> MollieSettings | None:
    """Return the organisation's Mollie settings when online payment is offered, else None."""
    with scope(organisation):
        found = MollieSettings.objects.filter(is_active=True).exclude(api_key="").first()
    return found


def is_configured(organisation: Organisation) -> bool:
    """Whether the organisation offers online payment (an active API key)."""
    return mollie_settings(organisation) is not None


#: Where Mollie's checkout pages are (the payer is redirected there).
CHECKOUT_ORIGINS = ("https://www.mollie.com", "https://*.mollie.com")


def checkout_origins(organisation: Organisation) -> tuple[str, ...]:
    """Return the origins of the checkout pages the organisation's payers are sent to."""
    found = mollie_settings(organisation)
    if found is None or not found.api_endpoint:
        return CHECKOUT_ORIGINS
    parts = urlsplit(found.api_endpoint)
    return (f"{parts.scheme}://{parts.netloc}",)


#: Mollie's clients of this thread, by (organisation, API key, address): each keeps its HTTP
#: session, so its connection to Mollie is opened once, not at every call.
_clients = threading.local()
#: Clients kept per thread at most (the oldest are dropped past that).
CLIENTS_KEPT = 32


def client(organisation: Organisation, found: MollieSettings | None = None) -> Client:
    """Return Mollie's client for the organisation (NOT_CONFIGURED if it has no key).

    ``found``: the organisation's settings when the caller has read them already. The client
    is kept for the next call of the same thread with the same organisation, API key and
    address (a new key or address gets a new client): its ``requests`` session keeps the
    connection to Mollie open. Per thread, as neither Mollie's client nor ``requests``' session
    is documented as safe to share between threads.
    """
    found = found if found is not None else mollie_settings(organisation)
    if found is None:
        raise NOT_CONFIGURED
    key = (organisation.pk, found.api_key, found.api_endpoint or "")
    kept: dict = getattr(_clients, "kept", None) or {}
    _clients.kept = kept
    mollie = kept.get(key)
    if mollie is None:
        mollie = Client(api_endpoint=found.api_endpoint or "", timeout=TIMEOUT, retry=0)
        try:
            mollie.set_api_key(found.api_key)
        except MollieClientError as error:
            raise MollieUnavailable(str(error)) from error
        if len(kept) >= CLIENTS_KEPT:
            kept.pop(next(iter(kept)))
        kept[key] = mollie
    return mollie


def amount(cents: int) -> dict[str, str]:
    """Return Mollie's amount for ``cents``.

    >>> amount(3000)
    {'currency': 'EUR', 'value': '30.00'}
    """
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return {"currency": "EUR", "value": f"{sign}{cents // 100}.{cents % 100:02d}"}


def cents(value: dict[str, str] | None) -> int:
    """Return the cents of one of Mollie's amounts (0 when there is none).

    >>> cents({"currency": "EUR", "value": "30.05"})
    3005
    """
    if not value:
        return 0
    return int(Decimal(value["value"]) * 100)


def _call(call, *args, **kwargs) -> Any:
    try:
        return call(*args, **kwargs)
    except MollieClientError as error:
        raise MollieUnavailable(str(error)) from error


def payment_create(
    *,
    organisation: Organisation,
    amount_cents: int,
    communication: str,
    redirect_url: str,
    webhook_url: str,
    idempotency_key: str,
    metadata: dict | None = None,
    locale: str = "",
) -> dict:
    """Create a payment at Mollie described by the structured communication; return it.

    The same ``idempotency_key`` gives back the same payment (a double click, a lost answer).
    """
    data = {
        "amount": amount(amount_cents),
        "description": communication,
        "redirectUrl": redirect_url,
        "webhookUrl": webhook_url,
        "metadata": metadata or {},
    }
    if locale:
        data["locale"] = {"fr": "fr_BE", "nl": "nl_BE", "de": "de_DE"}.get(locale, "en_US")
    mollie = client(organisation)
    return _call(mollie.payments.create, data, idempotency_key=idempotency_key)


def payment_get(
    *, organisation: Organisation, mollie_id: str, settings: MollieSettings | None = None
) -> dict:
    """Return a payment as Mollie knows it now (status, amount, paidAt, method...).

    ``settings``: the organisation's Mollie settings when the caller read them already.
    """
    mollie = client(organisation, settings)
    return _call(mollie.payments.get, mollie_id)


def refund_create(
    *,
    organisation: Organisation,
    mollie_id: str,
    amount_cents: int,
    description: str,
    idempotency_key: str,
) -> dict:
    """Refund ``amount_cents`` of a Mollie payment; the same key gives back the same refund."""
    mollie = client(organisation)
    payment = _call(mollie.payments.get, mollie_id)
    data = {"amount": amount(amount_cents), "description": description[:140]}
    return _call(payment.refunds.create, data, idempotency_key=idempotency_key)


def payouts_list(*, organisation: Organisation, limit: int = 50) -> list[dict]:
    """Return Mollie's latest payouts to the bank (its "settlements"), newest first."""
    mollie = client(organisation)
    return list(_call(mollie.settlements.list, limit=limit))


def payout_get(*, organisation: Organisation, reference: str) -> dict:
    """Return a payout by its id (``stl_…``) or the bank reference seen on the statement."""
    mollie = client(organisation)
    return _call(mollie.settlements.get, reference)


def payout_payments(*, organisation: Organisation, payout_id: str) -> list[dict]:
    """Return the payments a payout settles (each with its amount and Mollie's fee)."""
    mollie = client(organisation)
    payout = _call(mollie.settlements.get, payout_id)
    return list(_call(lambda: payout.payments.list(limit=250)))
