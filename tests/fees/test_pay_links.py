"""Online payment links on documents and e-mails (issue 16, 5): an invoice, a reminder or a
plan carries a link to a page that pays its communication online, when the organisation offers
online payment (Mollie); none otherwise. The payment made there is allocated like a bank
payment with that communication."""

from __future__ import annotations

from django.conf import settings
from django.db.models import F, Sum
from django.urls import reverse
from tests.documents.test_rendering import pdf_text
from tests.dunning.test_plans import example_12
from tests.fees import builders as b
from tests.payments.payment_builders import world

from regie.billing.models import Invoice
from regie.billing.selectors import with_balance
from regie.core.models import Organisation
from regie.core.tenancy import current_organisation
from regie.documents import files
from regie.documents.kinds import kind_get
from regie.documents.mail import message_for
from regie.documents.models import Sending
from regie.documents.rendering import renderer_for
from regie.dunning.documents_plans import PLAN
from regie.fees import online
from regie.fees.models import Checkout
from regie.fees.pay_links import link_token
from regie.ledger.models import EntryLine
from regie.payments.models import Payment


def invoice_document(invoice: Invoice) -> dict:
    return kind_get("invoice").data([invoice.pk])[0]


def with_iban() -> None:
    Organisation.objects.filter(pk=current_organisation().pk).update(
        iban="BE71096123456769", bic="GKCCBEBB"
    )


def test_without_online_payment_documents_carry_no_link(in_a):
    _, invoices = world()
    assert "pay_online" not in invoice_document(invoices[0])


def test_an_invoice_carries_its_link_on_the_pdf_and_in_the_e_mail(in_a, fake_mollie):
    with_iban()
    b.mollie_on(fake_mollie)
    (anne, *_), invoices = world()
    document = invoice_document(invoices[0])
    link = document["pay_online"]
    token = link_token(in_a, invoices[0].communication)
    assert link["url"] == settings.REGIE_PUBLIC_URL + reverse("fees:pay_any", args=[token])
    assert link["label"] == "Payer en ligne :"
    template = files.template_for(in_a.pk)
    _, text = pdf_text(renderer_for(template, files.media_root()).render(document))
    assert "Payer en ligne" in text
    sending = Sending(kind="invoice", document_id=invoices[0].pk, person=anne, recipient="a@b.be")
    assert link["url"] in message_for(sending, document, b"%PDF").body


def test_a_paid_invoice_carries_no_link(in_a, fake_mollie):
    b.mollie_on(fake_mollie)
    _, invoices = world(invoice_cents=((0, 0, 0), (0, 1000, 0)))
    assert "pay_online" not in invoice_document(invoices[0])  # nothing to pay
    assert "pay_online" in invoice_document(invoices[1])


def test_a_payment_plan_carries_its_link(in_a, fake_mollie):
    with_iban()
    b.mollie_on(fake_mollie)
    *_, plan = example_12()
    (document,) = kind_get(PLAN).data([plan.pk])
    assert document["pay_online"]["url"].endswith(
        reverse("fees:pay_any", args=[link_token(in_a, plan.communication)])
    )


def test_the_link_pays_the_invoice_online_and_it_is_allocated(in_a, client, fake_mollie):
    with_iban()
    b.mollie_on(fake_mollie)
    _, invoices = world()
    invoice = invoices[1]  # 13,00
    url = reverse("fees:pay_any", args=[link_token(in_a, invoice.communication)])
    page = client.get(url)
    assert page.status_code == 200
    assert "13,00 €" in page.content.decode()
    # Browsers apply form-action to the redirect that follows "Pay online": allow the checkout.
    assert f"form-action 'self' {fake_mollie.url};" in page["Content-Security-Policy"]
    online_url = reverse("fees:pay_any_online", args=[link_token(in_a, invoice.communication)])
    answer = client.post(online_url)
    assert answer.status_code == 302
    assert answer["Location"].startswith(fake_mollie.url + "/checkout/")
    checkout = Checkout.objects.get()
    assert (checkout.communication, checkout.amount_cents) == (invoice.communication, 1300)
    fake_mollie.pay(checkout.mollie_id)
    online.webhook_receive(checkout.mollie_id)
    online.webhook_receive(checkout.mollie_id)  # Mollie calls again: nothing more
    assert with_balance(Invoice.objects.filter(pk=invoice.pk)).get().open_cents == 0
    assert Payment.objects.get().mode == "online"
    lines = EntryLine.objects.filter(account__role="provider_clearing")
    assert lines.aggregate(t=Sum(F("debit") - F("credit")))["t"] == 1300
    assert "13,00 €" not in client.get(url).content.decode()  # paid: thank you


def test_a_tampered_link_is_unknown(in_a, client):
    _, invoices = world()
    token = link_token(in_a, invoices[0].communication)
    assert client.get(reverse("fees:pay_any", args=[token[:-2] + "xx"])).status_code == 404
    assert client.get(reverse("fees:pay_any", args=["nonsense"])).status_code == 404
    assert client.post(reverse("fees:pay_any_online", args=["nonsense"])).status_code == 404


def test_a_link_names_its_organisation_only(org_a, org_b, client):
    """A's link with B's communication: A has no such communication, the page is unknown."""
    from regie.core.tenancy import scope

    with scope(org_b):
        _, invoices_b = world()
    token = link_token(org_a, invoices_b[0].communication)
    assert client.get(reverse("fees:pay_any", args=[token])).status_code == 404
    assert client.post(reverse("fees:pay_any_online", args=[token])).status_code == 302
    with scope(org_a):
        assert not Checkout.objects.exists()
