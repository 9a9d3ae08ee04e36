"""Billing's answers to attendance's question "is this attendance billed?" (a hook).

Attendance imports nothing of billing (data flows one way): it asks through
:mod:`regie.attendance.billed`, and :class:`BillingConfig.ready
<regie.billing.apps.BillingConfig>` registers :data:`LINKS`. Each answer is a condition on the
outer query's attendance, so the queries that use it stay set-based.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Exists, F, OuterRef, Q

from regie.attendance.bulk import AnyOf
from regie.billing.models import BilledAttendance, posted_links


class _Links:
    """Links between attendances and invoice lines, as attendance asks about them."""

    def billed(self) -> Exists:
        return Exists(posted_links())

    def held(self) -> Exists:
        return Exists(BilledAttendance.objects.filter(attendance=OuterRef("pk"), released=False))

    def on_draft(self) -> Q:
        # An uncorrelated IN, read once: the drafts of runs not posted yet are few.
        drafts = BilledAttendance.objects.filter(
            released=False, line__invoice__posted_at__isnull=True
        ).values("attendance_id")
        return Q(pk__in=drafts)

    def forget_released(self, attendance_ids: Sequence[int]) -> None:
        BilledAttendance.objects.filter(
            AnyOf(F("attendance_id"), attendance_ids), released=True
        ).delete()


LINKS = _Links()
