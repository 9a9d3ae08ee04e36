"""The demo commune's tax certificates 281.86 of last year, so that a newcomer sees them.

The demo's attendance starts last month; the income year before today needs a history of its
own. Through the services, as a commune would have lived it: after-school care and Wednesday
afternoons are marked tax-deductible and last year's legal daily maximum is set (a demo value:
the commune enters the year's legal amount); one week of last September is scanned and
verified, billed in a run of those two categories dated 1 October and paid by a bank statement
of 10 October; then the certificates of last year are built by the service the
certificates job runs (:func:`regie.certificates.services.batch_create`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from regie.activities.models import ActivityCategory
from regie.activities.services import category_save
from regie.billing.models import Invoice, RunStatus
from regie.billing.runs import run_create, run_open, run_post
from regie.certificates.models import CertificateBatch
from regie.certificates.services import batch_create, certificates_preview, daily_maximum_save
from regie.core.errors import DomainError
from regie.demo.billing import fix_registry
from regie.demo.identifiers import national_number
from regie.people.models import Person
from regie.people.services import person_save

DEDUCTIBLE = ("accueil", "mercredi")
DAILY_MAXIMUM_CENTS = 1640  # a demo value (DOMAIN §10 gives 16.40 for 2024)


@dataclass
class CertificateStats:
    year: int = 0
    invoices: int = 0
    paid: int = 0
    certificates: int = 0
    total_cents: int = 0
    problems: int = 0
    batch: CertificateBatch | None = None


def certificates_for_demo(*, setup, today: dt.date, scan, verify, pay, user=None):
    """Live a week of last September and build last year's certificates; return the figures.

    ``scan(date_from, date_to)`` inserts the period's scans, ``verify(date_from, date_to)``
    verifies its days and ``pay(day, [(cents, communication)])`` imports a bank statement.
    """
    year = today.year - 1
    stats = CertificateStats(year=year)
    if setup is None:
        return stats
    for category in ActivityCategory.objects.filter(code__in=DEDUCTIBLE):
        category.tax_deductible = True
        category_save(category=category)
    daily_maximum_save(year=year, cents=DAILY_MAXIMUM_CENTS)
    middle = dt.date(year, 9, 15)
    monday = middle - dt.timedelta(days=middle.weekday())
    friday = monday + dt.timedelta(days=4)
    scan(monday, friday)
    verify(monday, friday)
    run = _posted_run(monday, friday, dt.date(year, 10, 1), user)
    if run is None:
        return stats
    invoices = list(Invoice.objects.filter(run=run).order_by("number"))
    # All paid: an unpaid one would join the collection's story of reminders.
    paid = [(i.total_cents, i.communication) for i in invoices if i.total_cents > 0]
    pay(dt.date(year, 10, 10), paid)
    stats.invoices, stats.paid = len(invoices), len(paid)
    _complete_national_numbers(certificates_preview(year=year))
    batch = batch_create(year=year, user=user)
    totals = list(batch.certificates.values_list("total_cents", flat=True))
    stats.certificates, stats.total_cents = len(totals), sum(totals)
    stats.problems, stats.batch = len(batch.problems), batch
    return stats


def _complete_national_numbers(preview) -> int:
    """Enter the national numbers the preview asks for, as the clerk does before building the
    certificates (the tax administration's file needs one per parent); return how many.

    The demo's registry has them for four parents in ten, as a commune's childcare registry
    does; a demo value stands for the number the parent gives (never a real person's)."""
    wanted = {c.person for c in preview.certificates}
    missing = Person.objects.filter(pk__in=wanted, national_number="").order_by("pk")
    done = 0
    for person in missing:
        birth = dt.date(1980, 1, 1) + dt.timedelta(days=person.pk * 37 % 5000)
        person.national_number = national_number(birth, 500 + person.pk % 450)
        person_save(person=person)
        done += 1
    return done


def _posted_run(date_from: dt.date, date_to: dt.date, invoice_date: dt.date, user):
    """Bill the deductible care of the period, fixing attestable parents as the demo does;
    return the posted run, or None when its setup leaves it in error."""

    def created():
        return run_create(
            run_open(
                categories=ActivityCategory.objects.filter(code__in=DEDUCTIBLE),
                date_from=date_from,
                date_to=date_to,
                invoice_date=invoice_date,
                due_date=invoice_date + dt.timedelta(days=10),
                user=user,
            )
        )

    run = created()
    if run.status == RunStatus.ERROR:
        problems = [DomainError.from_dict(p) for p in run.problems]
        if any(p.code != "billing.no_attestable" for p in problems):
            return None
        fix_registry(problems)
        run = created()
    return run_post(run) if run.status == RunStatus.DRAFT else None
