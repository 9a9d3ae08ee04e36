"""The billing forms record their money once (issue 13, 3): a write-off, its reversal, a run's
creation and its posting sent twice (double click, replay, second tab) happen once, and the
second answer shows the first one's result with "already submitted", never an error."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from tests import factories as f
from tests.billing.conftest import posted, run_form
from tests.billing.test_runs import attend, new_run
from tests.conftest import make_organisation, make_user, with_token
from tests.submissions import concurrent, said_once, submit_together

from regie.billing.corrections import write_off_create
from regie.billing.models import BillingRun, Invoice, Kind, RunStatus, WriteOff
from regie.billing.runs import run_create
from regie.core.models import Job, Role, Submission
from regie.core.tenancy import scope


def twice(client, url: str, data: dict, capture=None):
    """Post the same form twice (running the jobs it starts); return both answers."""
    answers = []
    for _ in range(2):
        if capture is None:
            answers.append(client.post(url, data))
        else:
            with capture(execute=True):
                answers.append(client.post(url, data))
    return answers


def write_off_form() -> dict:
    return with_token({"kind": "social_aid", "amount_cents": "1,00", "date": "2025-12-01"})


def test_a_write_off_sent_twice_is_written_once(family, evening, finance):
    invoice = posted(evening)
    url = reverse("billing:invoice-write-off", args=[invoice.pk])
    assert 'name="once"' in finance.get(url).content.decode()
    first, again = twice(finance, url, write_off_form())
    assert first["Location"] == again["Location"] == invoice.get_absolute_url()
    assert said_once(again)
    assert WriteOff.objects.get().amount_cents == 100


def test_a_write_off_form_refused_keeps_its_token_usable(family, evening, finance):
    invoice = posted(evening)
    url = reverse("billing:invoice-write-off", args=[invoice.pk])
    data = write_off_form()
    assert finance.post(url, {**data, "amount_cents": "9,00"}).status_code == 200
    assert not Submission.objects.exists()
    assert finance.post(url, data).status_code == 302
    assert WriteOff.objects.count() == 1


def test_a_reversal_sent_twice_reverses_once(family, evening, finance):
    invoice = posted(evening)
    write_off = write_off_create(invoice=invoice, kind="error", amount_cents=50, day=date.today())
    assert 'name="once"' in finance.get(invoice.get_absolute_url()).content.decode()
    url = reverse("billing:write-off-reverse", args=[write_off.pk])
    first, again = twice(finance, url, with_token())
    assert first["Location"] == again["Location"] == invoice.get_absolute_url()
    assert said_once(again)
    assert WriteOff.objects.filter(reverses=write_off).count() == 1


def test_a_reversal_without_token_reverses_nothing(family, evening, finance):
    invoice = posted(evening)
    write_off = write_off_create(invoice=invoice, kind="error", amount_cents=50, day=date.today())
    response = finance.post(reverse("billing:write-off-reverse", args=[write_off.pk]))
    assert response["Location"] == invoice.get_absolute_url()
    assert WriteOff.objects.count() == 1


def test_a_run_created_twice_with_the_same_form_is_one_run(
    family, evening, finance, django_capture_on_commit_callbacks
):
    url = reverse("billing:run-create")
    assert 'name="once"' in finance.get(url).content.decode()
    first, again = twice(
        finance, url, run_form(evening, create="1"), django_capture_on_commit_callbacks
    )
    job = Job.objects.get()
    assert first["Location"] == again["Location"] == reverse("job", args=[job.pk])
    assert said_once(again)
    assert BillingRun.objects.get().status == RunStatus.DRAFT


def test_a_preview_needs_no_token_use(family, evening, finance):
    """Previewing writes nothing: the form's token stays usable to create the invoices."""
    data = run_form(evening, preview="1")
    assert finance.post(reverse("billing:run-create"), data).status_code == 200
    assert not Submission.objects.exists() and not BillingRun.objects.exists()


def test_a_run_posted_twice_with_the_same_form_is_posted_once(
    family, evening, finance, django_capture_on_commit_callbacks
):
    run = run_create(new_run(evening))
    url = reverse("billing:run-post", args=[run.pk])
    assert 'name="once"' in finance.get(url).content.decode()
    first, again = twice(finance, url, with_token(), django_capture_on_commit_callbacks)
    job = Job.objects.get(kind="billing.run_post")
    assert first["Location"] == again["Location"] == reverse("job", args=[job.pk])
    assert said_once(again)
    assert BillingRun.objects.get().status == RunStatus.POSTED
    assert Invoice.objects.get(kind=Kind.INVOICE).number == "FACT/2025/00001"


# -- At the same moment (PostgreSQL) ---------------------------------------------------------


@pytest.fixture
def commune(transactional_db):
    """A commune whose family's October attendances are billed on a posted invoice of 2,50 €
    (committed), and its finance officer."""
    org = make_organisation("Commune pressée")
    with scope(org):
        evening = f.activity("Accueil du soir", "16:00", "18:00")
        f.price("0,50 / 30 min", [evening])
        mum = f.person("Dupont", "Anne")
        attend(f.child("Léa", parent=mum), evening)
    return org, evening, make_user("finances", org, Role.FINANCE)


@concurrent
def test_four_tabs_writing_off_at_the_same_moment_write_off_once(commune):
    org, evening, user = commune
    with scope(org):
        invoice = posted(evening)
    url = reverse("billing:invoice-write-off", args=[invoice.pk])
    answers = submit_together(user, url, write_off_form())
    assert [getattr(a, "status_code", a) for a in answers] == [302] * 4, answers
    assert {a["Location"] for a in answers} == {invoice.get_absolute_url()}
    with scope(org):
        assert WriteOff.objects.get().amount_cents == 100


@concurrent
def test_four_tabs_creating_a_run_at_the_same_moment_create_one(commune):
    org, evening, user = commune
    answers = submit_together(user, reverse("billing:run-create"), run_form(evening, create="1"))
    assert [getattr(a, "status_code", a) for a in answers] == [302] * 4, answers
    with scope(org):
        job = Job.objects.get()
        assert BillingRun.objects.count() == 1
    assert {a["Location"] for a in answers} == {reverse("job", args=[job.pk])}
