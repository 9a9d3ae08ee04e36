"""Payments' dashboard counter: bank movements nobody could match, waiting to be allocated."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from regie.core.dashboard import Counter, Section, register_counter
from regie.core.permissions import CAPABILITIES
from regie.payments.models import BankMovement, MovementStatus

register_counter(
    Counter(
        key="payments.movements_rejected",
        label=_("rejected bank movements to allocate"),
        count=lambda: BankMovement.objects.filter(status=MovementStatus.REJECTED).count(),
        url=lambda: f"{reverse('payments:movement-list')}?status={MovementStatus.REJECTED}",
        roles=CAPABILITIES["finance.edit"],
        section=Section.MONEY,
        order=10,
    )
)
