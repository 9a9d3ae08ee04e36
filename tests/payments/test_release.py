"""Releasing a paid invoice: orchestrated above billing and payments, confirmed with its amounts.

Billing stands without payments: its modules import nothing of payments, which tell billing
what pays an invoice and what a person's account shows through registered sources.
"""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation
from tests.conftest import with_token
from tests.payments import test_payment_services as spec

import regie.billing
from regie.billing.corrections import invoice_credit
from regie.billing.models import Invoice, Kind
from regie.core.errors import DomainError
from regie.core.models import Role
from regie.payments.imports import statements_import
from regie.payments.release_views import release_explanation
from regie.payments.releases import ReleasePreview, invoice_release
from regie.payments.services import payment_create, person_credit

invoices = spec.invoices  # Anne Dupont: October 2.00, November 0.50


def test_billing_imports_nothing_of_payments():
    root = Path(regie.billing.__file__).parent
    imported = set()
    for module in root.rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add((module.name, node.module))
            elif isinstance(node, ast.Import):
                imported |= {(module.name, alias.name) for alias in node.names}
    assert not [pair for pair in imported if pair[1].startswith("regie.payments")]


def test_billing_alone_refuses_to_credit_a_paid_invoice(invoices):
    """Billing cannot give payments back: crediting a paid invoice goes through the release."""
    mum, (october, _) = invoices
    payment_create(person=mum, day=date(2025, 12, 5), amount_cents=50, mode="cash")
    with pytest.raises(DomainError) as refused:
        invoice_credit(invoice=october, day=date(2025, 12, 6))
    assert refused.value.code == "billing.credit_paid"
    assert "0,50 € of invoice FACT/2025/00001 is paid" in refused.value.english()
    assert not Invoice.objects.filter(kind=Kind.CREDIT_NOTE).exists()


@pytest.mark.parametrize(
    ("preview", "english", "french"),
    [
        (
            ReleasePreview(14325, 14325, 0),
            "A credit note of 143,25 € cancels this invoice: the 143,25 € already paid becomes "
            "the person's credit.",
            "Une note de crédit de 143,25 € annule cette facture : les 143,25 € déjà payés "
            "deviennent un crédit de la personne.",
        ),
        (
            ReleasePreview(200, 120, 80),
            "A credit note of 2,00 € cancels this invoice: the 0,80 € still due is no longer "
            "owed, and the 1,20 € already paid becomes the person's credit.",
            "Une note de crédit de 2,00 € annule cette facture : les 0,80 € encore dus ne sont "
            "plus réclamés et les 1,20 € déjà payés deviennent un crédit de la personne.",
        ),
    ],
    ids=["paid", "partly paid"],
)
def test_the_confirmation_says_what_will_happen(preview, english, french):
    with translation.override("en"):
        assert release_explanation(preview).startswith(english)
    with translation.override("fr"):
        assert release_explanation(preview).startswith(french)


def test_releasing_a_paid_invoice_from_its_page(invoices, org_a, login):
    """October's 2,00 € paid by the bank: the page says the 2,00 € becomes Anne's credit, the
    credit note is made and her credit is 2,00 €."""
    mum, (october, _) = invoices
    statements_import(data=spec.coda(("2.00", october.communication)), name="a.cod")
    finance = login(org_a, Role.FINANCE)
    url = reverse("payments:invoice-release", args=[october.pk])

    page = finance.get(url).content.decode()
    assert "les 2,00 € déjà payés deviennent un crédit de la personne" in page

    response = finance.post(url, with_token(), follow=True)
    assert response.status_code == 200
    assert Invoice.objects.get(kind=Kind.CREDIT_NOTE).total_cents == 200
    assert person_credit(mum.pk) == 200


def test_a_release_refused_leaves_the_payments_as_they_were(invoices):
    mum, (october, _) = invoices
    payment_create(person=mum, day=date(2025, 12, 5), amount_cents=200, mode="cash")
    invoice_release(invoice=october, day=date(2025, 12, 6))
    with pytest.raises(DomainError):
        invoice_release(invoice=october, day=date(2025, 12, 7))
    assert person_credit(mum.pk) == 200
