"""The payment request of a file paid in advance (DOMAIN §8): a document in the applicant's
language, e-mailed once per version when it is pushed, printed from the file's page."""

from __future__ import annotations

import doctest
import io
from datetime import date
from decimal import Decimal

import pytest
import zxingcpp
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from PIL import Image
from tests.conftest import with_token
from tests.documents.test_document_language import labels
from tests.documents.test_rendering import pdf_text
from tests.fees import builders as b

from regie.core.models import Organisation, Role
from regie.core.tenancy import current_organisation, scope
from regie.documents import files
from regie.documents.kinds import kind_get
from regie.documents.models import Sending, SendingStatus
from regie.documents.rendering import renderer_for
from regie.fees import documents as request_documents
from regie.fees.documents import PAYMENT_REQUEST, requests_data
from regie.fees.models import FileVersion
from regie.fees.payments import file_pay_at_counter
from regie.fees.requests import current_version_id
from regie.fees.rules import Line
from regie.fees.services import file_push
from regie.payments.models import Mode

IBAN, BIC = "BE71096123456769", "GKCCBEBB"


def test_quantities_and_periods_print_the_belgian_way():
    assert doctest.testmod(request_documents).failed == 0


def _sendings(file) -> list[Sending]:
    versions = FileVersion.objects.filter(file=file).values_list("pk", flat=True)
    return list(Sending.objects.filter(kind=PAYMENT_REQUEST, document_id__in=list(versions)))


def _render(document: dict) -> bytes:
    kind = kind_get(PAYMENT_REQUEST)
    template = files.template_for(current_organisation().pk, kind.template, kind.folder)
    return renderer_for(template, files.media_root()).render(document)


def _scanned(document: dict) -> list[bytes]:
    kind = kind_get(PAYMENT_REQUEST)
    template = files.template_for(current_organisation().pk, kind.template, kind.folder)
    (page,) = renderer_for(template, files.media_root()).render_png(document)
    return [r.bytes for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(page)))]


@pytest.fixture
def bank(in_a):
    Organisation.objects.filter(pk=in_a.pk).update(iban=IBAN, bic=BIC)
    return in_a


def test_a_pushed_file_is_emailed_its_request_once_with_the_pdf(
    bank, django_capture_on_commit_callbacks
):
    service = b.service()
    with django_capture_on_commit_callbacks(execute=True):
        file, _ = file_push(service=service, data=b.container())
    (sending,) = _sendings(file)
    assert sending.status == SendingStatus.SENT
    assert sending.recipient == "julie.lambert@example.be"
    (message,) = mail.outbox
    assert message.to == ["julie.lambert@example.be"]
    assert "OCC-2026-0042" in message.subject
    assert "30,00 €" in message.body and file.formatted_communication in message.body
    ((name, pdf, kind),) = message.attachments
    assert kind == "application/pdf" and name.endswith(".pdf")
    _pages, text = pdf_text(pdf)
    assert "30,00 €" in text and file.formatted_communication in text
    with django_capture_on_commit_callbacks(execute=True):
        again, _ = file_push(service=service, data=b.container())  # idempotent push
    assert again.pk == file.pk
    assert len(_sendings(file)) == 1 and len(mail.outbox) == 1


def test_a_new_version_sends_its_own_request_with_its_new_amount(
    bank, django_capture_on_commit_callbacks
):
    service = b.service()
    with django_capture_on_commit_callbacks(execute=True):
        file, _ = file_push(service=service, data=b.container())
    with django_capture_on_commit_callbacks(execute=True):
        file, _ = file_push(service=service, data=b.container(days="3"), new_version=True)
        file_push(service=service, data=b.container(days="3"), new_version=True)  # once
    assert len(_sendings(file)) == 2 and len(mail.outbox) == 2
    assert "45,00 €" in mail.outbox[1].body
    assert file.formatted_communication in mail.outbox[1].body


def test_the_request_speaks_the_applicants_language(bank, django_capture_on_commit_callbacks):
    data = b.container(applicant=b.applicant(language="nl", email="jan@example.be"))
    with django_capture_on_commit_callbacks(execute=True):
        file_push(service=b.service(counter_nl="Loket Financiën, ma–vr 9–12 u"), data=data)
    (message,) = mail.outbox
    assert message.subject.startswith("Betalingsverzoek")
    assert "gestructureerde mededeling" in message.body
    _pages, text = pdf_text(message.attachments[0][1])
    assert "Betalingsverzoek" in text and "Loket Financiën" in text


def test_an_applicant_by_post_gets_no_email_and_the_page_says_to_post_it(
    org_a, login, django_capture_on_commit_callbacks
):
    with scope(org_a):
        data = b.container(applicant=b.applicant(email=""))
        with django_capture_on_commit_callbacks(execute=True):
            file, _ = file_push(service=b.service(), data=data)
        assert _sendings(file) == []
    assert mail.outbox == []
    client = login(org_a, Role.FINANCE)
    page = client.get(reverse("fees-files:file-detail", args=[file.pk])).content.decode()
    assert 'id="request-by-post"' in page and 'id="request-resend"' not in page
    response = client.post(reverse("fees-files:request-resend", args=[file.pk]), with_token())
    assert response.status_code == 302
    with scope(org_a):
        assert _sendings(file) == []


def test_a_file_invoiced_afterwards_has_no_payment_request(
    in_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        file, _ = file_push(service=b.service(), data=b.container(way="afterwards"))
    assert _sendings(file) == [] and mail.outbox == []
    assert requests_data([FileVersion.objects.get(file=file).pk]) == []


def test_the_pdf_lists_the_lines_and_its_qr_code_pays_what_is_due(bank):
    lines = (
        Line("Échafaudage, par m² et par jour", Decimal("12.5"), 50, Decimal("0")),
        Line("Signalisation", Decimal("1"), 6495, Decimal("0")),
    )
    data = b.container(lines=lines, date_from=date(2026, 5, 4), date_to=date(2026, 5, 8))
    file, _ = file_push(service=b.service(), data=data)
    (document,) = requests_data([current_version_id(file)])
    assert [(li["quantity"], li["unit"], li["amount"]) for li in document["lines"]] == [
        ("12,5", "0,50 €", "6,25 €"),
        ("1", "64,95 €", "64,95 €"),
    ]
    assert (document["total"], document["balance"]) == ("71,20 €", "71,20 €")
    _pages, text = pdf_text(_render(document))
    for words in ("Demande de paiement", "71,20 €", file.formatted_communication, "04/05/2026"):
        assert words in text
    assert "Signalisation" in text and "BE71 0961 2345 6769" in text
    (payload,) = _scanned(document)
    fields = payload.decode().split("\n")
    assert fields[6:] == [IBAN, "EUR71.2", "", file.communication]


def test_the_request_links_the_files_payment_page_when_online_payment_is_offered(bank, fake_mollie):
    file, _ = file_push(service=b.service(), data=b.container())
    (document,) = requests_data([current_version_id(file)])
    assert "pay_online" not in document
    b.mollie_on(fake_mollie)
    (document,) = requests_data([current_version_id(file)])
    assert document["pay_online"]["url"].endswith(reverse("fees:pay", args=[file.pay_token]))
    _pages, text = pdf_text(_render(document))
    assert "Payer en ligne" in text


def test_a_paid_file_and_a_replaced_version_ask_for_nothing(bank):
    service = b.service()
    file, _ = file_push(service=service, data=b.container())
    first = current_version_id(file)
    file, _ = file_push(service=service, data=b.container(days="3"), new_version=True)
    (old,) = requests_data([first])
    assert old["note"] == "replaced" and old["payment"] is None
    file_pay_at_counter(file=file, mode=Mode.CARD)
    (paid,) = requests_data([current_version_id(file)])
    assert paid["note"] == "paid" and paid["payment"] is None
    _pages, text = pdf_text(_render(paid))
    assert "Payé : merci." in text and _scanned(paid) == []


def test_the_file_page_downloads_the_pdf_resends_and_lists_the_sendings(
    org_a, login, django_capture_on_commit_callbacks
):
    with scope(org_a), django_capture_on_commit_callbacks(execute=True):
        file, _ = file_push(service=b.service(), data=b.container())
    client = login(org_a, Role.FINANCE)
    detail = reverse("fees-files:file-detail", args=[file.pk])
    page = client.get(detail).content.decode()
    assert 'id="request-pdf"' in page and "OCC-2026-0042 v1" in page
    pdf = client.get(reverse("fees-files:request-pdf", args=[file.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert "30,00 €" in pdf_text(pdf.content)[1]
    assert (
        client.get(reverse("fees-files:request-pdf", args=[file.pk]), {"version": "7"}).status_code
        == 404
    )
    assert (
        client.get(reverse("fees-files:request-pdf", args=[file.pk]), {"version": "x"}).status_code
        == 400
    )
    url = reverse("fees-files:request-resend", args=[file.pk])
    token = with_token()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, token)["Location"] == detail
        client.post(url, token)  # the same form twice: sent once more, not twice
    with scope(org_a):
        assert [s.status for s in _sendings(file)] == [SendingStatus.SENT] * 2
    assert len(mail.outbox) == 2


def test_another_organisations_file_is_not_found(org_a, org_b, login):
    with scope(org_b):
        file, _ = file_push(service=b.service(), data=b.container())
    client = login(org_a, Role.FINANCE)
    assert client.get(reverse("fees-files:request-pdf", args=[file.pk])).status_code == 404
    response = client.post(reverse("fees-files:request-resend", args=[file.pk]), with_token())
    assert response.status_code == 404


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.COORDINATOR])
def test_readers_download_the_request_but_do_not_send_it(org_a, login, role):
    with scope(org_a):
        file, _ = file_push(service=b.service(), data=b.container())
    client = login(org_a, role)
    assert client.get(reverse("fees-files:request-pdf", args=[file.pk])).status_code == 200
    response = client.post(reverse("fees-files:request-resend", args=[file.pk]), with_token())
    assert response.status_code == 403


def test_every_language_of_the_request_has_every_label():
    source = (kind_get(PAYMENT_REQUEST).folder / "payment_request.typ").read_text(encoding="utf-8")
    found = labels(source)
    assert set(found) == {"fr", "nl", "de"}
    assert found["fr"].keys() == found["nl"].keys() == found["de"].keys()


def test_the_payment_page_shows_the_services_counter_in_the_applicants_language(in_a):
    service = b.service(counter_fr="Guichet des finances\nLundi 9 h – 12 h", counter_nl="Loket")
    file, _ = file_push(service=service, data=b.container())
    html = Client().get(reverse("fees:pay", args=[file.pay_token])).content.decode()
    assert "Guichet des finances<br>Lundi 9 h – 12 h" in html
    data = b.container("OCC-NL", applicant=b.applicant(language="nl", email="jan@example.be"))
    file, _ = file_push(service=service, data=data)
    html = Client().get(reverse("fees:pay", args=[file.pay_token])).content.decode()
    assert '<p id="counter">Loket</p>' in html


def test_the_email_carries_the_payment_link_when_online_payment_is_offered(
    bank, fake_mollie, django_capture_on_commit_callbacks
):
    b.mollie_on(fake_mollie)
    with django_capture_on_commit_callbacks(execute=True):
        file, _ = file_push(service=b.service(), data=b.container())
    (message,) = mail.outbox
    link = reverse("fees:pay", args=[file.pay_token])
    assert f"Payer en ligne : {settings.REGIE_PUBLIC_URL}{link}" in message.body
    assert link in pdf_text(message.attachments[0][1])[1].replace("\n", "")
