"""A finance officer follows the dashboard to a rejected bank movement nobody owes, sets it
aside as a bank fee, finds it in the list with its reason, and undoes it, in a real browser
(issue 14 item 9)."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from tests.browser.test_registry_browser import log_in
from tests.conftest import make_user
from tests.payments.test_movement_outcomes import PAYER_IBAN, bank_file

from regie.core.models import Role
from regie.core.tenancy import scope
from regie.payments.imports import statements_import
from regie.payments.models import BankMovement, MovementStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: Where the screenshots go, to be looked at: REGIE_SCREENSHOTS, else the temporary folder.
SHOTS = Path(os.environ.get("REGIE_SCREENSHOTS", tempfile.gettempdir()))


def test_officer_sets_a_movement_aside_as_a_bank_fee_and_undoes_it(page, org_a):
    with scope(org_a):
        statements_import(data=bank_file(("12.50", "BANQUE X", PAYER_IBAN)), name="a.cod")
        movement = BankMovement.objects.get()
    make_user("fanny", org_a, Role.FINANCE)
    questions = []

    def accept(dialog):
        questions.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    log_in(page, "fanny")
    counter = page.locator("li[data-counter='payments.movements_rejected']")
    assert counter.locator("strong").inner_text() == "1"
    counter.locator("a").click()
    page.locator(f"tr[data-movement='{movement.pk}'] td.actions a").click()
    page.screenshot(path=SHOTS / "set-aside-form.png", full_page=True)

    page.locator("#set-aside-form input[value='bank_fee']").check()
    page.locator("#set-aside-form button[type=submit]").click()

    page.wait_for_selector("#movement-outcome[data-outcome='bank_fee']")
    assert questions[-1] == (
        "Mettre de côté ce mouvement de 12,50 € ? Il quitte les mouvements à affecter."
    )
    assert page.locator("#movement-status").inner_text() == "mis de côté"
    assert page.locator("#outcome-reason").inner_text() == "Frais ou charges bancaires"
    page.screenshot(path=SHOTS / "set-aside-done.png", full_page=True)
    page.locator("nav.report-tabs a[href='/payments/movements/']").click()
    group = page.locator("tbody[data-status='set_aside']")
    assert group.locator(f"tr[data-movement='{movement.pk}'] td[data-reason]").inner_text() == (
        "Frais ou charges bancaires"
    )
    page.locator("#id_status").select_option("set_aside")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url("**/payments/movements/?*status=set_aside*")
    page.screenshot(path=SHOTS / "set-aside-list.png", full_page=True)
    with scope(org_a):
        assert BankMovement.objects.get().status == MovementStatus.SET_ASIDE

    page.locator(f"tr[data-movement='{movement.pk}'] td.actions a").click()
    page.locator("#undo-form button[type=submit]").click()

    page.wait_for_selector("#set-aside-form")
    assert questions[-1].startswith("Annuler ?")
    assert page.locator("#movement-status").inner_text() == "rejeté"
    page.screenshot(path=SHOTS / "set-aside-undone.png", full_page=True)
    with scope(org_a):
        assert BankMovement.objects.get().status == MovementStatus.REJECTED
    page.goto("/")
    assert counter.locator("strong").inner_text() == "1"


def test_officer_allocates_a_movement_with_the_communication_the_payer_forgot(page, org_a):
    """Given a permit file of 30,00 € and a transfer of 30,00 € without communication, when the
    officer types the file's communication on the movement's page (a typo first), then the
    movement pays the file and the payment's page opens."""
    from playwright.sync_api import expect
    from tests.fees import builders as b

    from regie.fees.models import FileState, ServiceFile
    from regie.fees.services import file_push

    with scope(org_a):
        file, _ = file_push(service=b.service(), data=b.container("OCC-7"))
        statements_import(data=bank_file(("30.00", "LAMBERT J", PAYER_IBAN)), name="a.cod")
        movement = BankMovement.objects.get()
    make_user("fanny", org_a, Role.FINANCE)
    log_in(page, "fanny")
    page.goto(f"/payments/movements/{movement.pk}/")
    page.locator("#id_rematch").fill("+++123/4567/89000+++")
    page.locator("#rematch-form button").click()
    expect(page.locator(".messages")).to_contain_text("pas une communication structurée")
    page.locator("#id_rematch").fill(file.formatted_communication)
    page.screenshot(path=SHOTS / "movement-rematch.png", full_page=True)
    page.locator("#rematch-form button").click()
    page.wait_for_url(re.compile(r"/payments/\d+/$"))
    expect(page.locator(".messages")).to_contain_text("Le mouvement de 30,00 € paie")
    page.screenshot(path=SHOTS / "movement-rematch-done.png", full_page=True)
    with scope(org_a):
        assert ServiceFile.objects.get(pk=file.pk).state == FileState.PAID
        assert BankMovement.objects.get().status == MovementStatus.CORRECTED
