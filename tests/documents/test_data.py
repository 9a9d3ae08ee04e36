"""What a document shows: frozen administrative data, a balance that is always current."""

from __future__ import annotations

import doctest
from datetime import date

from regie.billing.corrections import write_off_create
from regie.core.models import Organisation
from regie.documents import data
from regie.documents.data import documents_data, documents_refresh
from regie.documents.models import InvoiceDocument
from regie.payments.services import payment_create


def test_document_data_is_formatted_the_belgian_way(families):
    """Given Anne's posted invoice of 2,50 €, then her document carries her address, the
    lines per child and activity, the dates as dd/mm/yyyy and the EPC payment."""
    anne = families["fr"]
    (doc,) = documents_data([anne.invoice.pk])
    assert doc["language"] == "fr"
    assert doc["recipient"] == {
        "name": "Anne Dupont",
        "address": ["Rue de la Gare 12", "5000 Namur"],
        "postcode": "5000",
    }
    assert doc["number"] == anne.invoice.number
    assert doc["file_name"] == anne.invoice.number.replace("/", "-") + ".pdf"
    assert (doc["invoice_date"], doc["due_date"]) == ("03/11/2025", "03/12/2025")
    assert doc["communication"] == anne.invoice.formatted_communication
    assert doc["summary"] == [
        {
            "child": "Enfant0 Dupont",
            "activity": "Accueil du soir",
            "quantity": "5",
            "unit": "0,50 €",
            "amount": "2,50 €",
        }
    ]
    assert doc["detail"] == []
    assert (doc["total"], doc["received"], doc["balance"]) == ("2,50 €", "0,00 €", "2,50 €")
    assert doc["payment"] == {
        "name": "Commune A",
        "iban": "BE71096123456769",
        "bic": "GKCCBEBB",
        "amount_cents": 250,
        "reference": anne.invoice.communication,
    }


def test_detail_lists_each_child_day_and_activity(families):
    (doc,) = documents_data([families["fr"].invoice.pk], detail=True)
    assert [(r["date"], r["quantity"], r["amount"]) for r in doc["detail"]] == [
        ("01/10/2025", "4", "2,00 €"),
        ("02/10/2025", "1", "0,50 €"),
    ]


def test_balance_is_current_on_every_document(families):
    """Given a document printed once, when 1,00 € is paid and 0,50 € written off, then the
    next document shows 1,00 € received, −0,50 € of corrections and 1,00 € to pay."""
    anne = families["fr"]
    documents_data([anne.invoice.pk])
    payment_create(person=anne.person, day=date(2025, 11, 20), amount_cents=100, mode="cash")
    write_off_create(
        invoice=anne.invoice, kind="error", amount_cents=50, day=date(2025, 11, 21), reason="x"
    )
    (doc,) = documents_data([anne.invoice.pk])
    assert (doc["received"], doc["corrections"], doc["balance"]) == ("1,00 €", "-0,50 €", "1,00 €")
    assert doc["payment"]["amount_cents"] == 100


def test_administrative_data_is_frozen_until_an_explicit_refresh(families, in_a):
    """Given a printed document, when the person moves and the commune renames itself, then
    documents keep the data of issue; after a refresh they show the new data."""
    anne = families["fr"]
    documents_data([anne.invoice.pk])
    anne.person.street, anne.person.language = "Avenue Neuve 99", "nl"
    anne.person.save()
    Organisation.objects.filter(pk=in_a.pk).update(name="Ville A")
    (before,) = documents_data([anne.invoice.pk])
    assert before["recipient"]["address"][0] == "Rue de la Gare 12"
    assert (before["language"], before["organisation"]["name"]) == ("fr", "Commune A")

    assert documents_refresh([anne.invoice.pk]) == 1

    (after,) = documents_data([anne.invoice.pk])
    assert after["recipient"]["address"][0] == "Avenue Neuve 99"
    assert (after["language"], after["organisation"]["name"]) == ("nl", "Ville A")
    assert InvoiceDocument.objects.get(invoice=anne.invoice).refreshed_at is not None


def test_documents_come_in_the_order_asked_and_skip_drafts(families):
    ids = [families["post"].invoice.pk, families["fr"].invoice.pk, 987654]
    assert [d["key"] for d in documents_data(ids)] == ids[:2]


def test_data_module_examples():
    """The examples in the module's docstrings hold (a capped row keeps its full amount)."""
    assert doctest.testmod(data).failed == 0
