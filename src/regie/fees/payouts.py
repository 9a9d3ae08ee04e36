"""Mollie's payouts ("settlements") as :class:`regie.payments.payouts.PayoutData`: the source
of payouts that the finance officer's payouts page fetches (registered in
:data:`regie.payments.payouts.SOURCES`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from regie.core.tenancy import current_organisation
from regie.fees import mollie
from regie.payments.models import Payout
from regie.payments.payouts import PayoutData


def settlement_fees(settlement) -> int:
    """Return the cents of Mollie's costs over a settlement's periods.

    >>> settlement_fees({"periods": {"2026": {"05": {"costs": [
    ...     {"amountGross": {"currency": "EUR", "value": "0.39"}},
    ...     {"amountGross": {"currency": "EUR", "value": "0.25"}}]}}}})
    64
    """
    total = 0
    for months in (settlement.get("periods") or {}).values():
        for period in months.values():
            total += sum(mollie.cents(cost.get("amountGross")) for cost in period.get("costs", []))
    return total


def _day(value: str | None) -> date | None:
    moment = parse_datetime(value or "")
    return timezone.localdate(moment) if moment else None


def mollie_payouts() -> Iterator[PayoutData]:
    """Yield the organisation's latest Mollie payouts not recorded yet, with their payments
    (none when it does not offer online payment)."""
    organisation = current_organisation()
    if not mollie.is_configured(organisation):
        return
    known = set(Payout.objects.values_list("provider_id", flat=True))
    for settlement in mollie.payouts_list(organisation=organisation):
        if settlement["id"] in known or settlement.get("status") not in ("paidout", None):
            continue
        payments = mollie.payout_payments(organisation=organisation, payout_id=settlement["id"])
        yield PayoutData(
            provider_id=settlement["id"],
            reference=settlement.get("reference") or settlement["id"],
            amount_cents=mollie.cents(settlement.get("amount")),
            fees_cents=settlement_fees(settlement),
            settled_on=_day(settlement.get("settledAt")),
            payment_ids=tuple(payment["id"] for payment in payments),
        )
