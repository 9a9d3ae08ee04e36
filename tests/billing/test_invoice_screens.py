"""Specification of the invoice screens: the list and its filters, an invoice and its
corrections (credit note, write-off, reversal), a person's account and moving attendances.

Pages are read in English (the user's language) so that wording can be asserted.
"""

from __future__ import annotations

import re
from datetime import date

from django.urls import reverse
from tests import factories as f
from tests.billing.conftest import posted, text
from tests.billing.test_runs import attend, new_run
from tests.conftest import with_token

from regie.attendance.models import Attendance, DayStatus
from regie.billing.corrections import write_off_create, write_off_reverse
from regie.billing.models import BillingRun, Invoice, Kind, WriteOff
from regie.billing.runs import run_create, run_post
from regie.billing.selectors import (
    Status,
    account_items,
    status_of,
    unbilled_attendances,
    with_balance,
    with_status,
)
from regie.payments.releases import invoice_release
from regie.payments.services import payment_create

# -- Invoices: list and filters --------------------------------------------------------------


def test_status_filters_agree_with_each_invoices_status(family, evening):
    """Every status filter keeps exactly the invoices whose status_of is that status: a
    credited invoice and its credit note, a partly paid one, a written-off (paid) one, an
    untouched one and a draft, before and after their due date."""
    mum = family[0]
    payers = []
    for last_name in ("Martin", "Lambert", "Simon"):
        payer = f.person(last_name, "Paul")
        attend(f.child("Zoé", last_name=last_name, parent=payer), evening, day=date(2025, 10, 9))
        payers.append(payer)
    run_post(run_create(new_run(evening)))
    attend(f.child("Noé", parent=f.person("Noël", "Eva")), evening, day=date(2025, 10, 10))
    run_create(new_run(evening))
    invoice_release(invoice=Invoice.objects.get(person=mum), day=date(2025, 11, 4))
    payment_create(person=payers[0], day=date(2025, 11, 5), amount_cents=50, mode="cash")
    lambert = Invoice.objects.get(person=payers[1])
    write_off_create(invoice=lambert, kind="error", amount_cents=200, day=date(2025, 11, 5))

    expected = {
        date(2025, 11, 10): {"credited", "credit_note", "partly_paid", "paid", "open", "draft"},
        date(2026, 1, 10): {"credited", "credit_note", "overdue", "paid", "draft"},
    }
    for today, seen in expected.items():
        everything = list(with_balance(Invoice.objects.all()))
        statuses = {invoice.pk: status_of(invoice, today) for invoice in everything}
        assert set(statuses.values()) == seen
        for status in Status.LABELS:
            kept = with_status(with_balance(Invoice.objects.all()), status, today)
            wanted = {pk for pk, s in statuses.items() if s == status}
            assert set(kept.values_list("pk", flat=True)) == wanted, (today, status)


def test_the_invoice_list_filters_by_status_person_run_and_number(family, evening, finance):
    mum = family[0]
    dad = f.person("Martin", "Paul")
    attend(f.child("Zoé", last_name="Martin", parent=dad), evening, day=date(2025, 10, 9))
    run = run_post(run_create(new_run(evening)))
    url = reverse("billing:invoice-list")

    def numbers(**params):
        response = finance.get(url, params)
        return sorted(str(i) for i in response.context["object_list"])

    assert numbers() == ["FACT/2025/00001", "FACT/2025/00002"]
    assert numbers(q="marti") == [str(Invoice.objects.get(person=dad))]
    assert numbers(q="anne dupont") == [str(Invoice.objects.get(person=mum))]
    assert numbers(number="00002") == ["FACT/2025/00002"]
    assert numbers(run=run.pk) == ["FACT/2025/00001", "FACT/2025/00002"]
    assert numbers(status="draft") == []
    overdue = Status.OVERDUE if date.today() > run.due_date else Status.OPEN
    assert len(numbers(status=overdue)) == 2
    response = finance.get(url)
    assert response.context["totals"]["total"] == 250 + 200
    assert "FACT/2025/00001" in text(response)


# -- Invoices: detail and corrections ---------------------------------------------------------


def test_the_invoice_page_shows_references_lines_and_balance(family, evening, finance):
    """Person and address, number, dates, structured communication, a line per child, day
    and activity in euros, the balance and the two corrections; never an edit or a delete."""
    family[0].__class__.objects.filter(pk=family[0].pk).update(
        street="Rue Haute 5", postcode="5000", city="Namur"
    )
    invoice = posted(evening)
    response = finance.get(reverse("billing:invoice", args=[invoice.pk]))
    page = text(response)
    assert "Dupont Anne" in page and "Rue Haute 5" in page and "5000 Namur" in page
    assert invoice.number == "FACT/2025/00001" and invoice.number in page
    assert invoice.formatted_communication in page
    assert invoice.formatted_communication.startswith("+++101/0000/")
    assert "03/11/2025" in page and "03/12/2025" in page
    lines = list(response.context["lines"])
    assert [(x.child.first_name, x.quantity, x.amount_cents) for x in lines] == [
        ("Léa", 4, 200),
        ("Tom", 1, 50),
    ]
    assert "2,00 €" in page and "0,50 €" in page
    assert response.context["invoice"].open_cents == 250
    assert "Release (credit note)" in page and "Write off" in page
    assert "/edit" not in page and "delete" not in page.lower()


def test_releasing_an_invoice_asks_first_then_credits_it(family, evening, finance):
    """The credit note is made, the invoice shows credited and its attendances are billable."""
    invoice = posted(evening)
    url = reverse("payments:invoice-release", args=[invoice.pk])
    assert "A credit note of 2,50 € cancels this invoice: nothing is owed any more." in text(
        finance.get(url)
    )

    response = finance.post(url, with_token(), follow=True)

    credit = Invoice.objects.get(kind=Kind.CREDIT_NOTE)
    assert credit.credit_of == invoice and credit.total_cents == 250
    assert f"Credit note {credit.number} created" in text(response)
    assert response.context["invoice"].status == Status.CREDITED
    assert set(Attendance.objects.values_list("status", flat=True)) == {DayStatus.VERIFIED}
    again = finance.post(url, with_token(), follow=True)
    assert [str(m) for m in again.context["messages"]] == [
        f"Invoice {invoice.number} is already credited."
    ]
    assert Invoice.objects.filter(kind=Kind.CREDIT_NOTE).count() == 1


def test_writing_off_part_of_an_invoice_and_reversing_it(family, evening, finance):
    invoice = posted(evening)
    url = reverse("billing:invoice-write-off", args=[invoice.pk])
    form = finance.get(url).context["form"]
    assert form["amount_cents"].value() == "2,50"

    response = finance.post(
        url,
        with_token(
            {"kind": "social_aid", "amount_cents": "1,25", "date": "2025-12-01", "reason": "CPAS"}
        ),
        follow=True,
    )

    write_off = WriteOff.objects.get()
    assert (write_off.amount_cents, write_off.kind, write_off.reason) == (125, "social_aid", "CPAS")
    assert response.context["invoice"].open_cents == 125
    assert "1,25 € written off invoice FACT/2025/00001." in text(response)

    response = finance.post(
        reverse("billing:write-off-reverse", args=[write_off.pk]), with_token(), follow=True
    )
    assert response.context["invoice"].open_cents == 250
    assert "reversed" in text(response)
    again = finance.post(
        reverse("billing:write-off-reverse", args=[write_off.pk]), with_token(), follow=True
    )
    assert [m.level_tag for m in again.context["messages"]] == ["error"]
    assert WriteOff.objects.count() == 2


def test_a_write_off_above_the_open_amount_is_refused_on_the_form(family, evening, finance):
    invoice = posted(evening)
    response = finance.post(
        reverse("billing:invoice-write-off", args=[invoice.pk]),
        with_token({"kind": "error", "amount_cents": "3,00", "date": "2025-12-01"}),
    )
    assert response.status_code == 200
    assert "at most its open amount, 2,50 €" in str(response.context["form"].non_field_errors())
    assert not WriteOff.objects.exists()


def test_the_invoice_page_shows_the_billed_period_and_explains_a_capped_line(in_a, finance):
    """11 started periods at 0,55 € capped at 5,00 €: the line says so, under its amount."""
    evening = f.activity("Accueil du soir", "07:00", "18:00")
    f.price("0,55 / 30 min, max 5,00", [evening], unit=55, maximum=500)
    lea = f.child("Léa", parent=f.person("Dupont", "Anne"))
    attend(lea, evening, entry="07:00", leave="12:20")  # 320 minutes: 11 started periods
    invoice = posted(evening)
    page = text(finance.get(reverse("billing:invoice", args=[invoice.pk])))
    assert "Billed period" in page and "01/10/2025 – 31/10/2025" in page
    assert "11 × 0,55 € = 6,05 €, capped at 5,00 €" in page


def test_the_invoiced_total_leaves_drafts_out_and_counts_them_apart(family, evening, finance):
    """October is posted (2,50 €), November only drafted (2,00 €): the ledger knows 2,50 €."""
    posted(evening)
    mum, lea, _tom = family
    attend(lea, evening, day=date(2025, 11, 4))
    november = BillingRun.objects.create(
        date_from=date(2025, 11, 1),
        date_to=date(2025, 11, 30),
        invoice_date=date(2025, 12, 1),
        due_date=date(2025, 12, 31),
    )
    november.categories.set([evening.category])
    run_create(november)
    page = text(finance.get(reverse("billing:invoice-list")))
    assert re.search(r'id="total-invoiced">2,50 €<', page)
    assert "1 draft, not invoiced yet" in page
    assert re.search(r'id="total-drafts">2,00 €<', page)


def test_a_draft_invoice_offers_no_correction(family, evening, finance):
    run_create(new_run(evening))
    invoice = Invoice.objects.get()
    page = text(finance.get(reverse("billing:invoice", args=[invoice.pk])))
    assert "not numbered yet (draft)" in page
    assert "Release (credit note)" not in page
    response = finance.post(
        reverse("payments:invoice-release", args=[invoice.pk]), with_token(), follow=True
    )
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not Invoice.objects.filter(kind=Kind.CREDIT_NOTE).exists()


# -- Person account ---------------------------------------------------------------------------


def test_the_account_lists_items_in_date_order_with_a_running_balance(family, evening, finance):
    """Invoice +2,50, write-off −1,00, its reversal +1,00, payment −0,50, credit note −2,50:
    the person is owed 0,50 (a negative balance is the person's credit)."""
    mum = family[0]
    invoice = posted(evening)
    write_off = write_off_create(
        invoice=invoice, kind="error", amount_cents=100, day=date(2025, 11, 20)
    )
    write_off_reverse(write_off=write_off, day=date(2025, 11, 25))
    payment_create(person=mum, day=date(2025, 11, 28), amount_cents=50, mode="cash")
    invoice_release(invoice=invoice, day=date(2025, 12, 1))

    items = account_items(mum.pk)
    assert [(i.day, i.kind, i.amount_cents, i.balance_cents) for i in items] == [
        (date(2025, 11, 3), "invoice", 250, 250),
        (date(2025, 11, 20), "write_off", -100, 150),
        (date(2025, 11, 25), "write_off_reverse", 100, 250),
        (date(2025, 11, 28), "payment", -50, 200),
        (date(2025, 12, 1), "credit_note", -250, -50),
    ]
    response = finance.get(reverse("billing:account", args=[mum.pk]))
    assert response.context["balance"] == -50
    assert "-0,50 €" in text(response)
    assert "Credit note" in text(response) and "NC/2025/00001" in text(response)


def test_unbilled_attendances_go_to_the_named_billable_person_else_the_first(family, evening):
    """Léa's attendance names her father, billable: it is his; Tom's names nobody: Anne's."""
    mum, lea, tom = family
    dad = f.person("Dupont", "Marc")
    lea.links.create(person=dad, billable=True)
    Attendance.objects.filter(child=lea).update(person=dad)
    stranger = f.person("Autre", "Ann")
    Attendance.objects.filter(child=tom).update(person=stranger)

    assert [a.child for a in unbilled_attendances(mum.pk)] == [tom]
    assert [a.child for a in unbilled_attendances(dad.pk)] == [lea]
    assert list(unbilled_attendances(stranger.pk)) == []
    run_post(run_create(new_run(evening)))
    assert list(unbilled_attendances(mum.pk)) == []


def test_moving_unbilled_attendances_to_another_billable_person(family, evening, finance):
    mum, lea, tom = family
    dad = f.person("Dupont", "Marc")
    lea.links.create(person=dad, billable=True)
    leas = Attendance.objects.get(child=lea)
    url = reverse("billing:account", args=[mum.pk])
    form = finance.get(url).context["form"]
    assert list(form.fields["person"].queryset) == [dad]

    response = finance.post(
        reverse("billing:account-move", args=[mum.pk]),
        {"attendances": [leas.pk], "person": dad.pk},
        follow=True,
    )

    assert "1 attendance will be billed to Dupont Marc." in text(response)
    assert Attendance.objects.get(pk=leas.pk).person == dad
    assert [a.child for a in unbilled_attendances(dad.pk)] == [lea]


def test_moving_to_a_person_not_billable_for_the_child_is_refused(family, evening, finance):
    """Marc is billable for Léa only: moving Tom's attendance to him is refused, nothing moves."""
    mum, lea, tom = family
    dad = f.person("Dupont", "Marc")
    lea.links.create(person=dad, billable=True)
    toms = Attendance.objects.get(child=tom)

    response = finance.post(
        reverse("billing:account-move", args=[mum.pk]),
        {"attendances": [toms.pk], "person": dad.pk},
    )

    assert response.status_code == 200
    assert "not billable for every child" in str(response.context["form"].non_field_errors())
    assert Attendance.objects.get(pk=toms.pk).person is None
