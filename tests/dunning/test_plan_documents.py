"""A payment plan's schedule and its late-payment letter are documents (DOMAIN §7, example 12)."""

from __future__ import annotations

from datetime import date

import pytest
from tests.documents.test_document_language import labels
from tests.documents.test_rendering import pdf_text
from tests.dunning.test_plans import example_12, pay

from regie.core.daily import daily_run
from regie.core.models import Organisation
from regie.core.tenancy import current_organisation
from regie.documents import files
from regie.documents.kinds import kind_get
from regie.documents.rendering import renderer_for
from regie.dunning.documents_plans import LATE_LETTER, PLAN, letter_ids, letters_data, plans_data
from regie.dunning.plan_models import Instalment

pytestmark = pytest.mark.django_db


def rendered_text(kind_key: str, document: dict, org_pk: int) -> str:
    kind = kind_get(kind_key)
    template = files.template_for(org_pk, kind.template, kind.folder)
    pages, text = pdf_text(renderer_for(template, files.media_root()).render(document))
    assert pages == 1
    return text


def test_the_schedule_lists_instalments_and_asks_the_next_one_by_qr_code(in_a):
    """Example 12: 16,67 / 16,67 / 16,66; once the first is paid the QR code asks 16,67 by
    01/05/2026 with the plan's communication."""
    Organisation.objects.filter(pk=current_organisation().pk).update(
        iban="BE71096123456769", bic="GKCCBEBB"
    )
    _setup, _policy, _person, (first, second), plan = example_12()
    pay(plan, 1667, date(2026, 4, 3), 1)
    (document,) = plans_data([plan.pk])
    assert [(i["due_date"], i["amount"], i["paid"]) for i in document["instalments"]] == [
        ("01/04/2026", "16,67 €", "16,67 €"),
        ("01/05/2026", "16,67 €", ""),
        ("01/06/2026", "16,66 €", ""),
    ]
    assert [i["number"] for i in document["items"]] == [first.number, second.number]
    assert (document["total"], document["balance"], document["due_date"]) == (
        "50,00 €",
        "16,67 €",
        "01/05/2026",
    )
    assert document["payment"]["reference"] == plan.communication
    assert document["payment"]["amount_cents"] == 1667


def test_the_late_payment_letter_prints_the_seeds_words(in_a):
    """Example 12: on 09/05/2026 instalment 2 is late; its letter says what the seed says."""
    _setup, _policy, _person, _invoices, plan = example_12()
    pay(plan, 1667, date(2026, 4, 3), 1)
    daily_run(date(2026, 5, 9))
    late = Instalment.objects.get(plan=plan, number=2)
    assert list(letter_ids(ids=[late.pk])) == [late.pk]
    (document,) = letters_data([late.pk])
    text = rendered_text(LATE_LETTER, document, plan.organisation_id)
    for words in (
        "Notification de retard de paiement",
        "Montant dû : 16.67 €",
        "Montant reçu : 0.00 €",
        "Date d'échéance : 01-05-2026",
        plan.formatted_communication,
    ):
        assert words in text


def test_every_language_of_the_schedule_has_every_label():
    source = (kind_get(PLAN).folder / "plan.typ").read_text(encoding="utf-8")
    found = labels(source)
    assert set(found) == {"fr", "nl", "de"}
    assert found["fr"].keys() == found["nl"].keys() == found["de"].keys()
