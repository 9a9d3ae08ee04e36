"""Property test with the database: over any sequence of payments at the counter, cancelled
payments, refunds and exports of service files paid in advance, the sum exported per file
equals what it is worth now (its amount when paid, else 0), and the database never takes a
document twice (``exportitem_once``)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.fees import builders as b

from regie.exports.models import ExportItem
from regie.exports.services import export_create
from regie.fees.models import FilePayment, FileState
from regie.fees.payments import file_pay_at_counter
from regie.fees.refunds import file_refund
from regie.fees.services import file_push
from regie.payments.models import Mode
from regie.payments.services import payment_cancel

# Their files are paid today and exported through today: tomorrow has come.
pytestmark = pytest.mark.usefixtures("day_over")

steps = st.lists(
    st.tuples(
        st.sampled_from(["pay", "cancel", "refund", "export"]),
        st.integers(0, 1),  # which file
        st.integers(0, 40),  # how many days ago a payment is dated
    ),
    max_size=10,
)


def _export(today):
    return export_create(date_from=today - timedelta(days=60), date_to=today, formats=["csv"])


def _history(files, history):
    today = timezone.localdate()  # when the example runs, never when the module is read
    for action, which, ago in history:
        file = files[which]
        file.refresh_from_db()
        if action == "pay" and file.state == FileState.AWAITING_PAYMENT:
            file_pay_at_counter(file=file, mode=Mode.CASH, day=today - timedelta(days=ago))
        elif action == "cancel":
            live = FilePayment.objects.filter(file=file, cancelled=False).last()
            if live is not None:
                payment_cancel(payment=live.payment)
        elif action == "refund" and file.state == FileState.PAID:
            file_refund(file=file)
        elif action == "export":
            _export(today)
    _export(today)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps)
def test_any_history_exports_each_file_at_what_it_is_worth_now(in_a, history):
    with transaction.atomic():
        service = b.service()
        files = [
            file_push(service=service, data=b.container(f"OCC-{n}", days=str(n + 1)))[0]
            for n in range(2)
        ]
        for file in files:
            file.person.iban = "BE71096123456769"
            file.person.save()
        _history(files, history)
        for file in files:
            file.refresh_from_db()
            worth = file.amount_cents if file.state == FileState.PAID else 0
            items = ExportItem.objects.filter(source=f"service_file:{file.pk}")
            assert (items.aggregate(t=Sum("amount_cents"))["t"] or 0) == worth, history
        transaction.set_rollback(True)
