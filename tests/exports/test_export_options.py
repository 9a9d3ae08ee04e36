"""Export options: payments received (optional kind) and the invoices' statuses to keep."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django.utils.translation import gettext
from tests.exports.builders import csv_lines, post, ubl_files, world

from regie.core.errors import DomainError
from regie.core.tenancy import scope
from regie.exports.models import Export
from regie.exports.services import DOCUMENT_KINDS, KINDS, export_create
from regie.payments.models import Mode
from regie.payments.services import payment_cancel, payment_create

MARCH = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31)}


def test_payments_received_travel_once_with_the_invoices_they_paid(in_a, day_over):
    setup, parent = world()
    invoice = post(setup, parent, 5000, date(2026, 3, 3))
    payment = payment_create(person=parent, day=date(2026, 3, 10), amount_cents=8000,
                             mode=Mode.CASH)  # fmt: skip

    first = export_create(**MARCH, formats=["csv", "ubl"], kinds=KINDS)

    rows = [r for r in csv_lines(first)[1:] if r[2] == "payment"]
    assert [(r[4], r[7], r[19], r[22], r[26]) for r in rows] == [
        ("payment", "2026-03-10", invoice.number, "-50.00", invoice.formatted_communication),
        ("payment", "2026-03-10", gettext("Credit of the person"), "-30.00",
         invoice.formatted_communication),
    ]  # fmt: skip
    assert list(ubl_files(first)) == [f"{invoice.number.replace('/', '-')}.xml"]  # no e-invoice
    assert (first.documents, first.credits, first.debit_cents) == (2, 0, 5000)

    assert export_create(**MARCH, formats=["csv"], kinds=KINDS).documents == 0  # once
    payment_cancel(payment=payment)  # cancelled today: travels in the next export
    today = timezone.localdate()
    later = export_create(date_from=today - timedelta(days=5), date_to=today, formats=["csv"],
                          kinds=KINDS)  # fmt: skip
    assert [(i.action, i.amount_cents) for i in later.items.all()] == [("reversal", 8000)]


def test_payments_stay_out_unless_asked_for(in_a):
    setup, parent = world()
    post(setup, parent, 5000, date(2026, 3, 3))
    payment_create(person=parent, day=date(2026, 3, 10), amount_cents=5000, mode=Mode.CASH)
    export = export_create(**MARCH, formats=["csv"])
    assert [i.kind for i in export.items.all()] == ["invoice"]


def test_only_the_invoices_of_the_statuses_asked_for_then_the_others_later(in_a):
    setup, parent = world()
    paid = post(setup, parent, 5000, date(2026, 3, 3))
    waiting = invoices_due_later(setup, parent)
    payment_create(person=parent, day=date(2026, 3, 10), amount_cents=5000, mode=Mode.CASH,
                   split={paid.pk: 5000})  # fmt: skip

    first = export_create(**MARCH, formats=["csv"], statuses=["paid", "overdue"])
    assert [i.number for i in first.items.all()] == [paid.number]
    again = export_create(**MARCH, formats=["csv"])
    assert [i.number for i in again.items.all()] == [waiting.number]


def invoices_due_later(setup, parent):
    from tests.payments.payment_builders import invoices_post

    return invoices_post(setup, [(parent.pk, [1200])], day=date(2026, 3, 20),
                         due_date=date(2099, 1, 1))[0]  # fmt: skip


def test_unknown_kinds_or_statuses_are_refused(in_a):
    with pytest.raises(DomainError) as refused:
        export_create(**MARCH, formats=["csv"], statuses=["lost"])
    assert refused.value.code == "export.kinds_unknown"
    with pytest.raises(DomainError):
        export_create(**MARCH, formats=["csv"], kinds=[*DOCUMENT_KINDS, "gift"])
    assert Export.objects.count() == 0


def test_the_command_takes_kinds_and_statuses(org_a, tmp_path):
    with scope(org_a):
        setup, parent = world()
        invoice = post(setup, parent, 5000, date(2026, 3, 3))
        payment_create(person=parent, day=date(2026, 3, 10), amount_cents=5000, mode=Mode.CASH)
    out = io.StringIO()
    call_command("export", "--organisation", str(org_a.pk), "--from", "2026-03-01", "--to",
                 "2026-03-31", "--format", "csv", "--kind", "invoice", "--kind", "payment",
                 "--status", "paid", "--output", str(tmp_path), stdout=out)  # fmt: skip
    text = (tmp_path / "export-20260301-20260331.csv").read_text(encoding="utf-8")
    assert invoice.number in text and ";payment;" in text
    assert "documents: 2" in out.getvalue()
