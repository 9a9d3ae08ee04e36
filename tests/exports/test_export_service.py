"""Accounting exports with the database: each document once, changes as credit + reissue."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

import pytest
from tests.exports.builders import csv_lines, fatal, files_of, post, ubl_files, world

from regie.billing.corrections import invoice_credit, write_off_create
from regie.billing.models import WriteOffKind
from regie.core.errors import DomainError
from regie.core.models import AuditLog
from regie.exports.models import Export, ExportItem, FrozenError
from regie.exports.services import export_create, export_file_read

BOTH = ["csv", "ubl"]


def test_worked_example_14_credit_and_new_invoice_in_the_next_export(in_a):
    """An invoice of 50.00 exported on 2026-04-02, credited and reissued at 45.00 on
    2026-04-20: the export of 2026-05-02 holds a credit note of 50.00 and an invoice of 45.00
    for it, and nothing else of it."""
    setup, parent = world()
    a = post(setup, parent, 5000, date(2026, 3, 30))
    first = export_create(date_from=date(2026, 3, 1), date_to=date(2026, 4, 2), formats=BOTH)
    assert [i.number for i in first.items.all()] == [a.number]

    credit = invoice_credit(invoice=a, day=date(2026, 4, 20))
    b = post(setup, parent, 4500, date(2026, 4, 20))
    second = export_create(date_from=date(2026, 4, 3), date_to=date(2026, 5, 2), formats=BOTH)

    assert sorted((i.number, i.amount_cents) for i in second.items.all()) == [
        (b.number, 4500),
        (credit.number, -5000),
    ]
    assert (second.documents, second.credits, second.debit_cents, second.credit_cents) == (
        2,
        1,
        4500,
        5000,
    )
    rows = csv_lines(second)
    assert sorted((r[1], r[2], r[22]) for r in rows[1:]) == [
        (b.number, "invoice", "45.00"),
        (credit.number, "credit_note", "-50.00"),
    ]
    names = sorted(ubl_files(second))
    assert names == sorted([f"{b.number.replace('/', '-')}.xml",
                            f"{credit.number.replace('/', '-')}.xml"])  # fmt: skip


def test_worked_example_14_a_four_month_range_is_refused(in_a):
    with pytest.raises(DomainError) as refused:
        export_create(date_from=date(2026, 1, 1), date_to=date(2026, 4, 2), formats=BOTH)
    assert refused.value.code == "export.range_too_long"
    assert Export.objects.count() == 0


def test_the_same_period_again_holds_only_what_is_new(in_a):
    setup, parent = world()
    post(setup, parent, 5000, date(2026, 3, 3))
    export_create(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31), formats=BOTH)
    later = post(setup, parent, 1200, date(2026, 3, 20))
    again = export_create(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31), formats=BOTH)
    assert [i.number for i in again.items.all()] == [later.number]


def test_a_write_off_after_export_travels_as_credit_of_all_and_new_invoice(in_a):
    setup, parent = world()
    invoice = post(setup, parent, 3000, date(2026, 3, 3), second=2000)
    export_create(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31), formats=BOTH)
    write_off_create(invoice=invoice, kind=WriteOffKind.SOCIAL_AID, amount_cents=500,
                     day=date(2026, 4, 10))  # fmt: skip

    later = export_create(date_from=date(2026, 4, 1), date_to=date(2026, 4, 30), formats=BOTH)

    assert [(i.number, i.action, i.amount_cents) for i in later.items.all()] == [
        (f"{invoice.number}-C1", "reversal", -5000),
        (f"{invoice.number}-R1", "reissue", 4500),
    ]
    rows = csv_lines(later)
    reversal = [(r[22], r[23]) for r in rows[1:] if r[3] == "reversal"]
    assert reversal == [("-30.00", "835/161-48"), ("-20.00", "835/161-49")]
    reissued = sum(int(r[22].replace(".", "")) for r in rows[1:] if r[3] == "reissue")
    assert reissued == 4500
    for name, content in ubl_files(later).items():
        assert fatal(content) == [], name


def test_every_ubl_file_passes_en16931_and_peppol(in_a):
    setup, parent = world()
    invoice = post(setup, parent, 1234, date(2026, 3, 3), second=99)
    invoice_credit(invoice=invoice, day=date(2026, 3, 5))
    export = export_create(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31), formats=["ubl"])
    files = ubl_files(export)
    assert len(files) == 2
    for name, content in files.items():
        assert fatal(content) == [], name


def test_an_export_is_kept_as_it_was_and_downloads_identical(in_a):
    setup, parent = world()
    post(setup, parent, 5000, date(2026, 3, 3))
    export = export_create(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31), formats=BOTH)
    for export_file in export.files.all():
        content = export_file_read(export_file)
        assert hashlib.sha256(content).hexdigest() == export_file.sha256
    assert files_of(export) == files_of(Export.objects.get(pk=export.pk))
    with pytest.raises(FrozenError):
        export.save()
    with pytest.raises(FrozenError):
        ExportItem.objects.first().delete()


def test_a_changed_file_is_refused_at_download(in_a, settings):
    setup, parent = world()
    post(setup, parent, 5000, date(2026, 3, 3))
    export = export_create(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31), formats=["csv"])
    export_file = export.files.get()
    path = settings.MEDIA_ROOT / export_file.path
    path.write_bytes(path.read_bytes() + b"x")
    with pytest.raises(DomainError) as refused:
        export_file_read(export_file)
    assert refused.value.code == "export.file_changed"


def test_national_numbers_exported_are_logged(in_a, org_a):
    from tests.conftest import make_user

    from regie.exports.models import ExportSettings

    ExportSettings.objects.create(debtor_id="national")
    setup, parent = world()
    parent.national_number = "85073003328"
    parent.save()
    post(setup, parent, 5000, date(2026, 3, 3))
    user = make_user("finance", org_a, "finance")
    export = export_create(
        date_from=date(2026, 3, 1), date_to=date(2026, 3, 31), formats=["csv"], user=user
    )
    assert export.national_numbers
    assert csv_lines(export)[1][11] == "85073003328"
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT, object_id=str(export.pk)).exists()


def test_journal_holds_the_entries_and_the_chain_head(in_a):
    setup, parent = world()
    post(setup, parent, 5000, date(2026, 3, 3))
    export = export_create(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31),
                           formats=["journal"])  # fmt: skip
    files = files_of(export)
    journal = next(v for k, v in files.items() if k.endswith(".csv")).decode()
    head = next(v for k, v in files.items() if k.endswith(".txt")).decode().strip()
    assert "50.00" in journal
    assert head.endswith(export.chain_head) and export.chain_head
    assert export.documents == 0 and ExportItem.objects.count() == 0


def test_a_range_that_does_not_end_before_today_is_refused_naming_yesterday(in_a):
    """A day travels once it is over: a document posted later today would otherwise fall
    between this export and the next, which starts tomorrow."""
    from django.utils import timezone

    today = timezone.localdate()
    with pytest.raises(DomainError) as refused:
        export_create(date_from=today.replace(day=1), date_to=today, formats=BOTH)
    assert refused.value.code == "export.range_not_over"
    assert f"{today - timedelta(days=1):%d/%m/%Y}" in refused.value.translated()
    assert Export.objects.count() == 0


def test_an_invoice_posted_after_the_export_of_its_date_travels_in_the_next_one(in_a, day_over):
    """A run dated the last day of a period but posted after that period's export: its
    invoices travel in the export whose range holds the day they were posted, once."""
    from django.utils import timezone

    today = timezone.localdate()  # day_over: tomorrow has come, today may be exported
    first_to = today - timedelta(days=2)
    setup, parent = world()
    export_create(date_from=first_to - timedelta(days=20), date_to=first_to, formats=["csv"])
    late = post(setup, parent, 3100, first_to)  # dated in the range exported, posted today
    second = export_create(date_from=first_to + timedelta(days=1), date_to=today, formats=["csv"])
    assert [(i.number, i.amount_cents) for i in second.items.all()] == [(late.number, 3100)]
    again = export_create(date_from=first_to + timedelta(days=1), date_to=today, formats=["csv"])
    assert again.items.count() == 0  # travelled once
