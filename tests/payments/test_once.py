"""The payments' forms record their money once (issue 13, 3): a double click, a replayed POST
or a second tab with the same form records it once and shows the first one's result, with
the message "already submitted" (never an error page)."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from tests.conftest import make_organisation, make_user, with_token
from tests.payments import test_payment_services as spec
from tests.payments.payment_builders import coda_file, world
from tests.payments.test_payment_screens import payment_data
from tests.submissions import concurrent, said_once, submit_together

from regie.billing.models import Invoice, Kind
from regie.core.models import Job, Role, Submission
from regie.core.tenancy import scope
from regie.payments.imports import statements_import
from regie.payments.models import BankMovement, MovementStatus, Payment, Refund
from regie.payments.refunds import refund_create
from regie.payments.services import payment_create, person_credit

invoices = spec.invoices


@pytest.fixture
def finance(org_a, login):
    return login(org_a, Role.FINANCE)


def twice(client, url: str, data: dict):
    """Post the same form twice; return both answers."""
    return client.post(url, data), client.post(url, data)


def test_the_same_payment_form_posted_twice_records_one_payment(invoices, finance):
    mum, _ = invoices
    first, again = twice(
        finance, reverse("payments:payment-create"), payment_data(mum, amount="3,00")
    )
    payment = Payment.objects.get()
    assert first["Location"] == reverse("payments:payment-receipt", args=[payment.pk])
    assert again["Location"] == first["Location"] and said_once(again)
    assert Submission.objects.count() == 1


def test_a_post_without_token_records_nothing_and_shows_the_form_again(invoices, finance):
    """A page shown before the token existed (or a forged request): the form comes back with
    a fresh token and says it is out of date; nothing is written."""
    mum, _ = invoices
    url = f"{reverse('payments:payment-create')}?person={mum.pk}"
    assert 'name="once"' in finance.get(url).content.decode()
    data = payment_data(mum)
    del data["once"]
    response = finance.post(url, data)
    page = response.content.decode()
    assert response.status_code == 200 and 'name="once"' in page
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not Payment.objects.exists() and not Submission.objects.exists()


def test_a_user_of_no_organisation_is_refused_before_any_token_is_used(invoices, client):
    client.force_login(make_user("sans-commune"))
    response = client.post(reverse("payments:payment-create"), with_token())
    assert response.status_code == 403 and not Submission.objects.exists()


def test_a_refused_submission_does_not_use_the_token_up(invoices, finance):
    """The form shown again with its errors keeps a usable token: corrected, it records."""
    mum, _ = invoices
    data = payment_data(mum, amount="3,00")
    refused = finance.post(reverse("payments:payment-create"), {**data, "date": "bad"})
    assert refused.status_code == 200 and not Payment.objects.exists()
    assert not Submission.objects.exists()
    assert finance.post(reverse("payments:payment-create"), data).status_code == 302
    assert Payment.objects.count() == 1


def test_a_refund_submitted_twice_is_recorded_once(invoices, finance):
    mum, _ = invoices
    payment_create(person=mum, day=date(2025, 12, 5), amount_cents=1000, mode="transfer")
    url = reverse("payments:refund-create", args=[mum.pk])
    assert 'name="once"' in finance.get(url).content.decode()
    data = with_token({"amount": "2,00", "iban": mum.iban, "date": "2025-12-08"})
    first, again = twice(finance, url, data)
    assert first["Location"] == again["Location"] == reverse("payments:refund-list")
    assert said_once(again)
    assert Refund.objects.count() == 1 and person_credit(mum.pk) == 550  # 7,50 - 2,00


def test_a_movement_corrected_twice_with_the_same_form_is_allocated_once(invoices, finance):
    mum, (october, _) = invoices
    spec.statements_import(data=spec.coda(("2.50", "")), name="x.cod")
    movement = BankMovement.objects.get()
    url = f"{reverse('payments:movement-detail', args=[movement.pk])}?person={mum.pk}"
    assert 'name="once"' in finance.get(url).content.decode()
    first, again = twice(finance, url, with_token({"person": mum.pk}))
    payment = Payment.objects.get()
    assert first["Location"] == again["Location"]
    assert first["Location"] == reverse("payments:payment-detail", args=[payment.pk])
    assert said_once(again)
    movement.refresh_from_db()
    assert movement.status == MovementStatus.CORRECTED


def test_a_payment_cancelled_twice_with_the_same_form_says_so_not_an_error(invoices, finance):
    mum, _ = invoices
    payment = payment_create(person=mum, day=date(2025, 12, 5), amount_cents=100, mode="cash")
    detail = reverse("payments:payment-detail", args=[payment.pk])
    assert 'name="once"' in finance.get(detail).content.decode()
    first, again = twice(
        finance, reverse("payments:payment-cancel", args=[payment.pk]), with_token()
    )
    assert first["Location"] == again["Location"] == detail and said_once(again)
    payment.refresh_from_db()
    assert payment.cancelled_at is not None


def test_the_sepa_file_written_twice_with_the_same_form_is_one_file(invoices, finance):
    mum, _ = invoices
    payment_create(person=mum, day=date(2025, 12, 5), amount_cents=1000, mode="transfer")
    refund_create(person=mum, amount_cents=300, day=date(2025, 12, 8))
    assert 'name="once"' in finance.get(reverse("payments:refund-list")).content.decode()
    first, again = twice(finance, reverse("payments:sepa-create"), with_token())
    assert first["Location"] == again["Location"] == reverse("payments:refund-list")
    assert said_once(again)
    assert Refund.objects.get().batch.startswith("SEPA/")


def test_a_bank_file_uploaded_twice_with_the_same_form_starts_one_import(
    invoices, finance, django_capture_on_commit_callbacks
):
    url = reverse("payments:statement-import")
    assert 'name="once"' in finance.get(url).content.decode()
    token = uuid.uuid4().hex
    answers = []
    for _ in range(2):
        upload = SimpleUploadedFile("x.cod", spec.coda(("2.00", "")))
        with django_capture_on_commit_callbacks(execute=True):
            answers.append(finance.post(url, {"file": upload, "once": token}))
    job = Job.objects.get()
    assert answers[0]["Location"] == answers[1]["Location"] == reverse("job", args=[job.pk])
    assert said_once(answers[1])


def test_an_invoice_released_twice_with_the_same_form_has_one_credit_note(invoices, finance):
    _, (october, _) = invoices
    url = reverse("payments:invoice-release", args=[october.pk])
    assert 'name="once"' in finance.get(url).content.decode()
    first, again = twice(finance, url, with_token())
    assert first["Location"] == again["Location"] == october.get_absolute_url()
    assert said_once(again)
    assert Invoice.objects.filter(kind=Kind.CREDIT_NOTE).count() == 1


# -- At the same moment (PostgreSQL) ---------------------------------------------------------


@pytest.fixture
def commune(transactional_db):
    """An organisation with three persons and their posted invoices (committed), and its
    finance officer."""
    org = make_organisation("Commune pressée")
    with scope(org):
        persons, _ = world()
    return org, persons, make_user("caisse", org, Role.FINANCE)


@concurrent
def test_four_tabs_submitting_a_payment_at_the_same_moment_record_one(commune):
    """Given the same cash payment form (no explicit split) submitted from four connections
    at once, then one payment exists and every answer leads to its receipt."""
    org, (anne, *_), user = commune
    answers = submit_together(
        user, reverse("payments:payment-create"), payment_data(anne, amount="5,00")
    )
    assert [getattr(a, "status_code", a) for a in answers] == [302] * 4, answers
    with scope(org):
        payment = Payment.objects.get()
    shown = reverse("payments:payment-receipt", args=[payment.pk])
    assert [a["Location"] for a in answers] == [shown] * 4


@concurrent
def test_four_tabs_correcting_a_movement_at_the_same_moment_allocate_it_once(commune):
    org, (anne, *_), user = commune
    with scope(org):
        statements_import(data=coda_file([(1250, "")]), name="x.cod")
        movement = BankMovement.objects.get()
    url = f"{reverse('payments:movement-detail', args=[movement.pk])}?person={anne.pk}"
    answers = submit_together(user, url, with_token({"person": anne.pk}))
    assert [getattr(a, "status_code", a) for a in answers] == [302] * 4, answers
    with scope(org):
        payment = Payment.objects.get()
    shown = reverse("payments:payment-detail", args=[payment.pk])
    assert [a["Location"] for a in answers] == [shown] * 4
