"""The demo's accounting exports: last month exported, then a credit note and a write-off."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.exports.builders import fatal, ubl_files

from regie.core.tenancy import scope
from regie.demo.commune import build_demo
from regie.exports.details import documents_for
from regie.exports.models import Export
from regie.exports.services import DOCUMENT_KINDS, export_plan, settings_of
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
        # The permits were paid and the fête invoiced today: a day travels once it is over,
        # so they wait for the next export, which would hold them as a service fee and an
        # invoice on the service's budget article.
        paid = ServiceFile.objects.get(external_id="OCC-DEMO-0001")
        invoiced = ServiceFile.objects.get(external_id="EVT-DEMO-0001")
        online = ServiceFile.objects.get(external_id="OCC-DEMO-0003")
        keys = {f"service_file:{paid.pk}", f"service_file:{online.pk}"}
        keys.add(f"invoice:{invoiced.invoice_id}")
        assert not second.items.filter(source__in=keys).exists()
        day = dt.date(2026, 11, 20)
        items, _articles = export_plan(date_from=day, date_to=day, kinds=DOCUMENT_KINDS)
        coming = {item.key: item for item in items}
        fee = coming[f"service_file:{paid.pk}"]
        assert (fee.kind, fee.action, fee.amount_cents) == ("service_fee", "original", 3000)
        assert coming[f"service_file:{online.pk}"].kind == "service_fee"
        invoice = coming[f"invoice:{invoiced.invoice_id}"]
        assert (invoice.kind, invoice.amount_cents) == ("invoice", 34000)
        documents = {d.number: d for d in documents_for(items, {}, settings_of())}
        assert {line.article for line in documents[fee.number].lines} == {"040/161-48"}
        assert {line.article for line in documents[invoice.number].lines} == {"040/161-48"}
        assert [line.label for line in documents[fee.number].lines] == ["Conteneur, par jour"]


def test_on_the_first_of_a_month_the_run_dated_today_waits_for_tomorrows_export(db):
    """Last month's run is dated today: the first export ends yesterday, without it, and
    nothing more is exported (the demo loaded on the 1st, as `make demo` may be)."""
    today = dt.date(2026, 12, 1)
    commune, stats = build_demo(children=30, seed=11, today=today)
    with scope(commune):
        [export] = Export.objects.all()
        assert export.date_to == today - dt.timedelta(days=1)
        assert not export.items.filter(document_date=today).exists()
        assert stats.billing.posted_run.invoice_date == today
        items, _articles = export_plan(date_from=today, date_to=today, kinds=DOCUMENT_KINDS)
        assert len(items) >= stats.billing.posted > 0  # they travel tomorrow
