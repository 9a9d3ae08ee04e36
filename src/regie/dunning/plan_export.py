"""The list of payment plans exported with its filter (XLSX or CSV), as the screen shows it.

A plan's paid, open and late amounts come from its instalments (:func:`listing.plan_sums`,
the screen's own rule), computed a chunk of plans at a time in the organisation's scope (a
CSV is streamed after the view returned): never the whole list in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from regie.core.models import AuditLog
from regie.core.tenancy import scope
from regie.core.views import audit
from regie.dunning import listing
from regie.dunning.plan_models import Frequency, PlanStatus
from regie.exports.lists import ListColumn, csv_response, xlsx_response
from regie.exports.xlsx import DATE, MONEY

PLAN_CHUNK = 500
PLAN_COLUMNS = (
    ListColumn(_lazy("Person"), "person"),
    ListColumn(_lazy("Date"), "created_on", DATE),
    ListColumn(_lazy("Frequency"), "frequency", display=lambda v: str(Frequency(v).label)),
    ListColumn(_lazy("Status"), "status", display=lambda v: str(PlanStatus(v).label)),
    ListColumn(_lazy("Total"), "total", MONEY),
    ListColumn(_lazy("Paid"), "paid", MONEY),
    ListColumn(_lazy("Open"), "open", MONEY),
    ListColumn(_lazy("Late"), "late", MONEY),
)


def plan_rows(plans, organisation) -> Iterator[tuple]:
    """Yield each plan's row: person, date, frequency, status and its sums (cents)."""
    today = timezone.localdate()
    stream = plans.iterator(chunk_size=PLAN_CHUNK)
    while True:
        with scope(organisation):
            rows = []
            for plan in islice(stream, PLAN_CHUNK):
                sums = listing.plan_sums(plan, today)
                rows.append((str(plan.person), plan.created_on, plan.frequency, plan.status,
                             sums.total_cents, sums.paid_cents, sums.open_cents,
                             sums.late_cents))  # fmt: skip
        if not rows:
            return
        yield from rows


def plan_export(request, plans):
    """Answer the plans' export (``?export=xlsx`` or ``csv``), written to the audit log."""
    kind = request.GET["export"]
    rows = plan_rows(plans.order_by("-created_on", "-pk"), request.organisation)
    audit(request, action=AuditLog.Action.EXPORT, obj=request.organisation,
          detail=f"plans.{kind}")  # fmt: skip
    if kind == "csv":
        return csv_response("plans", PLAN_COLUMNS, rows)
    return xlsx_response("plans", str(_("Payment plans")), PLAN_COLUMNS, rows)
