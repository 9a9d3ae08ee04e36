"""The finance officer's screens of service files: the list with its filters and export, a
file's page (versions, payments, call-backs and their attempts), the counter payment with its
refusals, "retry now" for a failing call-back, and who may do what."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone
from tests.conftest import with_token
from tests.fees import builders as b
from tests.fees.test_callbacks import PermitSystem

from regie.core.models import Role
from regie.core.tenancy import scope
from regie.fees.models import Callback, CallbackStatus, FileState, ServiceFile
from regie.fees.payments import file_pay_at_counter
from regie.fees.services import file_cancel, file_push, service_save
from regie.payments.models import Mode, Payment


@pytest.fixture
def files(org_a):
    """Four files of two services: awaiting payment, paid, to invoice, cancelled."""
    with scope(org_a):
        permits, events = b.service(), b.service("Événements")
        waiting, _ = file_push(service=permits, data=b.container("OCC-1"))
        paid, _ = file_push(
            service=permits,
            data=b.container("OCC-2", applicant=b.applicant(last_name="Peeters", email="p@x.be")),
        )
        file_pay_at_counter(file=paid, mode=Mode.CARD)
        later, _ = file_push(service=events, data=b.container("EVT-1", way="afterwards"))
        gone, _ = file_push(service=events, data=b.container("EVT-2"))
        file_cancel(file=gone)
    return {"waiting": waiting, "paid": paid, "later": later, "gone": gone}


@pytest.fixture
def finance(org_a, login):
    return login(org_a, Role.FINANCE)


def listed(client, **params) -> list[str]:
    response = client.get(reverse("fees-files:file-list"), params)
    assert response.status_code == 200
    return [file.external_id for file in response.context["object_list"]]


def test_the_list_filters_by_state_service_applicant_reference_and_period(files, finance):
    assert sorted(listed(finance)) == ["EVT-1", "EVT-2", "OCC-1", "OCC-2"]
    assert listed(finance, state=FileState.AWAITING_PAYMENT) == ["OCC-1"]
    assert listed(finance, state=FileState.CANCELLED) == ["EVT-2"]
    assert sorted(listed(finance, service=files["later"].service_id)) == ["EVT-1", "EVT-2"]
    assert listed(finance, q="peeters") == ["OCC-2"]
    assert listed(finance, q="occ-1") == ["OCC-1"]
    assert listed(finance, q=files["waiting"].formatted_communication) == ["OCC-1"]
    today = timezone.localdate()
    assert len(listed(finance, date_from=today, date_to=today)) == 4
    assert listed(finance, date_to=date(2020, 1, 1)) == []


def test_a_period_ending_before_it_starts_is_refused_with_a_message(files, finance):
    response = finance.get(
        reverse("fees-files:file-list"), {"date_from": "2026-05-02", "date_to": "2026-05-01"}
    )
    assert response.status_code == 200
    assert response.context["filters"].errors["date_to"]


def test_the_list_exports_its_filter_with_amounts_as_numbers(files, finance):
    response = finance.get(
        reverse("fees-files:file-list"), {"state": FileState.AWAITING_PAYMENT, "export": "csv"}
    )
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = text.strip().splitlines()
    assert len(rows) == 2
    assert "OCC-1" in rows[1] and ";30.00;" in rows[1]


def test_the_file_page_shows_versions_payments_and_amounts_in_euros(files, finance):
    paid = files["paid"]
    response = finance.get(reverse("fees-files:file-detail", args=[paid.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "30,00 €" in page and "Conteneur, par jour" in page
    assert ">3000<" not in page and "€3000" not in page
    assert len(response.context["payments"]) == 1


def _no_callback_says(client, file) -> str:
    page = client.get(reverse("fees-files:file-detail", args=[file.pk])).content.decode()
    return page.split('class="callback-none">', 1)[1].split("</p>", 1)[0]


def test_a_file_without_call_back_says_why(files, finance):
    assert "pas d'adresse de rappel" in _no_callback_says(finance, files["paid"])
    with scope(files["paid"].organisation):
        for service in {files["waiting"].service, files["later"].service}:
            service.callback_url = "https://permits.example.be/paid"
            service_save(service=service)
    assert "dès que le dossier sera payé" in _no_callback_says(finance, files["waiting"])
    assert "Facturé après coup" in _no_callback_says(finance, files["later"])
    assert "Annulé avant d'être payé" in _no_callback_says(finance, files["gone"])
    assert "payé avant que son service" in _no_callback_says(finance, files["paid"])


def test_the_counter_form_proposes_what_is_due_and_cash_leads_to_the_receipt(files, finance):
    waiting = files["waiting"]
    url = reverse("fees-files:file-pay", args=[waiting.pk])
    form = finance.get(url)
    assert 'value="30,00"' in form.content.decode()
    response = finance.post(
        url, with_token({"mode": Mode.CASH, "amount": "30,00", "date": timezone.localdate()})
    )
    payment = Payment.unscoped_objects.get(person_id=waiting.person_id, amount_cents=3000)
    assert response["Location"] == reverse("payments:payment-receipt", args=[payment.pk])
    waiting.refresh_from_db()
    assert waiting.state == FileState.PAID
    receipt = finance.get(response["Location"]).content.decode()
    assert payment.receipt_number in receipt and "OCC-1" in receipt


def test_a_card_payment_of_part_leaves_the_rest_due(files, finance):
    waiting = files["waiting"]
    url = reverse("fees-files:file-pay", args=[waiting.pk])
    response = finance.post(
        url, with_token({"mode": Mode.CARD, "amount": "10", "date": timezone.localdate()})
    )
    assert response["Location"] == reverse("fees-files:file-detail", args=[waiting.pk])
    page = finance.get(response["Location"])
    assert page.context["due"] == 2000


@pytest.mark.parametrize(
    ("amount", "mode"),
    [
        ("30,01", "cash"),
        ("0", "cash"),
        ("-5", "card"),
        ("abc", "cash"),
        ("1e9", "card"),
        ("30,00", "cheque"),
        ("99999999999999", "cash"),
    ],
)
def test_over_payment_and_absurd_input_are_refused_and_nothing_recorded(
    files, finance, amount, mode
):
    waiting = files["waiting"]
    url = reverse("fees-files:file-pay", args=[waiting.pk])
    response = finance.post(
        url, with_token({"mode": mode, "amount": amount, "date": timezone.localdate()})
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Payment.unscoped_objects.filter(person_id=waiting.person_id).exists()


def test_a_file_not_awaiting_payment_has_no_counter_form(files, finance):
    response = finance.get(reverse("fees-files:file-pay", args=[files["paid"].pk]))
    assert response["Location"] == reverse("fees-files:file-detail", args=[files["paid"].pk])


def test_the_counter_payment_is_recorded_once_however_often_it_is_sent(files, finance):
    waiting = files["waiting"]
    url = reverse("fees-files:file-pay", args=[waiting.pk])
    data = with_token({"mode": Mode.CARD, "amount": "30,00", "date": timezone.localdate()})
    finance.post(url, data)
    finance.post(url, data)
    assert Payment.unscoped_objects.filter(person_id=waiting.person_id).count() == 1


def test_retry_now_sends_a_failing_call_back_again_and_lists_every_attempt(
    org_a, finance, django_capture_on_commit_callbacks
):
    system = PermitSystem([503])
    try:
        with scope(org_a):
            service = b.service(callback_url=system.url)
            file, _ = file_push(service=service, data=b.container())
            with django_capture_on_commit_callbacks(execute=True):
                file_pay_at_counter(file=file, mode=Mode.CARD)
            callback = Callback.objects.get()
        assert callback.status == CallbackStatus.PENDING
        page = finance.get(reverse("fees-files:file-detail", args=[file.pk])).content.decode()
        assert "503" in page
        url = reverse("fees-files:callback-retry", args=[file.pk, callback.pk])
        with django_capture_on_commit_callbacks(execute=True):
            response = finance.post(url, with_token())
        assert response.status_code == 302
        callback.refresh_from_db()
        assert (callback.attempts, callback.status) == (2, CallbackStatus.ACKNOWLEDGED)
        page = finance.get(reverse("fees-files:file-detail", args=[file.pk])).content.decode()
        assert page.count("<td>503</td>") == 1 and page.count("<td>200</td>") == 1
        assert "callback-retry" not in page and "/retry/" not in page
    finally:
        system.close()


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.COORDINATOR])
def test_readers_see_the_files_but_record_no_payment(files, org_a, login, role):
    client = login(org_a, role)
    assert client.get(reverse("fees-files:file-list")).status_code == 200
    url = reverse("fees-files:file-pay", args=[files["waiting"].pk])
    assert client.get(url).status_code == 403
    response = client.post(url, with_token({"mode": "cash", "amount": "30,00"}))
    assert response.status_code == 403


def test_staff_sees_no_file(files, org_a, login):
    client = login(org_a, Role.STAFF)
    assert client.get(reverse("fees-files:file-list")).status_code == 403


def test_another_organisation_sees_none_of_the_files(files, org_b, login):
    client = login(org_b, Role.FINANCE)
    assert listed(client) == []
    waiting = files["waiting"]
    for name in ("fees-files:file-detail", "fees-files:file-pay"):
        assert client.get(reverse(name, args=[waiting.pk])).status_code == 404
    assert ServiceFile.unscoped_objects.get(pk=waiting.pk).state == FileState.AWAITING_PAYMENT


def test_the_dashboard_counts_the_files_awaiting_payment_and_links_the_list(files, finance):
    page = finance.get("/").content.decode()
    url = reverse("fees-files:file-list") + f"?state={FileState.AWAITING_PAYMENT}"
    assert url in page
    assert listed(finance, state=FileState.AWAITING_PAYMENT) == ["OCC-1"]
