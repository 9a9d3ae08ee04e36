"""Cancelling a paid file: a credit note reverses the revenue and the applicant is refunded,
through Mollie's refund API when paid online, else by the next SEPA file; ledger balanced."""

from __future__ import annotations

from datetime import date

import pytest
from django.db.models import F, Sum
from tests.fees import builders as b

from regie.core.errors import DomainError
from regie.fees import mollie
from regie.fees.models import FileState
from regie.fees.payments import file_pay_at_counter
from regie.fees.refunds import file_refund
from regie.fees.services import file_push
from regie.ledger.models import Entry, EntryLine
from regie.ledger.services import chain_verify
from regie.payments.models import Mode, OnlineRefund, Refund
from regie.payments.refunds import unsent_refunds
from regie.payments.services import person_credit

DAY = date(2026, 5, 4)


def balance(role: str) -> int:
    lines = EntryLine.objects.filter(account__role=role)
    return lines.aggregate(t=Sum(F("debit") - F("credit")))["t"] or 0


def paid_online(org, fake):
    file, mollie_id = b.paid_online(org, fake, DAY)
    assert file.state == FileState.PAID
    return file, mollie_id


def test_a_file_paid_online_is_refunded_through_mollie_with_a_credit_note(in_a, fake_mollie):
    file, mollie_id = paid_online(in_a, fake_mollie)
    number = file_refund(file=file, day=date(2026, 5, 10))
    assert number == "NCS/2026/00001"
    file.refresh_from_db()
    assert file.state == FileState.CANCELLED
    [refund] = fake_mollie.refunds.values()
    assert (refund["paymentId"], refund["amount"]["value"]) == (mollie_id, "30.00")
    assert OnlineRefund.objects.get().amount_cents == 3000
    assert balance("revenue") == 0
    assert balance("provider_clearing") == 0
    assert person_credit(file.person_id) == 0
    assert not Refund.objects.exists()
    assert Entry.objects.filter(document=number).exists()
    assert chain_verify() is None


def test_a_file_paid_at_the_counter_is_refunded_by_the_next_sepa_file(in_a):
    file, _ = file_push(service=b.service(), data=b.container())
    file.person.iban = "BE71096123456769"
    file.person.save()
    file_pay_at_counter(file=file, mode=Mode.CARD, day=DAY)
    file_refund(file=file, day=date(2026, 5, 10))
    [refund] = unsent_refunds()
    assert (refund.person_id, refund.amount_cents) == (file.person_id, 3000)
    assert balance("revenue") == 0
    assert person_credit(file.person_id) == 0
    assert balance("bank") == 0  # received 30.00 by card, 30.00 to pay back
    assert chain_verify() is None


def test_without_an_iban_the_sepa_refund_is_refused_and_nothing_changes(in_a):
    file, _ = file_push(service=b.service(), data=b.container())
    file_pay_at_counter(file=file, mode=Mode.CASH, day=DAY)
    entries = Entry.objects.count()
    with pytest.raises(DomainError) as refused:
        file_refund(file=file)
    assert refused.value.code == "refund.no_iban"
    file.refresh_from_db()
    assert file.state == FileState.PAID
    assert Entry.objects.count() == entries


def test_mollie_not_answering_stores_nothing_and_the_refund_can_be_tried_again(in_a, fake_mollie):
    file, _ = paid_online(in_a, fake_mollie)
    entries = Entry.objects.count()
    fake_mollie.mode = "error"
    with pytest.raises(mollie.MollieUnavailable):
        file_refund(file=file)
    file.refresh_from_db()
    assert (file.state, Entry.objects.count()) == (FileState.PAID, entries)
    assert not OnlineRefund.objects.exists()
    fake_mollie.mode = "normal"
    file_refund(file=file)
    assert len(fake_mollie.refunds) == 1
    assert OnlineRefund.objects.count() == 1


def test_a_file_not_paid_has_nothing_to_refund(in_a):
    file, _ = file_push(service=b.service(), data=b.container())
    with pytest.raises(DomainError) as refused:
        file_refund(file=file)
    assert refused.value.code == "fees.refund_nothing_paid"


def test_the_finance_officer_cancels_and_refunds_from_the_files_page(in_a, login):
    from django.urls import reverse

    from regie.core.models import Role

    file, _ = file_push(service=b.service(), data=b.container())
    file.person.iban = "BE71096123456769"
    file.person.save()
    file_pay_at_counter(file=file, mode=Mode.CARD, day=DAY)
    auditor = login(in_a, Role.AUDITOR)
    url = reverse("fees-files:file-refund", args=[file.pk])
    assert auditor.post(url).status_code == 403
    client = login(in_a, Role.FINANCE)
    page = client.get(reverse("fees-files:file-detail", args=[file.pk])).content.decode()
    assert url in page
    token = page.split(f'action="{url}"')[1].split('name="once" value="')[1].split('"')[0]
    assert client.post(url, {"once": token}).status_code == 302
    assert client.post(url, {"once": token}).status_code == 302  # a double click: once
    file.refresh_from_db()
    assert file.state == FileState.CANCELLED
    assert Refund.objects.count() == 1
    page = client.get(reverse("fees-files:file-detail", args=[file.pk])).content.decode()
    assert url not in page
