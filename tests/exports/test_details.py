"""The export's reading of invoice lines: a plain cursor, same lines as the ORM, one
organisation only (runs on SQLite and, with DATABASE_URL, on PostgreSQL)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tests.exports.builders import post, world

from regie.billing.corrections import write_off_create
from regie.billing.models import Invoice, InvoiceLine, WriteOffKind
from regie.core.tenancy import scope
from regie.exports import details
from regie.exports.details import Articles, _invoice_lines
from regie.exports.documents import Line
from regie.exports.sources import keyed, settings_of


def orm_lines(invoice_ids) -> dict[int, list[Line]]:
    """The lines as the ORM reads them: what the plain cursor must give."""
    articles = Articles(settings_of())
    found: dict[int, list[Line]] = {}
    written = details._written_by_line(invoice_ids)
    rows = InvoiceLine.objects.filter(invoice_id__in=invoice_ids).order_by(
        "invoice_id", "date", "pk"
    )
    for line in rows.select_related("activity", "child"):
        article, vat, rate = articles.of(line.category_id)
        label = f"{line.activity.name} – {line.child.first_name}" if line.activity else line.label
        found.setdefault(line.invoice_id, []).append(
            Line(label, line.amount_cents - written.get(line.pk, 0), article, line.date,
                 line.quantity, line.unit_cents, vat, rate)
        )  # fmt: skip
    return found


def test_the_lines_read_are_the_orms_less_what_was_written_off(in_a):
    setup, parent = world()
    first = post(setup, parent, 3000, date(2026, 3, 3), second=2000)
    second = post(setup, parent, 1250, date(2026, 3, 4))
    write_off_create(invoice=first, kind=WriteOffKind.SOCIAL_AID, amount_cents=500,
                     day=date(2026, 4, 10))  # fmt: skip
    InvoiceLine.objects.bulk_create(  # a fee's line: no child nor activity, its own label
        [InvoiceLine(organisation=in_a, invoice=second, date=date(2026, 3, 4), label="Permis",
                     category=setup.categories[0], minutes=0, quantity=2, unit_cents=700,
                     amount_cents=1400)]
    )  # fmt: skip

    read = _invoice_lines([first.pk, second.pk], Articles(settings_of()))

    assert read == orm_lines([first.pk, second.pk])
    assert sum(line.amount_cents for line in read[first.pk]) == 4500
    assert ("Permis", "835/161-48", 2, 700) in [
        (x.label, x.article, x.quantity, x.unit_cents) for x in read[second.pk]
    ]
    assert read[first.pk][0].vat_rate == Decimal("0")


def test_the_chunks_keep_each_invoices_lines_together(in_a, monkeypatch):
    setup, parent = world()
    invoices = [post(setup, parent, 100 * n, date(2026, 3, n), second=n) for n in range(1, 6)]
    monkeypatch.setattr(details, "CHUNK", 2)
    monkeypatch.setattr(details, "LINE_CHUNK", 2)
    ids = [invoice.pk for invoice in invoices]

    assert _invoice_lines(ids, Articles(settings_of())) == orm_lines(ids)


def test_another_organisations_lines_are_never_read(org_a, org_b):
    with scope(org_b):
        setup, parent = world()
        theirs = post(setup, parent, 3000, date(2026, 3, 3))
    with scope(org_a):
        assert _invoice_lines([theirs.pk], Articles(settings_of())) == {}


def test_keyed_reads_the_rows_of_the_keys_of_this_organisation_only(org_a, org_b):
    with scope(org_b):
        setup, parent = world()
        theirs = post(setup, parent, 3000, date(2026, 3, 3))
    with scope(org_a):
        setup, parent = world()
        ours = [post(setup, parent, 100 * n, date(2026, 3, n)) for n in range(1, 4)]
        wanted = [ours[0].pk, ours[2].pk, theirs.pk]

        found = [pk for rows in keyed(Invoice.objects.all(), "pk", wanted) for pk in
                 rows.values_list("pk", flat=True)]  # fmt: skip

        assert sorted(found) == [ours[0].pk, ours[2].pk]
        assert list(keyed(Invoice.objects.all(), "pk", [])) == []
