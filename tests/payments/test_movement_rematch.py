"""A rejected movement allocated with the communication its payer should have given: the clerk
types the structured communication of what it pays (an invoice, a service file, ...) and the
movement pays it as the bank import would have; what the import would refuse is refused with
its reason, and nothing moves."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse
from tests.fees import builders as b
from tests.payments import test_payment_services as spec
from tests.payments.test_movement_outcomes import PAYER_IBAN, balance, bank_file

from regie.billing.selectors import with_balance
from regie.core.errors import DomainError
from regie.core.models import Role
from regie.core.tenancy import scope
from regie.fees.models import Callback, FileState, ServiceFile
from regie.fees.services import file_push
from regie.ledger.rules import AccountRole
from regie.payments.corrections import movement_rematch
from regie.payments.imports import statements_import
from regie.payments.models import BankMovement, MovementStatus, Payment

invoices = spec.invoices  # Anne Dupont: October 2.00, November 0.50


def rejected(amount: str) -> BankMovement:
    """A movement of ``amount`` without communication, rejected on the suspense account."""
    number = BankMovement.objects.count() + 1
    data = bank_file((amount, "DUPONT ANNE", PAYER_IBAN), number=number)
    statements_import(data=data, name=f"{uuid.uuid4().hex}.cod")
    movement = BankMovement.objects.order_by("-pk").first()
    assert movement.status == MovementStatus.REJECTED
    return movement


def test_an_invoice_communication_pays_the_invoice_and_the_rest_is_credit(invoices):
    october = invoices[1][0]
    movement = rejected("3.00")
    payment = movement_rematch(movement=movement, communication=october.formatted_communication)
    assert payment.person_id == october.person_id and payment.amount_cents == 300
    assert [(a.invoice_id, a.amount_cents) for a in payment.allocations.all()] == [
        (october.pk, 200)
    ]
    assert with_balance(type(october).objects.filter(pk=october.pk)).get().open_cents == 0
    movement.refresh_from_db()
    assert movement.status == MovementStatus.CORRECTED
    assert balance(AccountRole.SUSPENSE) == 0


def test_a_service_file_communication_pays_the_file_and_calls_its_system_back(in_a):
    service = b.service(callback_url="https://permits.example.be/paid")
    file, _ = file_push(service=service, data=b.container("OCC-7"))
    movement = rejected("30.00")
    movement_rematch(movement=movement, communication=file.communication)  # digits only
    file = ServiceFile.objects.get(pk=file.pk)
    assert file.state == FileState.PAID
    assert Callback.objects.filter(file=file).count() == 1
    assert balance(AccountRole.SUSPENSE) == 0


@pytest.mark.parametrize(
    "typed, code",
    [
        ("", "statements.bad_communication"),
        ("+++123/4567/89000+++", "statements.bad_communication"),  # check digits wrong
        ("facture de Léa", "statements.bad_communication"),
        ("+++000/0000/09797+++", "matching.unknown_communication"),
    ],
)
def test_what_the_import_would_refuse_is_refused_and_nothing_moves(invoices, typed, code):
    movement = rejected("2.00")
    with pytest.raises(DomainError) as refused:
        movement_rematch(movement=movement, communication=typed)
    assert refused.value.code == code
    movement.refresh_from_db()
    assert movement.status == MovementStatus.REJECTED
    assert not Payment.objects.exists()


def test_an_invoice_already_paid_is_refused(invoices):
    october = invoices[1][0]
    movement_rematch(movement=rejected("2.00"), communication=october.communication)
    with pytest.raises(DomainError) as refused:
        movement_rematch(movement=rejected("2.00"), communication=october.communication)
    assert refused.value.code == "matching.already_paid"


def test_the_movement_page_offers_it_and_says_the_outcome(invoices, org_a, login):
    movement = rejected("2.00")
    october = invoices[1][0]
    finance = login(org_a, Role.FINANCE)
    url = reverse("payments:movement-detail", args=[movement.pk])
    assert 'id="rematch-form"' in finance.get(url).content.decode()
    post = reverse("payments:movement-rematch", args=[movement.pk])
    wrong = finance.post(post, {"communication": "12345", "once": uuid.uuid4().hex}, follow=True)
    assert "Ce n&#x27;est pas une communication structurée" in wrong.content.decode()
    done = finance.post(
        post, {"communication": october.formatted_communication, "once": uuid.uuid4().hex}
    )
    payment = Payment.objects.get()
    assert done.url == reverse("payments:payment-detail", args=[payment.pk])


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.AUDITOR, Role.STAFF])
def test_only_who_edits_finances_may(invoices, org_a, login, role):
    movement = rejected("2.00")
    client = login(org_a, role)
    post = reverse("payments:movement-rematch", args=[movement.pk])
    data = {"communication": invoices[1][0].communication, "once": uuid.uuid4().hex}
    assert client.post(post, data).status_code == 403
    assert not Payment.objects.exists()


def test_another_organisations_movement_is_not_found(invoices, org_b, login):
    movement = rejected("2.00")
    client = login(org_b, Role.FINANCE)
    post = reverse("payments:movement-rematch", args=[movement.pk])
    data = {"communication": invoices[1][0].communication, "once": uuid.uuid4().hex}
    assert client.post(post, data).status_code == 404
    assert not Payment.unscoped_objects.exists()


def test_the_payment_page_lists_the_file_it_paid(in_a, org_a, login):
    file, _ = file_push(service=b.service(), data=b.container("OCC-7"))
    payment = movement_rematch(movement=rejected("30.00"), communication=file.communication)
    page = login(org_a, Role.AUDITOR).get(reverse("payments:payment-detail", args=[payment.pk]))
    text = page.content.decode()
    assert page.context["allocated"] == 3000
    assert "Dossier OCC-7 de Occupation du domaine public" in text
    assert reverse("fees-files:file-detail", args=[file.pk]) in text
    assert "Aucune facture : ce qu'il a payé est listé ci-dessous." in text


def test_the_payment_page_lists_the_reminder_fee_it_paid(org_a, login):
    from tests.dunning.test_screens import reminded

    _invoice, second = reminded(org_a)
    with scope(org_a):
        amount = second.principal_cents + second.fee_cents
        movement = rejected(f"{amount // 100}.{amount % 100:02d}")
        payment = movement_rematch(movement=movement, communication=second.communication)
    page = login(org_a, Role.FINANCE).get(reverse("payments:payment-detail", args=[payment.pk]))
    assert page.context["allocated"] == amount
    assert f"Frais du rappel {second.number}" in page.content.decode()
