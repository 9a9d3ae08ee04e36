"""Files paid afterwards: approval issues an invoice numbered in the organisation's sequence,
with the file's lines (no child, no activity), booked in the ledger, sent, reminded, paid and
printed like any other invoice; the file becomes invoiced and links to it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from tests.conftest import with_token
from tests.dunning.builders import EXAMPLE_11
from tests.fees import builders as b
from tests.payments.payment_builders import coda_file

from regie.billing.models import Invoice
from regie.billing.selectors import with_balance
from regie.core.errors import DomainError
from regie.core.models import Role
from regie.core.tenancy import scope
from regie.documents.data import documents_data
from regie.dunning.models import ReminderPolicy
from regie.dunning.selectors import open_invoices_of
from regie.dunning.services import policy_save
from regie.fees.invoicing import file_invoice
from regie.fees.models import FileState
from regie.fees.rules import Line
from regie.fees.services import file_push
from regie.ledger.models import EntryLine
from regie.payments.imports import statements_import


def later(external_id: str = "EVT-1", **fields):
    lines = (
        Line("Podium, par jour", Decimal("2"), 15000, Decimal("0")),
        Line("Barrières, par mètre", Decimal("2.5"), 400, Decimal("0")),
    )
    return b.container(external_id, way="afterwards", lines=lines, **fields)


def test_approval_issues_a_numbered_posted_invoice_and_the_file_is_invoiced(in_a):
    service = b.service(days_to_pay=30)
    file, _ = file_push(service=service, data=later())
    assert file.state == FileState.TO_INVOICE
    invoice = file_invoice(file=file, day=date(2026, 5, 4))
    file.refresh_from_db()
    assert (file.state, file.invoice_id) == (FileState.INVOICED, invoice.pk)
    assert invoice.number == "FACT/2026/00001" and invoice.is_posted
    assert (invoice.total_cents, invoice.due_date) == (31000, date(2026, 6, 3))
    lines = list(invoice.lines.order_by("pk"))
    assert [(x.label, x.quantity, x.unit_cents, x.amount_cents) for x in lines] == [
        ("Podium, par jour", 2, 15000, 30000),
        ("Barrières, par mètre (2,5 × 4,00 €)", 1, 1000, 1000),
    ]
    assert {(x.child_id, x.activity_id, x.category_id) for x in lines} == {
        (None, None, service.category_id)
    }
    receivable = EntryLine.objects.filter(account__role="receivable", person_id=file.person_id)
    assert sum(x.debit for x in receivable) == 31000


def test_a_file_is_invoiced_once_and_only_when_invoiced_afterwards(in_a):
    service = b.service()
    file, _ = file_push(service=service, data=later())
    file_invoice(file=file)
    with pytest.raises(DomainError) as twice:
        file_invoice(file=file)
    advance, _ = file_push(service=service, data=b.container("OCC-9"))
    with pytest.raises(DomainError) as paid_before:
        file_invoice(file=advance)
    assert twice.value.code == paid_before.value.code == "fees.not_to_invoice"
    assert Invoice.objects.count() == 1


def test_its_invoice_is_reminded_paid_by_transfer_and_printed_like_the_others(in_a):
    service = b.service()
    file, _ = file_push(service=service, data=later())
    invoice = file_invoice(file=file, day=date(2026, 5, 4))
    policy = policy_save(
        policy=ReminderPolicy(name="Permis"), categories=[service.category], levels=EXAMPLE_11
    )
    assert [i.pk for i in open_invoices_of(policy.levels.order_by("number").first())] == [
        invoice.pk
    ]
    (document,) = documents_data([invoice.pk])
    assert document["number"] == invoice.number and document["total"] == "310,00 €"
    assert [row["activity"] for row in document["summary"]] == [
        "Podium, par jour",
        "Barrières, par mètre (2,5 × 4,00 €)",
    ]
    assert {row["child"] for row in document["summary"]} == {""}
    statements_import(data=coda_file([(31000, invoice.communication)]), name="a.cod")
    assert with_balance(Invoice.objects.filter(pk=invoice.pk)).get().open_cents == 0


def test_the_file_page_approves_sends_by_email_and_links_the_invoice_by_number(
    org_a, login, django_capture_on_commit_callbacks
):
    with scope(org_a):
        file, _ = file_push(service=b.service(), data=later())
    client = login(org_a, Role.FINANCE)
    url = reverse("fees-files:file-detail", args=[file.pk])
    assert reverse("fees-files:file-invoice", args=[file.pk]) in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("fees-files:file-invoice", args=[file.pk]), with_token())
    assert response["Location"] == url
    with scope(org_a):
        invoice = Invoice.objects.get()
    page = client.get(url).content.decode()
    assert invoice.number in page and invoice.get_absolute_url() in page
    assert [m.to for m in mail.outbox] == [["julie.lambert@example.be"]]
    invoice_page = client.get(invoice.get_absolute_url())
    assert invoice_page.status_code == 200 and "Podium, par jour" in invoice_page.content.decode()


def test_an_auditor_cannot_approve(org_a, login):
    with scope(org_a):
        file, _ = file_push(service=b.service(), data=later())
    client = login(org_a, Role.AUDITOR)
    response = client.post(reverse("fees-files:file-invoice", args=[file.pk]), with_token())
    assert response.status_code == 403
    with scope(org_a):
        assert Invoice.objects.count() == 0
