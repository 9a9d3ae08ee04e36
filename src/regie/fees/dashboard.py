"""Fees' dashboard counters: call-backs failing after 3 attempts, files awaiting payment."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from regie.core.dashboard import Counter, Section, register_counter
from regie.core.models import Role
from regie.fees.models import Callback, CallbackStatus, FileState, ServiceFile

FAILING_AFTER = 3  # attempts: the first retries are minutes apart, then it is worth a look

register_counter(
    Counter(
        key="fees.callbacks_failing",
        label=_("call-backs to services failing"),
        count=lambda: Callback.objects.filter(
            status=CallbackStatus.PENDING, attempts__gte=FAILING_AFTER
        ).count(),
        url=lambda: f"{reverse('admin:fees_callback_changelist')}?status={CallbackStatus.PENDING}",
        roles=frozenset({Role.ADMINISTRATOR}),  # the configuration lists the attempts
        section=Section.MONEY,
        order=60,
    )
)

register_counter(
    Counter(
        key="fees.files_awaiting_payment",
        label=_("service files awaiting payment"),
        count=lambda: ServiceFile.objects.filter(state=FileState.AWAITING_PAYMENT).count(),
        url=lambda: f"{reverse('fees-files:file-list')}?state={FileState.AWAITING_PAYMENT}",
        roles=frozenset({Role.ADMINISTRATOR, Role.FINANCE}),
        section=Section.MONEY,
        order=61,
    )
)
