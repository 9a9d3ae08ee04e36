"""The demo's permit service: files in both ways of paying, made through the services."""

from __future__ import annotations

from datetime import date

from regie.fees.demo import fees_for_demo
from regie.fees.models import FileState, ServiceFile
from regie.payments.models import Payment


def test_the_demo_has_files_paid_at_the_counter_awaiting_payment_and_invoiced(in_a):
    stats = fees_for_demo(today=date(2026, 5, 4))
    assert stats.files == {
        "OCC-DEMO-0001": FileState.PAID,
        "OCC-DEMO-0002": FileState.AWAITING_PAYMENT,
        "EVT-DEMO-0001": FileState.INVOICED,
        "EVT-DEMO-0002": FileState.TO_INVOICE,
    }
    paid = ServiceFile.objects.get(external_id="OCC-DEMO-0001")
    assert Payment.objects.get(person_id=paid.person_id).receipt_number.startswith("REC/2026/")
    invoiced = ServiceFile.objects.select_related("invoice").get(external_id="EVT-DEMO-0001")
    assert invoiced.invoice.number.startswith("FACT/2026/")
    assert invoiced.invoice.total_cents == 34000
    assert invoiced.person.enterprise_number
