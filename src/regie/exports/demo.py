"""The demo commune's accounting exports: two exports, a change travelling in the second.

The finance officer sets the budget articles of the categories, exports last month's invoices
(dated the first of this month), then credits one unpaid invoice and writes off part of
another; the second export, up to today, holds the credit note and, for the invoice written
off, a credit note for the whole amount exported and a new invoice for what is still due,
with the permit service's fees (regie.fees.demo runs before): the file paid at the counter
as a service fee, the file invoiced afterwards as its invoice, both on the service's budget
article.
On the first of a month the run is dated today: a day travels once it is over, so the first
export ends yesterday without it and there is no second one (tomorrow's export takes it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F

from regie.activities.models import ActivityCategory
from regie.billing.corrections import invoice_credit, write_off_create
from regie.billing.models import BillingRun, Invoice, WriteOffKind
from regie.billing.selectors import with_balance
from regie.exports.models import BudgetArticle, Export, ExportSettings
from regie.exports.services import export_create, export_settings_save

ARTICLES = {"accueil": "835/161-48", "repas": "722/161-48"}


@dataclass
class ExportStats:
    first: Export | None = None
    second: Export | None = None


def exports_for_demo(
    run: BillingRun, *, today: dt.date, user=None, paid_later: frozenset[str] = frozenset()
) -> ExportStats:
    """Export the posted run, change two of its invoices, export again (inside the scope).

    The invoice credited is one the demo's bank file (``paid_later``: the communications it
    pays) leaves unpaid, so that importing the file still goes as the payments demo says.
    """
    export_settings_save(
        settings_row=ExportSettings(
            application_code="AES", default_article="835/161-01", fee_article="040/380-03"
        )
    )
    for category in ActivityCategory.objects.all():
        article = ARTICLES.get(category.code, "835/161-01")
        BudgetArticle.objects.create(category=category, article=article)
    stats = ExportStats()
    first_day = min(run.invoices.values_list("invoice_date", flat=True), default=today)
    start = (first_day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    # A day travels once it is over: on the first of the month the run, dated today, waits
    # for tomorrow's export and the first export ends yesterday.
    stats.first = export_create(
        date_from=start,
        date_to=min(first_day, today - dt.timedelta(days=1)),
        formats=["csv", "ubl"],
        user=user,
    )
    unpaid = list(
        with_balance(Invoice.objects.filter(run=run))
        .filter(open_cents=F("total_cents"), total_cents__gt=200)
        .order_by("number")
    )
    never_paid = [i for i in unpaid if i.communication not in paid_later]
    # A day travels once it is over: the second export ends yesterday, the changes it
    # carries were made then.
    day = today - dt.timedelta(days=1)
    if day < first_day:  # the run is dated today: nothing more to export yet
        return stats
    if never_paid and len(unpaid) >= 2:
        unpaid.remove(never_paid[0])
        invoice_credit(invoice=never_paid[0], day=day)
        write_off_create(
            invoice=unpaid[0], kind=WriteOffKind.SOCIAL_AID, amount_cents=100, day=day,
            reason="CPAS", user=user,
        )  # fmt: skip
    stats.second = export_create(
        date_from=first_day, date_to=day, formats=["csv", "ubl"], user=user
    )
    return stats
