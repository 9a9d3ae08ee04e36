"""The statistics page: a pivot as table and chart, saved views, XLSX export, bad input."""

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from tests.certificates.builders import days, family, invoice_post, kinds_create, pay

from regie.core.models import Role
from regie.core.tenancy import scope
from regie.statistics.models import SavedView

pytestmark = pytest.mark.django_db
QUESTION = {"source": "receivables", "rows": "month", "columns": "category", "measure": "amount"}


def invoiced(org):
    with scope(org):
        kinds = kinds_create()
        parent, child = family()
        care = [(d, kinds.care, 200) for d in days(date(2026, 1, 5), 10)]
        meals = [(d, kinds.meals, 350) for d in days(date(2026, 1, 5), 2)]
        invoice = invoice_post(parent, child, care + meals, day=date(2026, 1, 30))
        pay(invoice, 1000, date(2026, 2, 4))


def test_invoiced_by_month_and_category_with_totals(org_a, login):
    invoiced(org_a)
    client = login(org_a, Role.FINANCE)
    page = client.get(reverse("statistics:pivot"), QUESTION).content.decode()
    assert "01/2026" in page and "20,00 €" in page and "7,00 €" in page
    assert 'id="pivot-total"><strong>27,00 €' in page


def test_the_chart_keeps_the_numbers_in_a_table(org_a, login):
    invoiced(org_a)
    client = login(org_a, Role.COORDINATOR)
    question = {**QUESTION, "rows": "category", "columns": "month", "display": "chart"}
    page = client.get(reverse("statistics:pivot"), question).content.decode()
    assert '<svg class="chart"' in page and 'role="img"' in page
    assert "<title>Accueil: 20,00 €</title>" in page and 'id="pivot-table"' in page


def test_payments_by_day(org_a, login):
    invoiced(org_a)
    client = login(org_a, Role.AUDITOR)
    question = {"source": "payments", "rows": "day", "measure": "amount"}
    page = client.get(reverse("statistics:pivot"), question).content.decode()
    assert "04/02/2026" in page and "10,00 €" in page


def test_a_view_saved_and_shared_is_seen_by_a_colleague(org_a, login):
    client = login(org_a, Role.FINANCE)
    answer = client.post(
        reverse("statistics:view-save"), {**QUESTION, "name": "Facturé", "shared": "on"}
    )
    assert answer.status_code == 302
    colleague = login(org_a, Role.COORDINATOR)
    page = colleague.get(reverse("statistics:pivot")).content.decode()
    assert "Facturé" in page
    with scope(org_a):
        view = SavedView.objects.get()
    assert colleague.post(reverse("statistics:view-delete", args=[view.pk])).status_code == 302
    with scope(org_a):
        assert SavedView.objects.exists()  # only its owner may delete it


def test_export_holds_the_pivot_with_amounts_as_numbers(org_a, login):
    invoiced(org_a)
    client = login(org_a, Role.FINANCE)
    answer = client.get(reverse("statistics:pivot-export"), QUESTION)
    sheet = load_workbook(io.BytesIO(answer.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=3)]
    assert values[-1][0] == "Total" and float(values[-1][-1]) == 27.0


@pytest.mark.parametrize(
    "question",
    [
        {"source": "nope", "rows": "month", "measure": "amount"},
        {"source": "payments", "rows": "site", "measure": "amount"},
        {**QUESTION, "columns": "month"},
        {**QUESTION, "date_from": "2026-13-01"},
        {**QUESTION, "date_from": "2026-03-01", "date_to": "2026-01-01"},
    ],
)
def test_a_wrong_question_gives_a_message_not_an_error(org_a, login, question):
    client = login(org_a, Role.FINANCE)
    answer = client.get(reverse("statistics:pivot"), question)
    assert answer.status_code == 200 and 'class="error"' in answer.content.decode()
    assert client.get(reverse("statistics:pivot-export"), question).status_code == 302


def test_staff_cannot_see_statistics(org_a, login):
    client = login(org_a, Role.STAFF)
    assert client.get(reverse("statistics:pivot")).status_code == 403


def test_received_by_school_site_and_status_reads_one_organisation(org_a, org_b, login):
    invoiced(org_a)
    with scope(org_b):
        kinds = kinds_create()
        parent, child = family()
        invoice = invoice_post(parent, child, [(date(2026, 1, 5), kinds.camp, 9000)])
        pay(invoice, 5000, date(2026, 2, 4))
    client = login(org_a, Role.FINANCE)
    question = {"source": "lines", "rows": "site", "columns": "status", "measure": "received"}
    page = client.get(reverse("statistics:pivot"), question).content.decode()
    assert 'id="pivot-total"><strong>10,00 €' in page and "50,00 €" not in page
    plan = {"source": "lines", "rows": "plan", "measure": "balance"}
    page = client.get(reverse("statistics:pivot"), plan).content.decode()
    assert "pas dans un plan de paiement" in page
    assert 'id="pivot-total"><strong>17,00 €' in page


def two_months(org):
    with scope(org):
        kinds = kinds_create()
        parent, child = family()
        for month in (1, 2):
            care = [(d, kinds.care, 200) for d in days(date(2026, month, 5), 5)]
            meals = [(date(2026, month, 5), kinds.meals, 350)]
            invoice = invoice_post(parent, child, care + meals, day=date(2026, month, 27))
        pay(invoice, 500, date(2026, 3, 4))


def test_months_in_rows_are_drawn_as_lines_one_per_column(org_a, login):
    two_months(org_a)
    client = login(org_a, Role.FINANCE)
    page = client.get(reverse("statistics:pivot"), {**QUESTION, "display": "chart"})
    page = page.content.decode()
    assert 'class="chart line-chart"' in page and page.count("<polyline") == 2
    assert "<title>Accueil – 02/2026: 10,00 €</title>" in page
    assert 'id="pivot-table"' in page  # the numbers stay in the table


def test_amounts_side_by_side_by_month(org_a, login):
    two_months(org_a)
    client = login(org_a, Role.FINANCE)
    question = {**QUESTION, "columns": "figures"}
    page = client.get(reverse("statistics:pivot"), question).content.decode()
    assert "Facturé" in page and "Encaissé" in page and 'id="pivot-total"' not in page
    assert "13,50 €" in page and "5,00 €" in page
    answer = client.get(reverse("statistics:pivot-export"), question)
    sheet = load_workbook(io.BytesIO(answer.content)).active
    header = [cell.value for cell in next(sheet.iter_rows(min_row=3, max_row=3))]
    assert "Total" not in header[1:] and "Encaissé" in header
