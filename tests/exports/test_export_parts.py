"""An export read a part at a time, its UBL files checked by workers meanwhile, holds what one
read in one piece and checked in the calling process holds, byte for byte."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from tests.exports.builders import files_of, post, world

from regie.billing.corrections import invoice_credit
from regie.exports import csvfile, details, services, ublfiles
from regie.exports.details import documents_for
from regie.exports.services import DOCUMENT_KINDS, export_create, export_plan, settings_of

MARCH = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31)}


def test_an_export_read_in_parts_and_checked_by_workers_holds_the_same_files(
    in_a, monkeypatch, settings
):
    setup, parent = world()
    invoices = [post(setup, parent, 1000 + n, date(2026, 3, 2 + n), second=n) for n in range(6)]
    invoice_credit(invoice=invoices[2], day=date(2026, 3, 20))
    items, previous = export_plan(**MARCH, kinds=DOCUMENT_KINDS)
    options = settings_of()
    whole = documents_for(items, previous, options)
    settings.REGIE_EXPORT_WORKERS = 1
    expected_zip = services.ubl_zip(whole, services._seller(options), lambda n: None)
    expected_csv = csvfile.write(whole, options.application_code)
    read: list[int] = []
    real = details.documents_for
    monkeypatch.setattr(details, "documents_for", lambda i, *a: read.append(len(i)) or real(i, *a))
    monkeypatch.setattr(details, "PART", 2)
    monkeypatch.setattr(ublfiles, "CHUNK", 2)
    monkeypatch.setattr(ublfiles, "INLINE_BELOW", 2)
    settings.REGIE_EXPORT_WORKERS = 2

    export = export_create(**MARCH, formats=["csv", "ubl"])

    assert read == [2, 2, 2, 1] and len(whole) == 7  # six invoices and a credit note
    files = files_of(export)
    assert files["ubl-20260301-20260331.zip"] == expected_zip
    assert files["export-20260301-20260331.csv"] == expected_csv


def test_an_export_of_the_ubl_alone_records_what_one_with_the_csv_records(
    in_a, monkeypatch, settings
):
    """The UBL alone keeps the lines as the UBL groups them (the CSV shows every day): the same
    ZIP, the same items and amounts per article as an export with the CSV."""
    setup, parent = world()
    for n in range(4):
        post(setup, parent, 1000 + n, date(2026, 3, 2 + n), second=n)
    monkeypatch.setattr(details, "PART", 2)
    monkeypatch.setattr(ublfiles, "CHUNK", 2)
    monkeypatch.setattr(ublfiles, "INLINE_BELOW", 2)
    settings.REGIE_EXPORT_WORKERS = 2

    def recorded(export):
        items = export.items.order_by("pk").values_list("source", "number", "amount_cents",
                                                         "articles")  # fmt: skip
        totals = (export.documents, export.credits, export.debit_cents, export.credit_cents)
        return files_of(export)["ubl-20260301-20260331.zip"], list(items), totals

    with transaction.atomic():
        expected = recorded(export_create(**MARCH, formats=["csv", "ubl"]))
        transaction.set_rollback(True)
    assert recorded(export_create(**MARCH, formats=["ubl"])) == expected
