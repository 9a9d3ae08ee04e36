"""The organisation's chart of accounts: complete it from the default chart."""

from __future__ import annotations

from django.db import transaction

from regie.activities.models import ActivityCategory
from regie.ledger.models import Account
from regie.ledger.rules import AccountRole
from regie.ledger.services import PER_CATEGORY, Chart


@transaction.atomic
def chart_complete() -> list[Account]:
    """Create the default accounts the chart lacks and return them, by code.

    One account per role; receivables and revenue get one per activity category. Accounts the
    organisation already has for a role (and category), whatever their code, are kept.
    """
    existing = set(Account.objects.values_list("pk", flat=True))
    chart = Chart()
    categories = list(ActivityCategory.objects.order_by("pk").values_list("pk", flat=True))
    for role in AccountRole:
        for category_id in categories if role in PER_CATEGORY else [None]:
            chart.account_id(role, category_id)
    return list(Account.objects.exclude(pk__in=existing).order_by("code"))
