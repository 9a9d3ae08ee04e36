"""The demo commune's billing: last month's run posted, this month's run in draft.

Both runs bill the categories "Accueil" and "Repas" (morning, early and evening care, meals);
Wednesday afternoons and the workshop are left unbilled, for a finance officer to try a run of
their own. The registry has a few children without an attestable parent (``registry.py``), so
the story goes as it does in a commune: the first run of last month stops in error and lists
them; the finance officer ticks "attestable" on each one's first parent, runs the month again
and posts it. The run in error stays in the list, as it does until someone deletes it. This
month's preview names the children still to fix, fixed the same way before its run is created.

Last month's invoices are dated the first of this month, due 30 days later; this month's run,
up to yesterday's attendances, holds draft invoices dated the first of next month.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from regie.activities.models import ActivityCategory
from regie.billing.models import BillingRun, Invoice, RunStatus
from regie.billing.preview import run_preview
from regie.billing.runs import run_create, run_open, run_post
from regie.core.errors import DomainError
from regie.demo.scans import previous_month_start
from regie.people.models import ChildPerson

CATEGORIES = ("accueil", "repas")
DUE_DAYS = 30


@dataclass
class BillingStats:
    """What the billing builder did."""

    error_run: BillingRun | None = None
    posted_run: BillingRun | None = None
    draft_run: BillingRun | None = None
    posted: int = 0
    posted_cents: int = 0
    drafts: int = 0
    attestable_fixed: int = 0
    documents: dict = field(default_factory=dict)  # batches and invoices per language


def next_month_start(day: dt.date) -> dt.date:
    """Return the first day of the month after ``day``'s."""
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def build_billing(*, today: dt.date, user=None) -> BillingStats:
    """Post last month's run and create this month's; return what was done."""
    stats = BillingStats()
    last = run_create(_run(previous_month_start(today), user))
    if last.status == RunStatus.ERROR:
        stats.error_run = last
        stats.attestable_fixed += fix_registry(DomainError.from_dict(p) for p in last.problems)
        last = _created(_run(previous_month_start(today), user))
    stats.posted_run = run_post(last)
    posted = Invoice.objects.filter(run=stats.posted_run)
    stats.posted = posted.count()
    stats.posted_cents = sum(posted.values_list("total_cents", flat=True))
    current = _run(today.replace(day=1), user)
    categories = list(current.categories.values_list("pk", flat=True))
    stats.attestable_fixed += fix_registry(run_preview(current, categories).problems)
    stats.draft_run = _created(current)
    stats.drafts = Invoice.objects.filter(run=stats.draft_run).count()
    return stats


def _run(first_day: dt.date, user) -> BillingRun:
    """Create the run of a month, dated the first of the next month."""
    following = next_month_start(first_day)
    return run_open(
        categories=ActivityCategory.objects.filter(code__in=CATEGORIES),
        date_from=first_day,
        date_to=following - dt.timedelta(days=1),
        invoice_date=following,
        due_date=following + dt.timedelta(days=DUE_DAYS),
        user=user,
    )


def fix_registry(problems: Iterable[DomainError]) -> int:
    """Tick "attestable" on the first parent of each child named; return how many.

    Any other problem means the demo's own data is wrong: it is raised, not hidden.
    """
    children = set()
    for problem in problems:
        if problem.code != "billing.no_attestable":
            raise problem
        children.add(problem.params["child_id"])
    firsts = {}
    links = ChildPerson.objects.filter(child_id__in=children).order_by("-pk")
    for pk, child_id in links.values_list("pk", "child_id"):
        firsts[child_id] = pk  # the lowest key wins: the registry's first parent
    ChildPerson.objects.filter(pk__in=firsts.values()).update(attestable=True)
    return len(firsts)


def _created(run: BillingRun) -> BillingRun:
    run = run_create(run)
    if run.status != RunStatus.DRAFT:
        raise DomainError.from_dict(run.problems[0])
    return run
