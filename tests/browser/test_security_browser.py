"""Every page works under the Content-Security-Policy; the second factor in a real browser."""

from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect
from tests.browser.test_registry_browser import log_in
from tests.conftest import make_user
from tests.core.test_isolation import KWARG_MODELS, populate, walk_patterns

from regie.core.models import Job, Membership, Role, User
from regie.core.tenancy import scope
from regie.payments.models import Payment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Collects what the browser refuses, from before the page's own scripts run.
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " +
                    (e.sourceFile || "") + ":" + e.lineNumber));
window.print = () => { window.__printed = true; };
"""
SHOTS = Path(os.environ.get("REGIE_SCREENSHOTS", tempfile.gettempdir()))
SKIPPED = {"logout", "set_language", "switch-organisation"}


def html_pages(client: Client, objects: dict) -> list[str]:
    """Every GET page of the back-office (with A's ids) that answers HTML, plus a few admin
    pages and the API's documentation."""
    by_model = {type(obj): obj for obj in objects.values()}
    urls = ["/config/", "/config/people/schoolsite/", "/api/v1/docs"]
    urls.append(reverse("admin:people_schoolsite_change", args=[objects["site"].pk]))
    for name, pattern in walk_patterns():
        if name in SKIPPED:
            continue
        kwargs = {}
        for key in pattern.pattern.converters:
            model = next(m for (p, k), m in KWARG_MODELS.items() if name.startswith(p) and k == key)
            # A word (a kind of document) is the same for every organisation.
            kwargs[key] = model if isinstance(model, str) else by_model[model].pk
        urls.append(reverse(name, kwargs=kwargs))
    pages = []
    for url in dict.fromkeys(urls):
        answer = client.get(url)
        if answer.status_code == 200 and answer["Content-Type"].startswith("text/html"):
            pages.append(url)
    return pages


def violations(page) -> list[str]:
    return page.evaluate("window.__csp")


def test_every_page_renders_and_works_under_the_policy(page, org_a, org_b):
    """An administrator walks every page: the browser refuses nothing; the organisation
    switcher, the print buttons, the confirmation of a cancellation and a progress bar work."""
    objects = populate(org_a, "A")
    admin = make_user("anne", org_a, Role.ADMINISTRATOR)
    Membership.objects.create(user=admin, organisation=org_b, role=Role.ADMINISTRATOR)
    client = Client()
    client.force_login(admin)
    pages = html_pages(client, objects)
    assert len(pages) >= 40
    refused: dict[str, list[str]] = {}
    console: list[str] = []
    page.context.add_init_script(WATCH_CSP)
    page.on(
        "console",
        lambda m: console.append(m.text) if "Content Security Policy" in m.text else None,
    )
    log_in(page, "anne")
    for url in pages:
        page.goto(url)
        page.wait_for_load_state("load")
        if found := violations(page):
            refused[url] = found
    assert not refused, refused
    assert not console, console

    # The organisation switcher submits itself (its handler lives in ui.js).
    page.goto("/registry/children/")
    with page.expect_navigation():
        page.locator("#org-switch").select_option(str(org_b.pk))
    assert page.locator("#org-switch").input_value() == str(org_b.pk)
    assert "EnfantA" not in page.content()
    with page.expect_navigation():
        page.locator("#org-switch").select_option(str(org_a.pk))
    assert "EnfantA" in page.content()

    # Print buttons print; a cancellation asks first, and "no" cancels nothing.
    page.goto(reverse("people:child-card", args=[objects["child"].pk]))
    page.locator("button[data-print]").click()
    assert page.evaluate("window.__printed") is True
    page.goto(reverse("payments:payment-detail", args=[objects["payment"].pk]))
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.locator("form[data-confirm] button.danger").click()
    assert asked and "Annuler ce paiement" in asked[0]
    with scope(org_a):
        assert Payment.objects.get(pk=objects["payment"].pk).cancelled_at is None

    # A job's progress bar follows the work, then the page shows the outcome.
    with scope(org_a):
        job = Job.objects.create(kind="test", title="Travail", status="running", total=4, done=1)
    page.goto(reverse("job", args=[job.pk]))
    with scope(org_a):
        Job.objects.filter(pk=job.pk).update(done=3)
    expect(page.locator("#job-count")).to_have_text("3 / 4")
    assert page.locator("#job-progress").evaluate("bar => bar.value") == 75
    with scope(org_a):
        Job.objects.filter(pk=job.pk).update(done=4, status="done")
    page.locator(".job-status.status-done").wait_for()
    assert not violations(page)


def type_password(page, username):
    page.goto("/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(f"pw-{username}")
    page.locator("form button[type=submit].primary").click()


def code_for(device, ahead=0):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + ahead * device.step
    return f"{totp.token():06d}"


def test_a_finance_officer_sets_up_the_second_factor_then_logs_in_with_it(page, org_a):
    """In French: the set-up page shows a QR code and the key; after a right code the
    recovery codes; the next login asks a code before any page."""
    org_a.require_second_factor = True
    org_a.save()
    make_user("fanny", org_a, Role.FINANCE)
    page.context.add_init_script(WATCH_CSP)
    type_password(page, "fanny")
    page.wait_for_url("**/account/second-factor/set-up/**")
    assert page.locator("h1").inner_text() == "Configurer un second facteur"
    expect(page.locator(".qr svg")).to_be_visible()
    page.screenshot(path=SHOTS / "regie-second-factor-enrol.png", full_page=True)
    device = TOTPDevice.objects.get(user=User.objects.get(username="fanny"))
    key = page.locator("#manual-key").input_value().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", key)
    page.locator("#id_code").fill(code_for(device))
    page.locator("button.primary").click()
    page.locator("#recovery-codes li").first.wait_for()
    assert page.locator("#recovery-codes li").count() == 10
    page.screenshot(path=SHOTS / "regie-second-factor-codes.png", full_page=True)
    page.locator("a.button.primary").click()
    page.wait_for_url("**/")
    page.locator("form[action='/logout/'] button").click()

    type_password(page, "fanny")
    page.wait_for_url("**/account/second-factor/verify/**")
    assert page.locator("h1").inner_text() == "Confirmez votre connexion"
    page.locator("#id_code").fill("000000")
    page.locator("button.primary").click()
    assert "pas valable" in page.locator("p.error").inner_text()
    page.screenshot(path=SHOTS / "regie-second-factor-verify.png", full_page=True)
    time.sleep(1.1)  # a wrong code holds the next try back for a second
    page.locator("#id_code").fill(code_for(device, ahead=1))
    page.locator("button.primary").click()
    page.wait_for_url("**/")
    expect(page.locator("nav a[href='/billing/invoices/']")).to_be_visible()
    assert not violations(page)
