"""Every list exports its current filter to XLSX and CSV, streamed, with the columns shown,
dates as dates and amounts as numbers (issue 18, 5)."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from tests import factories as f
from tests.certificates.builders import days, family, invoice_post, kinds_create

from regie.core.models import AuditLog, Role
from regie.core.tenancy import scope
from regie.exports.lists import ListColumn, csv_response, xlsx_file
from regie.exports.xlsx import DATE, MONEY
from regie.people.models import MedicalRecord

pytestmark = pytest.mark.django_db


def sheet_rows(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_children_export_keeps_the_filter_and_dates_as_dates(org_a, login):
    with scope(org_a):
        lea = f.child("Léa", birth_date=date(2017, 3, 14))
        f.child("Tom", last_name="Martin")
        MedicalRecord.objects.create(child=lea, allergies="Arachides")
    client = login(org_a, Role.COORDINATOR)
    answer = client.get(reverse("people:child-list"), {"q": "Dupont", "export": "xlsx"})
    rows = sheet_rows(b"".join(answer.streaming_content))
    assert rows[0][:3] == ["Nom", "Prénom", "Date de naissance"]
    assert rows[1][:3] == ["Dupont", "Léa", datetime(2017, 3, 14)]
    assert len(rows) == 2  # Tom Martin is not in the filter
    assert "Arachides" not in str(rows)  # medical data is never exported
    with scope(org_a):
        assert AuditLog.objects.filter(action="export", detail="enfants.xlsx").exists()


def test_invoices_export_amounts_as_numbers_in_xlsx_and_csv(org_a, login):
    with scope(org_a):
        kinds = kinds_create()
        parent, child = family()
        lines = [(d, kinds.care, 1234) for d in days(date(2026, 1, 5), 2)]
        invoice = invoice_post(parent, child, lines, day=date(2026, 1, 30))
    client = login(org_a, Role.FINANCE)
    url = reverse("billing:invoice-list")
    rows = sheet_rows(b"".join(client.get(url, {"export": "xlsx"}).streaming_content))
    assert rows[1][0] == invoice.number and rows[1][6] == 24.68 and rows[1][7] == 24.68
    assert rows[1][4] == datetime(2026, 1, 30)
    lines = csv_rows(client.get(url, {"export": "csv"}))
    assert lines[1][0] == invoice.number and lines[1][4] == "2026-01-30"
    assert lines[1][6] == "24.68"


def test_the_list_page_offers_both_exports_with_its_filter(org_a, login):
    client = login(org_a, Role.COORDINATOR)
    page = client.get(reverse("people:person-list"), {"q": "Dupont", "page": "1"}).content
    assert b'href="?q=Dupont&amp;export=xlsx"' in page and b"export=csv" in page


def test_many_rows_stream_through_a_file_not_memory():
    """Rows come from a generator: the writer never needs them all (write-only workbook)."""
    columns = [
        ListColumn("Jour", "date", DATE),
        ListColumn("Montant", "amount", MONEY),
    ]
    count = 5_000
    rows = ((date(2026, 1, 1), n) for n in range(count))
    target = xlsx_file("Présences", columns, rows)
    sheet = load_workbook(target, read_only=True).active
    assert sum(1 for _row in sheet.iter_rows()) == count + 1
    response = csv_response("x", columns, ((date(2026, 1, 2), 150),))
    assert csv_rows(response)[1] == ["2026-01-02", str(Decimal("1.50"))]
