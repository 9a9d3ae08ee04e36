"""The applicant's payment page: what to pay and how, in the applicant's language, by its
secret link only."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from tests.fees import builders as b
from tests.pseudo import data_words, pseudo_locale, untranslated

from regie.fees.payments import file_pay_at_counter
from regie.fees.services import file_cancel, file_push
from regie.payments.models import Mode
from regie.people.models import Person

__all__ = ["pseudo_locale"]  # the fixture, used by name


def page(file) -> str:
    response = Client().get(reverse("fees:pay", args=[file.pay_token]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_shows_the_amount_communication_qr_code_and_counter(in_a):
    file, _ = file_push(service=b.service(), data=b.container())
    html = page(file)
    assert "30,00 €" in html and file.formatted_communication in html
    assert 'src="data:image/png;base64,' in html
    assert "Pay at the counter" not in html and "Payer au guichet" in html


def test_the_page_speaks_the_applicants_language(in_a):
    file, _ = file_push(service=b.service(), data=b.container(applicant=b.applicant(language="nl")))
    assert "Betalen met een overschrijving" in page(file)


def test_a_paid_file_says_so_and_asks_nothing_more(in_a):
    file, _ = file_push(service=b.service(), data=b.container())
    file_pay_at_counter(file=file, mode=Mode.CARD)
    html = page(file)
    assert "Payé : merci." in html and "data:image/png" not in html


def test_a_cancelled_file_asks_nothing(in_a):
    file, _ = file_push(service=b.service(), data=b.container())
    file_cancel(file=file)
    assert "rien à payer" in page(file)


def test_an_unknown_link_or_a_file_invoiced_afterwards_has_no_page(in_a):
    later, _ = file_push(service=b.service(), data=b.container(way="afterwards"))
    for token in ("x" * 43, later.pay_token):
        assert Client().get(reverse("fees:pay", args=[token])).status_code == 404


def test_the_page_is_translated(in_a, pseudo_locale):
    if connection.vendor != "sqlite":  # the pseudo-locale's code is longer than the column
        pytest.skip("the page's words do not depend on the database: walked once, on SQLite")
    file, _ = file_push(service=b.service(), data=b.container())
    Person.objects.filter(pk=file.person_id).update(language=pseudo_locale)
    html = page(file)
    assert "⟦" in html
    assert not untranslated(html, data_words())
