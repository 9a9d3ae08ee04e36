"""An enforcement order is a document: one per debtor, printed once the board endorsed the list
(DOMAIN §7), always by post."""

from __future__ import annotations

from datetime import date

import pytest
from tests.documents.test_document_language import labels
from tests.dunning.test_orders import noticed
from tests.dunning.test_plan_documents import rendered_text

from regie.documents.kinds import kind_get
from regie.dunning.documents_orders import ORDER, order_ids, orders_data, recipients
from regie.dunning.orders import order_candidates, order_list_create, order_list_endorse

pytestmark = pytest.mark.django_db


def test_an_order_prints_after_the_boards_decision_in_the_debtors_language(in_a):
    """Proposed, the list prints nothing; endorsed, the Dutch debtor's order names the debts,
    the formal notice, the decision and the right to oppose."""
    _policy, (debtor,), (invoice,) = noticed("Peeters")
    debtor.language, debtor.delivery, debtor.email = "nl", "email", "p@example.be"
    debtor.save()
    [notice] = order_candidates(date(2026, 5, 8))
    order_list = order_list_create(notices=[notice], day=date(2026, 5, 8))
    assert list(order_ids(group=order_list.pk)) == []
    order_list_endorse(order_list=order_list, decision_date=date(2026, 5, 12), reference="CC/42")
    [order_id] = order_ids(group=order_list.pk)
    assert recipients([order_id])[order_id].channel == "post"
    (document,) = orders_data([order_id])
    assert document["items"] == [
        {"number": invoice.number, "due_date": "28/02/2026", "open": "25,00 €"}
    ]
    assert (document["number"], document["decision_reference"]) == (notice.number, "CC/42")
    text = rendered_text(ORDER, document, order_list.organisation_id)
    for words in ("Dwangbevel", invoice.number, notice.number, "CC/42", "12/05/2026", "verzet"):
        assert words in text


def test_every_language_of_the_order_has_every_label():
    source = (kind_get(ORDER).folder / "order.typ").read_text(encoding="utf-8")
    found = labels(source)
    assert set(found) == {"fr", "nl", "de"}
    assert found["fr"].keys() == found["nl"].keys() == found["de"].keys()
