"""The fees of other services in the accounting export (DOMAIN §9), worked-example style.

A container on the public road (worked example 13: 2 days at 15.00, paid in advance) paid at
the counter on the 10th of a month travels in that month's export as a service fee of 30.00
dated the 10th, on the service's budget article; exporting the month again holds nothing new;
refunded later (today: a refund is dated the day the file is cancelled), the file travels in
the next export as a credit note of 30.00; another organisation's files never travel in this
one's exports.
"""

from __future__ import annotations

import doctest
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import etree
from tests import factories as f
from tests.exports.builders import csv_lines, fatal, ubl_files
from tests.fees import builders as b

from regie.billing.corrections import invoice_credit
from regie.core.models import Role, User
from regie.core.tenancy import scope
from regie.exports.models import BudgetArticle
from regie.exports.services import DOCUMENT_KINDS, export_create
from regie.fees import exporting
from regie.fees.invoicing import file_invoice
from regie.fees.models import Way
from regie.fees.payments import file_pay_at_counter
from regie.fees.refunds import file_refund
from regie.fees.rules import Line
from regie.fees.services import file_push
from regie.payments.models import Mode

# Their files are paid today and exported through today: tomorrow has come.
pytestmark = pytest.mark.usefixtures("day_over")

BOTH = ["csv", "ubl"]
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"


class Days(NamedTuple):
    today: date
    march: tuple[date, date]  # the month before this one: "month 1"
    april: tuple[date, date]  # this month up to today: the next export
    paid_on: date  # the 10th of "month 1"


def this_month():
    """Taken when a test runs, never when the module is read: a suite that crosses midnight
    would otherwise pay and refund on its new day and export up to the day it started."""
    today = timezone.localdate()
    last = today.replace(day=1) - timedelta(days=1)
    march = (last.replace(day=1), last)
    return Days(today, march, (today.replace(day=1), today), march[0] + timedelta(days=9))


@pytest.fixture
def days():
    return this_month()


def export(span, formats=BOTH, **options):
    return export_create(date_from=span[0], date_to=span[1], formats=formats, **options)


def paid_container(external_id="OCC-2026-0042", day=None, **fields):
    file, _ = file_push(service=b.service(), data=b.container(external_id, **fields))
    file.person.iban = "BE71096123456769"  # the refund goes back by SEPA transfer
    file.person.save()
    file_pay_at_counter(file=file, mode=Mode.CASH, day=day or this_month().paid_on)
    file.refresh_from_db()
    return file


def rows_by_column(export_row):
    header, *rows = csv_lines(export_row)
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_a_file_paid_at_the_counter_travels_once_then_its_refund_as_a_credit_note(in_a, days):
    file = paid_container()
    number = f"SF/{file.pk}/OCC-2026-0042"

    march = export(days.march)
    assert list(march.items.values_list("kind", "action", "number", "amount_cents",
                                         "document_date")) == [
        ("service_fee", "original", number, 3000, days.paid_on)
    ]  # fmt: skip
    assert (march.documents, march.debit_cents, march.credits) == (1, 3000, 0)
    [row] = rows_by_column(march)
    assert {k: row[k] for k in ("document", "type", "source_kind", "date", "description",
                                "quantity", "unit_price", "amount", "budget_article",
                                "vat_category", "vat_rate", "line_date")} == {
        "document": number, "type": "invoice", "source_kind": "service_fee",
        "date": days.paid_on.isoformat(), "description": "Conteneur, par jour", "quantity": "2",
        "unit_price": "15.00", "amount": "30.00", "budget_article": "040/161-48",
        "vat_category": "O", "vat_rate": "0", "line_date": "",
    }  # fmt: skip
    assert row["structured_communication"] == file.formatted_communication
    [(name, content)] = ubl_files(march).items()
    assert name == f"SF-{file.pk}-OCC-2026-0042.xml" and fatal(content) == []
    root = etree.fromstring(content)
    assert etree.QName(root).localname == "Invoice"
    assert root.findtext(f".//{{{CBC}}}PayableAmount") == "30.00"

    again = export(days.march)
    assert again.documents == 0 and not again.items.exists()

    file_refund(file=file)
    april = export(days.april)
    assert list(april.items.values_list("action", "number", "amount_cents")) == [
        ("reversal", f"{number}-C1", -3000)
    ]
    assert (april.credits, april.credit_cents, april.debit_cents) == (1, 3000, 0)
    [row] = rows_by_column(april)
    assert (row["type"], row["amount"], row["budget_article"], row["source_document"]) == (
        "credit_note", "-30.00", "040/161-48", number,
    )  # fmt: skip
    [content] = ubl_files(april).values()
    assert fatal(content) == []
    root = etree.fromstring(content)
    assert etree.QName(root).localname == "CreditNote"
    assert root.findtext(f".//{{{CBC}}}PayableAmount") == "30.00"
    assert export(days.april).documents == 0


def test_a_payment_recorded_after_its_months_export_travels_in_the_next_one(in_a, days):
    """A counter payment dated the 10th of last month but entered today, after last month's
    export: it travels in this month's export, dated the 10th, and only once."""
    assert export(days.march).documents == 0
    file = paid_container()
    [item] = export(days.april).items.all()
    assert (item.source, item.amount_cents, item.document_date) == (
        f"service_file:{file.pk}", 3000, days.paid_on,
    )  # fmt: skip
    assert export(days.march).documents == export(days.april).documents == 0


def test_another_organisations_files_never_travel_in_this_export(org_a, org_b, days):
    with scope(org_b):
        paid_container("OCC-B-0001")
    with scope(org_a):
        ours = paid_container("OCC-A-0001")
        march = export(days.march)
        assert list(march.items.values_list("source", flat=True)) == [f"service_file:{ours.pk}"]
    with scope(org_b):
        [theirs] = export(days.march).items.all()
        assert theirs.number.endswith("OCC-B-0001")


def test_a_file_awaiting_or_partly_paid_does_not_travel_until_paid(in_a, days):
    file, _ = file_push(service=b.service(), data=b.container())
    file_pay_at_counter(file=file, mode=Mode.CASH, day=days.paid_on, amount_cents=1000)
    assert export(days.march).documents == 0
    file_pay_at_counter(file=file, mode=Mode.CARD, day=days.april[0])
    [item] = export(days.april).items.all()
    assert (item.kind, item.amount_cents, item.document_date) == (
        "service_fee", 3000, days.april[0],
    )  # fmt: skip


def test_the_kinds_option_keeps_service_fees_out_until_asked_for(in_a, days):
    paid_container()
    kinds = [k for k in DOCUMENT_KINDS if k != "service_fee"]
    assert export(days.march, kinds=kinds).documents == 0
    assert list(export(days.march).items.values_list("kind", flat=True)) == ["service_fee"]


def test_each_lines_vat_rate_travels_and_passes_the_rules(in_a, days):
    """A line at 21 % (subject to VAT, S) beside one at 0 % (exempt, E: the rules refuse a
    line outside the scope of VAT beside one subject to it)."""
    lines = (Line("Terrasse, par m²", Decimal("10"), 1210, Decimal("21")),
             Line("Redevance de voirie", Decimal("1"), 2500, Decimal("0")))  # fmt: skip
    paid_container(lines=lines)
    march = export(days.march)
    rows = rows_by_column(march)
    assert [(r["amount"], r["vat_category"], r["vat_rate"]) for r in rows] == [
        ("121.00", "S", "21"), ("25.00", "E", "0"),
    ]  # fmt: skip
    [content] = ubl_files(march).values()
    assert fatal(content) == []
    root = etree.fromstring(content)
    assert root.findtext(f".//{{{CBC}}}TaxAmount") == "21.00"
    assert root.findtext(f".//{{{CBC}}}PayableAmount") == "146.00"


def test_a_file_paid_afterwards_travels_as_its_invoice_on_the_services_article(in_a, days):
    service = b.service()
    BudgetArticle.objects.create(category=service.category, article="999/161-01")
    file, _ = file_push(service=service, data=b.container(way=Way.AFTERWARDS))
    invoice = file_invoice(file=file, day=days.paid_on)
    other = f.category("accueil", "Accueil")
    assert other.pk != service.category_id
    march = export(days.march)
    [item] = march.items.all()
    assert (item.kind, item.number, item.amount_cents) == ("invoice", invoice.number, 3000)
    [row] = rows_by_column(march)
    assert (row["description"], row["budget_article"], row["source_kind"]) == (
        "Conteneur, par jour", "040/161-48", "invoice",
    )  # fmt: skip
    [content] = ubl_files(march).values()
    assert fatal(content) == []

    credit = invoice_credit(invoice=invoice, day=days.today)
    [item] = export(days.april).items.all()
    assert (item.number, item.amount_cents, item.articles) == (
        credit.number, -3000, {"040/161-48|O|0": -3000},
    )  # fmt: skip


def test_the_exporting_doctests():
    assert doctest.testmod(exporting).failed == 0


def test_the_exports_page_lists_the_file_with_a_link_to_it(org_a, login, days):
    client = login(org_a, Role.FINANCE, username="finance-fees")
    User.objects.filter(username="finance-fees").update(language="en")
    with scope(org_a):
        file = paid_container()
        march = export(days.march)
    page = client.get(reverse("exports:detail", args=[march.pk])).content.decode()
    link = reverse("fees-files:file-detail", args=[file.pk])
    assert f'<a href="{link}">SF/{file.pk}/OCC-2026-0042</a>' in page
    assert "fee of a service" in page and "30,00" in page


def test_the_files_page_says_when_it_travels_and_in_which_export(org_a, login, days):
    client = login(org_a, Role.FINANCE, username="finance-file")
    User.objects.filter(username="finance-file").update(language="en")
    with scope(org_a):
        paid = paid_container()
        waiting, _ = file_push(service=paid.service, data=b.container("OCC-WAIT"))
    url = reverse("fees-files:file-detail", args=[waiting.pk])
    assert "Travels in the accounting export once paid." in client.get(url).content.decode()
    url = reverse("fees-files:file-detail", args=[paid.pk])
    assert "Not exported yet" in client.get(url).content.decode()
    with scope(org_a):
        march = export(days.march)
    page = client.get(url).content.decode()
    assert march.get_absolute_url() in page and "Not exported yet" not in page


def test_a_file_exported_then_unpaid_takes_no_new_version(in_a, days):
    """DOMAIN §8: a new version replaces the amounts "while nothing is paid or exported": a
    file paid, exported, then its payment cancelled awaits payment again, but its amount went
    to the accounting, so a new version is refused with its reason (before the export it
    would have been taken)."""
    from regie.core.errors import DomainError
    from regie.fees.models import FileState
    from regie.payments.models import Payment
    from regie.payments.services import payment_cancel

    file = paid_container()
    export(days.march)
    payment_cancel(payment=Payment.objects.get())
    file.refresh_from_db()
    assert file.state == FileState.AWAITING_PAYMENT
    with pytest.raises(DomainError) as refused:
        file_push(
            service=file.service,
            data=b.container("OCC-2026-0042", days="3"),
            new_version=True,
        )
    assert refused.value.code == "fees.version_after_export"
    other, _ = file_push(service=file.service, data=b.container("OCC-2026-0043"))
    file_pay_at_counter(file=other, mode=Mode.CARD, day=days.today)
    payment_cancel(payment=Payment.objects.get(file_payments__file=other))
    _, outcome = file_push(
        service=other.service, data=b.container("OCC-2026-0043", days="3"), new_version=True
    )
    assert outcome == "new_version"  # never exported: the service may still change it


def test_a_file_with_several_versions_travels_with_its_current_lines_only(in_a, days):
    service = b.service()
    file, _ = file_push(service=service, data=b.container("OCC-9", days="2"))
    file, _ = file_push(service=service, data=b.container("OCC-9", days="3"), new_version=True)
    file_pay_at_counter(file=file, mode=Mode.CARD, day=days.paid_on)
    [row] = rows_by_column(export(days.march, formats=["csv"]))
    assert (row["quantity"], row["amount"]) == ("3", "45.00")
