"""A finance officer sets the budget articles, runs an accounting export, downloads its files."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
from tests.browser.test_registry_browser import log_in
from tests.conftest import make_user
from tests.exports.builders import post, world

from regie.core.models import Role
from regie.core.tenancy import scope
from regie.exports.validation import validate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_configure_articles_export_and_download_csv_and_zip(page, org_a, tmp_path):
    """Given posted invoices of March, when the finance officer sets the article of the
    childcare category and exports March as CSV and UBL, then both files download, the CSV
    carries the article and the UBL files pass EN 16931 and Peppol."""
    make_user("fanny", org_a, Role.FINANCE)
    with scope(org_a):
        setup, parent = world()
        first = post(setup, parent, 5000, date(2026, 3, 3), second=725)
        second = post(setup, parent, 1250, date(2026, 3, 17))
    category = setup.categories[0]
    log_in(page, "fanny")

    page.goto("/exports/settings/")
    page.locator("#id_application_code").fill("AES")
    page.locator(f"#id_category-{category.pk}-article").fill("835/161-01")
    page.screenshot(path=tmp_path / "export-settings.png", full_page=True)
    page.locator("#export-settings button.primary").click()
    page.wait_for_url("**/exports/settings/")
    assert page.locator(f"#id_category-{category.pk}-article").input_value() == "835/161-01"

    page.goto("/exports/new/")
    page.locator("#id_date_from").fill("2026-03-01")
    page.locator("#id_date_to").fill("2026-03-31")
    page.screenshot(path=tmp_path / "export-new.png", full_page=True)
    page.locator("form.edit button.primary").click()
    page.wait_for_url("**/jobs/*/")
    page.locator(".job-status.status-done").wait_for()
    page.locator("a.button[href^='/exports/']").click()
    page.wait_for_url("**/exports/*/")
    page.screenshot(path=tmp_path / "export-detail.png", full_page=True)
    assert first.number in page.content() and second.number in page.content()

    with page.expect_download() as download:
        page.locator("#export-files a[href$='/']", has_text=".csv").click()
    content = Path(download.value.path()).read_text(encoding="utf-8")
    assert "AES;" + first.number in content and "835/161-01" in content
    with page.expect_download() as download:
        page.locator("#export-files a", has_text=".zip").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert len(archive.namelist()) == 2
    for name in archive.namelist():
        assert [f for f in validate(archive.read(name)) if f.fatal] == [], name

    page.goto("/exports/")
    page.screenshot(path=tmp_path / "export-list.png", full_page=True)
    page.goto(f"/billing/invoices/{first.pk}/")
    assert page.locator("#invoice-exported a").count() == 1
    page.screenshot(path=tmp_path / "export-invoice.png", full_page=True)
