"""The demo commune's collection: a policy, reminders, formal notices and a payment plan.

Last month's invoices are not due yet when the demo is built (due 30 days after the first of
this month), so the story starts earlier: a few families whose children ate at school in an
earlier month (the latest one with school meals whose chain of reminders fits before today)
are billed for those meals on the first of the next month, due ten days later. Then, through
the services only: a policy of three levels (reminder, second reminder with a fee, formal
notice); the level-1 run; one family asks for a payment plan (biweekly, its first instalment
paid by a bank statement, its second one late) and two pay their reminder; the level-2 run;
one more family pays; the formal notices. The bank file the demo leaves ready to import also
pays a second reminder and the plan's late instalment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from regie.activities.models import ActivityCategory
from regie.attendance.models import Day, Registration, RegistrationDate
from regie.attendance.verifying import days_create_missing, days_verify
from regie.billing.models import Invoice, RunStatus
from regie.billing.runs import run_create, run_open, run_post
from regie.core.errors import DomainError
from regie.demo.billing import fix_registry, next_month_start
from regie.demo.scans import previous_month_start
from regie.dunning import plans
from regie.dunning.collection import reminder_open
from regie.dunning.models import Reminder, ReminderPolicy
from regie.dunning.reminders import run_create as reminders_create
from regie.dunning.reminders import run_start
from regie.dunning.services import policy_save

FAMILIES = 12
MEAL_DAYS = 6
DUE_DAYS = 10
#: The demo's policy: short delays, so the story fits in the weeks before the demo's day.
LEVELS = [
    {"name": "Rappel", "delay_days": 1, "days_to_pay": 14, "fee_cents": 0},
    {"name": "Second rappel", "delay_days": 1, "days_to_pay": 10, "fee_cents": 500},
    {
        "name": "Mise en demeure",
        "delay_days": 1,
        "days_to_pay": 10,
        "fee_cents": 1000,
        "formal_notice": True,
    },
]
#: Days from the invoices' date to the formal notices' due date (see LEVELS and DUE_DAYS).
STORY_DAYS = DUE_DAYS + 2 + 14 + 2 + 10 + 2 + 10


@dataclass
class CollectionStats:
    """What the collection builder did, and what the ready bank file should pay."""

    invoices: int = 0
    reminders: dict[int, int] = field(default_factory=dict)  # level → reminders
    plan_id: int | None = None
    to_pay: list[tuple[int, str]] = field(default_factory=list)  # (cents, communication)


def build_collection(*, today: dt.date, user=None, pay=None) -> CollectionStats:
    """Tell the collection story; ``pay(day, [(cents, communication)])`` imports a statement."""
    stats = CollectionStats()
    month = _story_month(today)
    registrations = list(
        Registration.objects.filter(person__isnull=False).order_by("person_id", "pk")
    )
    chosen = list({r.person_id: r for r in registrations}.values())[:FAMILIES]
    if month is None or not chosen:
        return stats
    invoice_date = next_month_start(month)
    run = _meals_billed(month, chosen, invoice_date, user)
    if run is None:
        return stats
    invoices = list(Invoice.objects.filter(run=run).order_by("number"))
    stats.invoices = len(invoices)
    policy = policy_save(
        policy=ReminderPolicy(name="Accueil et repas", min_invoice_cents=100, min_person_cents=500),
        categories=ActivityCategory.objects.filter(code__in=("accueil", "repas")),
        levels=LEVELS,
    )
    due = invoice_date + dt.timedelta(days=DUE_DAYS)
    first = _remind(policy, 1, due + dt.timedelta(days=2), user, stats)
    planned = _plan(invoices[0], first + dt.timedelta(days=3), stats)
    pay(first + dt.timedelta(days=4), _reminders_paid(1, skip={planned.person_id}, count=2))
    plan_paid = planned.instalments.order_by("number").first()
    pay(plan_paid.due_date, [(plan_paid.amount_cents, planned.communication)])
    second = _remind(policy, 2, first + dt.timedelta(days=16), user, stats)
    pay(second + dt.timedelta(days=3), _reminders_paid(2, count=1))
    _remind(policy, 3, second + dt.timedelta(days=12), user, stats)
    plans.instalments_mark_late(today)
    stats.to_pay = _reminders_paid(2, count=1) + _late_instalment(planned, today)
    return stats


def _story_month(today: dt.date) -> dt.date | None:
    """Return the latest month before last whose reminders fit before ``today``."""
    month = previous_month_start(previous_month_start(today))
    for _ in range(6):
        if next_month_start(month) + dt.timedelta(days=STORY_DAYS) < today:
            return month
        month = previous_month_start(month)
    return None


def _meals_billed(month: dt.date, chosen: list[Registration], invoice_date, user):
    """Register the chosen children to their meals on the month's first open days, verify
    those days and bill and post them; return the posted run (None when nothing was open)."""
    last = invoice_date - dt.timedelta(days=1)
    dates = []
    for registration in chosen:
        window = registration.activity.as_window()
        days = [month + dt.timedelta(days=n) for n in range((last - month).days + 1)]
        dates += [
            RegistrationDate(
                organisation=registration.organisation,
                registration=registration,
                child_id=registration.child_id,
                date=day,
            )
            for day in [d for d in days if window.is_open(d)][:MEAL_DAYS]
        ]
    if not dates:
        return None
    RegistrationDate.objects.bulk_create(dates)
    days_create_missing(month, last)
    children = {r.child_id for r in chosen}
    rows = Day.objects.filter(date__range=(month, last), child_id__in=children)
    days_verify(list(rows.order_by().values_list("pk", "child_id", "date")))
    run = _run(month, last, invoice_date, user)
    if run.status == RunStatus.ERROR:
        fix_registry(p for p in _problems(run))
        run = _run(month, last, invoice_date, user)
    return run_post(run) if run.status == RunStatus.DRAFT else None


def _run(month, last, invoice_date, user):
    return run_create(
        run_open(
            categories=ActivityCategory.objects.filter(code="repas"),
            date_from=month,
            date_to=last,
            invoice_date=invoice_date,
            due_date=invoice_date + dt.timedelta(days=DUE_DAYS),
            user=user,
        )
    )


def _problems(run):
    return [DomainError.from_dict(p) for p in run.problems]


def _remind(policy, number: int, day: dt.date, user, stats: CollectionStats) -> dt.date:
    """Run a level on ``day``; return the day."""
    level = policy.levels.get(number=number)
    run = reminders_create(run_start(level=level, run_date=day, due_date=None, user=user))
    stats.reminders[number] = Reminder.objects.filter(run=run).count()
    return day


def _plan(invoice: Invoice, day: dt.date, stats: CollectionStats):
    """Give the first family a plan of three biweekly instalments, the first due a week on."""
    plan = plans.plan_create(
        person=invoice.person,
        invoices=[invoice],
        frequency="biweekly",
        first_due=day + dt.timedelta(days=7),
        count=3,
        day=day,
    )
    stats.plan_id = plan.pk
    return plan


def _reminders_paid(level: int, *, count: int, skip=frozenset()) -> list[tuple[int, str]]:
    """Return the totals and communications of ``count`` live reminders of ``level`` not paid
    yet (the latest first), of persons not in ``skip``."""
    reminders = Reminder.objects.filter(level__number=level, cancelled_at__isnull=True)
    found = []
    for reminder in reminders.exclude(person_id__in=skip).order_by("-number"):
        cents = reminder_open(reminder)
        if cents > 0 and len(found) < count:
            found.append((cents, reminder.communication))
    return found


def _late_instalment(plan, today: dt.date) -> list[tuple[int, str]]:
    late = plans.late_instalments(today)
    mine = [state for instalment, state in late if instalment.plan_id == plan.pk]
    return [(mine[0].open_cents, plan.communication)] if mine else []
