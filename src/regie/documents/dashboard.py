"""Documents' dashboard counter: e-mails that failed and were not sent again."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from regie.core.dashboard import Counter, Section, register_counter
from regie.core.permissions import CAPABILITIES
from regie.documents.models import Sending, SendingStatus


def _failed() -> int:
    return Sending.objects.filter(status=SendingStatus.FAILED, retried_by__isnull=True).count()


register_counter(
    Counter(
        key="documents.sendings_failed",
        label=_("failed sendings"),
        count=_failed,
        url=lambda: f"{reverse('documents:sending-list')}?status=failed",
        roles=CAPABILITIES["finance.edit"],
        section=Section.SENDING,
        order=10,
    )
)
