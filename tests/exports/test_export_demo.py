"""The demo's accounting exports: last month exported, then a credit note and a write-off."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.exports.builders import csv_lines, fatal, ubl_files

from regie.core.tenancy import scope
from regie.demo.commune import build_demo
from regie.exports.models import Export
from regie.fees.models import ServiceFile


@pytest.fixture(autouse=True)
def demo_var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def test_the_demo_exports_two_months_and_a_change_travels_as_credit_and_new_invoice(db):
    commune, stats = build_demo(children=40, seed=11, today=dt.date(2026, 11, 20))
    with scope(commune):
        first, second = Export.objects.order_by("pk")
        assert first.documents >= stats.billing.posted > 0  # and earlier reminded invoices
        actions = sorted(second.items.values_list("kind", "action", "amount_cents"))
        kinds = [(kind, action) for kind, action, _cents in actions]
        assert ("credit_note", "original") in kinds
        assert kinds.count(("invoice", "reversal")) == kinds.count(("invoice", "reissue")) == 1
        reversal = next(c for k, a, c in actions if a == "reversal")
        reissue = next(c for k, a, c in actions if a == "reissue")
        assert reissue == -reversal - 100
        for name, content in ubl_files(second).items():
            assert fatal(content) == [], name
        # The permit paid at the counter travels as a service fee, the event invoiced
        # afterwards as its invoice, both on the service's budget article.
        paid = ServiceFile.objects.get(external_id="OCC-DEMO-0001")
        invoiced = ServiceFile.objects.get(external_id="EVT-DEMO-0001")
        fee = second.items.get(source=f"service_file:{paid.pk}")
        online = ServiceFile.objects.get(external_id="OCC-DEMO-0003")
        assert second.items.get(source=f"service_file:{online.pk}").kind == "service_fee"
        assert (fee.kind, fee.action, fee.amount_cents) == ("service_fee", "original", 3000)
        invoice = second.items.get(source=f"invoice:{invoiced.invoice_id}")
        assert (invoice.kind, invoice.amount_cents) == ("invoice", 34000)
        assert fee.articles == {"040/161-48|O|0": 3000}
        assert invoice.articles == {"040/161-48|O|0": 34000}
        rows = [r for r in csv_lines(second) if r[1] == fee.number]
        assert [r[19] for r in rows] == ["Conteneur, par jour"]
