"""Billing's dashboard counters: runs in error and runs whose drafts wait to be posted."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from regie.billing.models import BillingRun, RunStatus
from regie.core.dashboard import Counter, Section, register_counter
from regie.core.models import Role

BILLERS = frozenset({Role.ADMINISTRATOR, Role.FINANCE, Role.COORDINATOR})


def _runs_url(status: str) -> str:
    return f"{reverse('billing:run-list')}?status={status}"


for counter in (
    Counter(
        key="billing.runs_error",
        label=_("billing runs in error"),
        count=lambda: BillingRun.objects.filter(status=RunStatus.ERROR).count(),
        url=lambda: _runs_url(RunStatus.ERROR),
        roles=BILLERS,
        section=Section.BILLING,
        order=10,
    ),
    Counter(
        key="billing.runs_draft",
        label=_("draft billing runs to post"),
        count=lambda: BillingRun.objects.filter(status=RunStatus.DRAFT).count(),
        url=lambda: _runs_url(RunStatus.DRAFT),
        roles=BILLERS,
        section=Section.BILLING,
        order=20,
    ),
):
    register_counter(counter)
