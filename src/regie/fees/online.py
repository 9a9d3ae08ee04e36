"""Online payment through Mollie: the organisation's settings, the payments created at Mollie
for a communication and an amount (:class:`Checkout`), and what Mollie's webhook sets off.

One payment per file version: its idempotency key is derived from the communication (one per
version), the amount, and the number of earlier tries that ended unpaid (failed, cancelled,
expired), so a double click or an answer lost on the way gives back the same payment, while the
applicant can try again from the same link after a failure.

Mollie's webhook only names a payment: :func:`webhook_receive` fetches it from Mollie and, when
it is paid, records it once — a conditional ``UPDATE`` claims the checkout in the database (the
second, third... call finds it claimed), and :func:`regie.payments.online.record_online_payment`
is itself idempotent on Mollie's payment id, whatever the order of webhooks and bank files.
"""

from __future__ import annotations

import functools

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from regie.core.models import Organisation
from regie.core.reads import Columns, instances
from regie.core.services import record_save
from regie.core.tenancy import scope
from regie.fees import mollie
from regie.fees.models import (
    CHECKOUT_RETRYABLE,
    Checkout,
    CheckoutStatus,
    MollieSettings,
    ServiceFile,
)
from regie.fees.payments import KIND as FILE_KIND

#: Statuses in which a checkout may still end paid: the payer is sent back to it.
CHECKOUT_LIVE = (CheckoutStatus.OPEN, CheckoutStatus.PENDING, CheckoutStatus.AUTHORIZED)


def mollie_settings_save(*, settings: MollieSettings, api_key: str = "") -> MollieSettings:
    """Save the organisation's Mollie settings; a new ``api_key`` replaces the stored one."""
    if api_key:
        settings.api_key = api_key.strip()
        settings.key_hint = settings.api_key[:10]
    return record_save(settings)


def idempotency_key(*, organisation: Organisation, communication: str, amount_cents: int) -> str:
    """Return the key of the next Mollie payment for this communication and amount."""
    with scope(organisation):
        tries = Checkout.objects.filter(
            communication=communication, amount_cents=amount_cents, status__in=CHECKOUT_RETRYABLE
        ).count()
    return f"regie-{organisation.pk}-{communication}-{amount_cents}-{tries + 1}"


def checkout_open(
    *,
    organisation: Organisation,
    communication: str,
    amount_cents: int,
    redirect_url: str,
    webhook_url: str,
    file: ServiceFile | None = None,
    locale: str = "",
    metadata: dict | None = None,
) -> Checkout:
    """Return the Mollie payment the payer should go to for this communication and amount.

    A live one is reused (after asking Mollie whether it still is); else one is created with a
    deterministic idempotency key. Raises :class:`mollie.MollieUnavailable` (nothing stored)
    when Mollie refuses or does not answer, :data:`mollie.NOT_CONFIGURED` without settings.
    """
    with scope(organisation):
        live = (
            Checkout.objects.filter(
                communication=communication, amount_cents=amount_cents, status__in=CHECKOUT_LIVE
            )
            .order_by("-created_at", "-pk")
            .first()
        )
        if live is not None:
            live = checkout_refresh(checkout=live)
            if live.status in CHECKOUT_LIVE and live.checkout_url:
                return live
            if live.status == CheckoutStatus.PAID:
                return live
        key = idempotency_key(
            organisation=organisation, communication=communication, amount_cents=amount_cents
        )
        payment = mollie.payment_create(
            organisation=organisation,
            amount_cents=amount_cents,
            communication=communication,
            redirect_url=redirect_url,
            webhook_url=webhook_url,
            idempotency_key=key,
            metadata={"communication": communication, **(metadata or {})},
            locale=locale,
        )
        return _checkout_store(organisation, key, communication, amount_cents, file, payment)


def _checkout_store(organisation, key, communication, amount_cents, file, payment) -> Checkout:
    """Store the checkout of a payment just created (or given back for the same key)."""
    fields = {
        "idempotency_key": key,
        "communication": communication,
        "amount_cents": amount_cents,
        "file": file,
        "status": payment.get("status") or CheckoutStatus.OPEN,
        "checkout_url": payment.checkout_url or "",
    }
    try:
        with transaction.atomic():
            return Checkout.objects.create(
                organisation=organisation, mollie_id=payment["id"], **fields
            )
    except IntegrityError:  # the same click twice at once: the other one stored it
        return Checkout.objects.get(organisation=organisation, mollie_id=payment["id"])


def checkout_refresh(*, checkout: Checkout) -> Checkout:
    """Ask Mollie for the payment's status now; record it when paid (once); return it."""
    payment = mollie.payment_get(organisation=checkout.organisation, mollie_id=checkout.mollie_id)
    return payment_apply(checkout=checkout, payment=payment)


def payment_apply(*, checkout: Checkout, payment: dict) -> Checkout:
    """Take Mollie's view of a payment: its status, and its recording once it is paid.

    Paid, the checkout is claimed and marked paid by one conditional ``UPDATE``: the first
    call to claim it records the payment, the others find it recorded.
    """
    status = payment.get("status") or checkout.status
    if status not in CheckoutStatus.values:
        return checkout
    now, method = timezone.now(), payment.get("method") or ""
    changes = {"status": status, "method": method, "updated_at": now}
    with scope(checkout.organisation), transaction.atomic():
        rows = Checkout.objects.filter(pk=checkout.pk)
        if status == CheckoutStatus.PAID:
            changes["recorded_at"] = now
            changed = rows.filter(recorded_at__isnull=True).update(**changes)
            if changed:
                _record(checkout, payment)
        else:
            changed = (
                rows.exclude(status=status).exclude(status=CheckoutStatus.PAID).update(**changes)
            )
    if changed:  # what this call wrote is what the checkout holds now
        for field, value in changes.items():
            setattr(checkout, field, value)
    else:
        checkout.refresh_from_db()
    return checkout


def _record(checkout: Checkout, payment: dict) -> None:
    """Record a paid Mollie payment (the caller claimed its checkout: this happens once)."""
    from regie.payments.online import record_online_payment

    paid_at = parse_datetime(payment.get("paidAt") or "")
    record_online_payment(
        organisation=checkout.organisation,
        provider_payment_id=checkout.mollie_id,
        amount_cents=mollie.cents(payment.get("amount")),
        communication=checkout.communication,
        paid_on=timezone.localdate(paid_at) if paid_at else timezone.localdate(),
        method=payment.get("method") or "",
        kind=FILE_KIND if checkout.file_id else "",  # a file's checkout pays the file
    )


@functools.cache
def _webhook_sql() -> tuple[str, Columns, Columns]:
    """The webhook's one read, as SQL built once from the models (:mod:`regie.core.reads`).

    The checkout named by Mollie's id (unique across organisations: the webhook names a
    payment, not whose), its organisation, and that organisation's active Mollie settings (one
    per organisation, none when inactive or without a key). Django built this query again at
    every call, at several times the cost of running it."""
    checkout, organisation = Columns(Checkout, "c"), Columns(Organisation, "o")
    quote = connection.ops.quote_name
    tables = [quote(m._meta.db_table) for m in (Checkout, Organisation, MollieSettings)]
    sql = (
        f'SELECT {checkout.sql}, {organisation.sql}, s."api_key", s."api_endpoint" '  # noqa: S608
        f'FROM {tables[0]} c JOIN {tables[1]} o ON o."id" = c."organisation_id" '
        f'LEFT JOIN {tables[2]} s ON s."organisation_id" = c."organisation_id" '
        """AND s."is_active" AND s."api_key" <> '' WHERE c."mollie_id" = %s"""
    )
    return sql, checkout, organisation


def _webhook_checkout(mollie_id: str) -> Checkout | None:
    """Return the checkout of ``mollie_id`` with its organisation and, as ``mollie_key`` and
    ``mollie_endpoint``, the organisation's active Mollie settings (None: not ours)."""
    sql, *columns = _webhook_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [mollie_id])
        row = cursor.fetchone()
    if row is None:
        return None
    checkout, organisation = instances(row, *columns)
    Checkout.organisation.field.set_cached_value(checkout, organisation)
    checkout.mollie_key, checkout.mollie_endpoint = row[-2], row[-1]
    return checkout


def webhook_receive(mollie_id: str) -> bool:
    """Handle Mollie's webhook for ``mollie_id``; return whether the payment is one of ours.

    One lookup (the checkout, its organisation and the organisation's Mollie settings), one
    fetch from Mollie; a payment already recorded, whose status Mollie still gives, costs
    nothing more. Raises :class:`mollie.MollieUnavailable` when Mollie cannot tell the
    payment's status now (the webhook then answers an error, and Mollie calls again later).
    """
    checkout = _webhook_checkout(mollie_id)
    if checkout is None:
        return False
    found = None
    if checkout.mollie_key:
        found = MollieSettings(
            organisation=checkout.organisation,
            api_key=checkout.mollie_key,
            api_endpoint=checkout.mollie_endpoint or "",
        )
    payment = mollie.payment_get(
        organisation=checkout.organisation, mollie_id=checkout.mollie_id, settings=found
    )
    if checkout.recorded_at is not None and payment.get("status") == checkout.status:
        return True  # recorded, and Mollie has nothing new to tell
    payment_apply(checkout=checkout, payment=payment)
    return True
