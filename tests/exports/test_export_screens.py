"""The export screens: settings, a new export as a background job, the list, an export."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from tests.exports.builders import post, world

from regie.core.models import Job, Role, User
from regie.core.tenancy import scope
from regie.exports.models import BudgetArticle, Export, ExportSettings
from regie.exports.services import export_create


@pytest.fixture
def finance(org_a, login):
    client = login(org_a, Role.FINANCE, username="finance-user")
    User.objects.filter(username="finance-user").update(language="en")
    return client


@pytest.fixture
def posted(org_a):
    with scope(org_a):
        setup, parent = world()
        return setup, post(setup, parent, 5000, date(2026, 3, 3))


def text(response) -> str:
    return response.content.decode()


def test_settings_save_budget_articles_per_category(org_a, finance, posted):
    setup, _invoice = posted
    first, second = setup.categories
    response = finance.post(
        reverse("exports:settings"),
        {
            "application_code": "AES",
            "debtor_id": "national",
            "default_article": "000/000-00",
            "fee_article": "040/380-03",
            "peppol_scheme": "0208",
            "peppol_id": "",
            f"category-{first.pk}-article": "835/161-01",
            f"category-{first.pk}-vat_category": "O",
            f"category-{first.pk}-vat_rate": "0",
            f"category-{second.pk}-article": "",
            f"category-{second.pk}-vat_category": "O",
            f"category-{second.pk}-vat_rate": "0",
        },
    )
    assert response.status_code == 302
    with scope(org_a):
        assert ExportSettings.objects.get().application_code == "AES"
        assert dict(BudgetArticle.objects.values_list("category_id", "article")) == {
            first.pk: "835/161-01"
        }


def test_settings_refuse_vat_without_rate_with_a_message(org_a, finance, posted):
    setup, _invoice = posted
    first = setup.categories[0]
    response = finance.post(
        reverse("exports:settings"),
        {
            "debtor_id": "none",
            "peppol_scheme": "0208",
            f"category-{first.pk}-article": "835/161-01",
            f"category-{first.pk}-vat_category": "S",
            f"category-{first.pk}-vat_rate": "0",
        },
    )
    assert response.status_code == 200
    assert "A line subject to VAT needs its rate." in text(response)


def test_a_new_export_runs_as_a_job_and_lands_on_its_page(
    org_a, finance, posted, django_capture_on_commit_callbacks
):
    _setup, invoice = posted
    with django_capture_on_commit_callbacks(execute=True):
        response = finance.post(
            reverse("exports:new"),
            {"date_from": "2026-03-01", "date_to": "2026-03-31", "kinds": ["invoice"],
             "formats": ["csv", "ubl"]},
        )  # fmt: skip
    assert response.status_code == 302
    with scope(org_a):
        job = Job.objects.get()
        assert job.status == Job.Status.DONE, job.error
        export = Export.objects.get()
        file_ids = list(export.files.values_list("pk", flat=True))
    assert job.result["next_url"] == export.get_absolute_url()
    page = text(finance.get(export.get_absolute_url()))
    assert invoice.number in page and "50,00" in page
    listing = text(finance.get(reverse("exports:list")))
    assert "01/03/2026 – 31/03/2026" in listing
    assert len(file_ids) == 2
    for pk in file_ids:
        assert finance.get(reverse("exports:file", args=[pk])).status_code == 200
    invoice_page = text(finance.get(reverse("billing:invoice", args=[invoice.pk])))
    assert "export 01/03/2026 – 31/03/2026" in invoice_page
    account = text(finance.get(reverse("billing:account", args=[invoice.person_id])))
    assert export.get_absolute_url() in account


def test_a_range_over_three_months_is_refused_on_the_form(finance, posted):
    response = finance.post(
        reverse("exports:new"),
        {"date_from": "2026-01-01", "date_to": "2026-04-02", "kinds": ["invoice"],
         "formats": ["csv"]},
    )  # fmt: skip
    assert response.status_code == 200
    assert "at most 3 months" in text(response)


def test_the_invoice_page_says_not_exported_yet(org_a, finance, posted):
    _setup, invoice = posted
    page = text(finance.get(reverse("billing:invoice", args=[invoice.pk])))
    assert "Not exported yet" in page


def test_an_auditor_sees_exports_but_cannot_start_one(org_a, login, posted):
    with scope(org_a):
        export_create(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31), formats=["csv"])
    auditor = login(org_a, Role.AUDITOR)
    assert auditor.get(reverse("exports:list")).status_code == 200
    assert auditor.get(reverse("exports:new")).status_code == 403
