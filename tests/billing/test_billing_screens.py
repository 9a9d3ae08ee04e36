"""Specification of the billing screens: runs, preview, jobs, invoices, corrections, accounts.

Pages are read in English (the user's language) so that wording can be asserted; codes and
amounts are asserted where they say more.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from tests import factories as f
from tests.billing.test_runs import attend, new_run

from regie.attendance.models import Attendance, Day, DayStatus
from regie.billing import fixes
from regie.billing.admin import BillingSettingsForm
from regie.billing.corrections import invoice_release, write_off_create, write_off_reverse
from regie.billing.forms import RunForm, previous_month
from regie.billing.models import BillingRun, Invoice, Kind, RunStatus, WriteOff
from regie.billing.runs import run_create, run_post
from regie.billing.selectors import (
    Status,
    account_items,
    status_of,
    unbilled_attendances,
    with_balance,
    with_status,
)
from regie.core.errors import DomainError
from regie.core.models import Job, Role, User
from regie.core.tenancy import scope
from regie.payments.services import payment_create

OCTOBER = {"date_from": "2025-10-01", "date_to": "2025-10-31"}


@pytest.fixture
def evening(in_a):
    activity = f.activity("Accueil du soir", "16:00", "18:00")
    f.price("0,50 / 30 min", [activity])
    return activity


@pytest.fixture
def family(evening):
    """Anne pays for Léa (2,00 € on 1 October) and Tom (0,50 € on 2 October)."""
    mum = f.person("Dupont", "Anne")
    lea = f.child("Léa", parent=mum)
    tom = f.child("Tom", birth_date=date(2019, 5, 2), parent=mum)
    attend(lea, evening)
    attend(tom, evening, day=date(2025, 10, 2), entry="16:00", leave="16:04")
    return mum, lea, tom


@pytest.fixture
def as_role(org_a, login):
    """Return a client logged in with a role, reading pages in English."""

    def _as(role: str):
        name = f"{role}-user"
        client = login(org_a, role, username=name)
        User.objects.filter(username=name).update(language="en")
        return client

    return _as


@pytest.fixture
def finance(as_role):
    return as_role(Role.FINANCE)


def run_form(evening, **extra) -> dict:
    return {
        "categories": [evening.category.pk],
        **OCTOBER,
        "invoice_date": "2025-11-03",
        "due_date": "2025-12-03",
        **extra,
    }


def posted(evening) -> Invoice:
    run_post(run_create(new_run(evening)))
    return Invoice.objects.get(kind=Kind.INVOICE)


def text(response) -> str:
    return response.content.decode()


# -- Runs: list, form, preview -------------------------------------------------------------


def test_the_run_form_proposes_last_month_invoiced_today_and_due_in_30_days(finance):
    """Given a finance officer, the new run form is prefilled with last month and dates."""
    response = finance.get(reverse("billing:run-create"))
    form = response.context["form"]
    first, last = previous_month(date.today())
    assert (form["date_from"].value(), form["date_to"].value()) == (first, last)
    assert form["due_date"].value() - form["invoice_date"].value() == timedelta(days=30)


def test_previous_month_crosses_the_year():
    assert previous_month(date(2026, 1, 15)) == (date(2025, 12, 1), date(2025, 12, 31))


def test_the_run_form_refuses_reversed_dates(evening, finance):
    response = finance.post(
        reverse("billing:run-create"),
        run_form(evening, date_to="2025-09-01", due_date="2025-11-01", preview="1"),
    )
    errors = response.context["form"].errors
    assert set(errors) == {"date_to", "due_date"}
    assert not BillingRun.objects.exists()


def test_a_clean_preview_counts_invoices_and_total_and_creates_nothing(family, evening, finance):
    """Given two verified attendances of one family, the preview says one invoice of 2,50 €
    and no problem, and writes nothing."""
    response = finance.post(reverse("billing:run-create"), run_form(evening, preview="1"))
    assert response.status_code == 200
    preview = response.context["preview"]
    assert (preview.attendances, len(preview.invoices), preview.total_cents) == (2, 1, 250)
    assert "2 verified attendances give 1 invoice, 2,50 € in all. No problem found." in text(
        response
    )
    assert not BillingRun.objects.exists()
    assert not Invoice.objects.exists()


def test_the_preview_counts_days_left_out_and_links_to_the_days_list(family, evening, finance):
    """Given a day not processed and a day in error of the period, the preview counts them as
    left out and links to the days lists of the period."""
    lea = family[1]
    Day.objects.create(child=lea, date=date(2025, 10, 7))
    attend(family[2], evening, day=date(2025, 10, 8), entry="19:00", leave="19:30")
    assert Day.objects.get(date=date(2025, 10, 8)).status == DayStatus.ERROR

    response = finance.post(reverse("billing:run-create"), run_form(evening, preview="1"))

    assert response.context["preview"].unverified == 2
    page = text(response)
    assert "2 attendances of the period are not verified" in page
    query = "date_from=2025-10-01&amp;date_to=2025-10-31"
    assert f'href="/attendance/days/?status=not_processed&amp;{query}"' in page
    assert f'href="/attendance/days/?status=error&amp;{query}"' in page


def test_the_preview_lists_every_problem_at_once_with_a_link_to_fix_each(family, evening, as_role):
    """Given a child without attestable parent, a child without billable person and an
    activity with no price, the administrator's preview lists the three problems, linking to
    both children's pages and to the new-price page prefilled for the missing price."""
    mum, lea, tom = family
    tom.links.update(attestable=False)
    orphan = f.child("Zoé", parent=f.person("Martin", "Paul"), billable=False)
    attend(orphan, evening, day=date(2025, 10, 3))
    morning = f.activity("Accueil du matin", "07:00", "08:30")
    attend(lea, morning, day=date(2025, 10, 6), entry="07:10", leave="08:00")

    admin = as_role(Role.ADMINISTRATOR)
    response = admin.post(reverse("billing:run-create"), run_form(evening, preview="1"))

    problems = {p.code: p for p in response.context["problems"]}
    assert set(problems) == {"billing.no_attestable", "billing.no_billable", "pricing.missing"}
    assert problems["billing.no_attestable"].links[0].url == reverse(
        "people:child-detail", args=[tom.pk]
    )
    assert problems["billing.no_billable"].links[0].url == reverse(
        "people:child-detail", args=[orphan.pk]
    )
    add, coverage = problems["pricing.missing"].links
    assert add.url.startswith(reverse("admin:activities_price_add") + "?")
    assert f"activities={morning.pk}" in add.url
    assert "positions=1" in add.url and "valid_from=2025-10-06" in add.url
    assert "without_category=1" in add.url
    assert (
        coverage.url == reverse("activities:coverage") + "?date_from=2025-10-01&date_to=2025-10-31"
    )
    page = text(response)
    assert "Missing price for Accueil du matin: position 1" in page
    assert "3 problems to fix" in page
    assert admin.get(add.url).status_code == 200


def test_a_finance_officer_gets_the_coverage_check_not_the_price_admin(family, evening, finance):
    """Only administrators change prices: a finance officer's missing-price problem links to
    the coverage check of the period and says an administrator changes prices."""
    morning = f.activity("Accueil du matin", "07:00", "08:30")
    attend(family[1], morning, day=date(2025, 10, 6), entry="07:10", leave="08:00")

    response = finance.post(reverse("billing:run-create"), run_form(evening, preview="1"))

    (problem,) = response.context["problems"]
    assert [link.url for link in problem.links] == [
        reverse("activities:coverage") + "?date_from=2025-10-01&date_to=2025-10-31"
    ]
    assert "An administrator changes the prices." in problem.hint
    assert finance.get(problem.links[0].url).status_code == 200


def test_an_ambiguous_price_links_to_each_price_involved(family, evening, as_role):
    """Given two prices of the same activity valid the same days, the problem links to both
    prices' admin pages."""
    second = f.price("Doublon", [evening], unit=60)
    first = evening.prices.exclude(pk=second.pk).get()  # the fixture's price
    admin = as_role(Role.ADMINISTRATOR)

    response = admin.post(reverse("billing:run-create"), run_form(evening, preview="1"))

    problems = response.context["problems"]
    assert {p.code for p in problems} == {"pricing.ambiguous"}
    urls = {link.url for link in problems[0].links}
    assert {
        reverse("admin:activities_price_change", args=[first.pk]),
        reverse("admin:activities_price_change", args=[second.pk]),
    } <= urls


def test_problems_are_shown_translated_from_their_stored_form(in_a):
    """A stored problem (``to_dict``) shows in the active language with its links."""
    stored = DomainError(
        "billing.no_attestable", "Child %(child)s has no attestable parent", child="Léa", child_id=7
    ).to_dict()
    (problem,) = fixes.problems_shown(
        [stored], date_from=date(2025, 10, 1), date_to=date(2025, 10, 31), can_configure=False
    )
    assert problem.message == "Child Léa has no attestable parent"
    assert problem.links[0].url == reverse("people:child-detail", args=[7])


# -- Runs: creating, the run page, deleting, posting ----------------------------------------


def test_creating_invoices_runs_a_job_that_ends_on_the_run_page(
    family, evening, finance, django_capture_on_commit_callbacks
):
    """Given a clean period, "Create the invoices" starts a job; it ends done with a summary
    and a link to the run, which holds one draft invoice of 2,50 € with two lines."""
    with django_capture_on_commit_callbacks(execute=True):
        response = finance.post(reverse("billing:run-create"), run_form(evening, create="1"))

    job = Job.objects.get()
    run = BillingRun.objects.get()
    assert response["Location"] == reverse("job", args=[job.pk])
    assert (job.status, job.kind, job.done, job.total) == ("done", "billing.run_create", 1, 1)
    assert job.result == {
        "summary": "1 draft invoice, 2,50 € in all.",
        "next_url": reverse("billing:run", args=[run.pk]),
    }
    assert run.status == RunStatus.DRAFT
    assert list(run.categories.all()) == [evening.category]
    assert run.created_by.username == "finance-user"
    page = finance.get(job.result["next_url"])
    invoice = page.context["page_obj"].object_list[0]
    assert (invoice.person, invoice.total_cents, invoice.line_count) == (family[0], 250, 2)
    assert page.context["totals"]["total"] == 250
    assert "Post the run" in text(page)


def test_a_run_with_problems_ends_in_error_and_its_page_lists_them(
    family, evening, finance, django_capture_on_commit_callbacks
):
    family[2].links.update(attestable=False)
    with django_capture_on_commit_callbacks(execute=True):
        finance.post(reverse("billing:run-create"), run_form(evening, create="1"))

    run = BillingRun.objects.get()
    assert run.status == RunStatus.ERROR
    assert Job.objects.get().result["summary"] == (
        "The run is in error: 1 problem to fix; nothing was created."
    )
    page = finance.get(reverse("billing:run", args=[run.pk]))
    assert "Child Tom Dupont has no attestable parent" in text(page)
    assert "Delete the run" in text(page)
    assert "Post the run" not in text(page)


def test_a_run_whose_computation_crashes_ends_in_error_not_running(
    family, evening, finance, django_capture_on_commit_callbacks, monkeypatch
):
    """An unexpected failure fails the job and leaves the run in error, so it can be deleted."""

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("regie.billing.tasks.run_create", broken)
    with django_capture_on_commit_callbacks(execute=True):
        finance.post(reverse("billing:run-create"), run_form(evening, create="1"))

    assert Job.objects.get().status == "failed"
    run = BillingRun.objects.get()
    assert (run.status, run.problems[0]["code"]) == (RunStatus.ERROR, "billing.run_failed")


def test_the_run_list_shows_each_run_with_its_invoices_and_total(family, evening, finance):
    run_create(new_run(evening))
    response = finance.get(reverse("billing:run-list"))
    (run,) = response.context["object_list"]
    assert (run.invoice_count, run.total_cents) == (1, 250)
    assert "01/10/2025 – 31/10/2025" in text(response)
    assert "New billing run" in text(response)


def test_deleting_a_draft_run_asks_first_then_frees_its_attendances(family, evening, finance):
    run = run_create(new_run(evening))
    url = reverse("billing:run-delete", args=[run.pk])

    assert finance.get(url).status_code == 200
    assert BillingRun.objects.exists()
    response = finance.post(url)

    assert response["Location"] == reverse("billing:run-list")
    assert not BillingRun.objects.exists() and not Invoice.objects.exists()
    assert run_create(new_run(evening)).status == RunStatus.DRAFT
    assert Invoice.objects.get().total_cents == 250


def test_a_posted_run_can_be_neither_deleted_nor_posted_again(family, evening, finance):
    """A posted run offers no delete; asking anyway gives a message, not an error page."""
    run = run_post(run_create(new_run(evening)))
    for name in ("billing:run-delete", "billing:run-post"):
        response = finance.post(reverse(name, args=[run.pk]), follow=True)
        assert response.status_code == 200
        assert response.redirect_chain[-1][0] == reverse("billing:run", args=[run.pk])
        assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert BillingRun.objects.get().status == RunStatus.POSTED
    assert "Delete the run" not in text(finance.get(reverse("billing:run", args=[run.pk])))


def test_posting_a_run_numbers_its_invoices_in_a_job(
    family, evening, finance, django_capture_on_commit_callbacks
):
    """Confirming "Post the run" starts a job that numbers FACT/2025/00001 and ends on the run."""
    run = run_create(new_run(evening))
    url = reverse("billing:run-post", args=[run.pk])
    assert "Its 1 invoice gets its number" in text(finance.get(url))

    with django_capture_on_commit_callbacks(execute=True):
        response = finance.post(url)

    job = Job.objects.get(kind="billing.run_post")
    assert response["Location"] == reverse("job", args=[job.pk])
    assert job.status == "done"
    assert job.result["summary"] == "1 invoice posted, numbered FACT/2025/00001 to FACT/2025/00001."
    assert BillingRun.objects.get().status == RunStatus.POSTED
    page = text(finance.get(job.result["next_url"]))
    assert "FACT/2025/00001" in page and "+++101/0000/00" in page


# -- Invoices: list and filters --------------------------------------------------------------


def test_status_filters_agree_with_each_invoices_status(family, evening):
    """Every status filter keeps exactly the invoices whose status_of is that status: a
    credited invoice and its credit note, a partly paid one, a written-off (paid) one, an
    untouched one and a draft, before and after their due date."""
    mum = family[0]
    payers = []
    for last_name in ("Martin", "Lambert", "Simon"):
        payer = f.person(last_name, "Paul")
        attend(f.child("Zoé", last_name=last_name, parent=payer), evening, day=date(2025, 10, 9))
        payers.append(payer)
    run_post(run_create(new_run(evening)))
    attend(f.child("Noé", parent=f.person("Noël", "Eva")), evening, day=date(2025, 10, 10))
    run_create(new_run(evening))
    invoice_release(invoice=Invoice.objects.get(person=mum), day=date(2025, 11, 4))
    payment_create(person=payers[0], day=date(2025, 11, 5), amount_cents=50, mode="cash")
    lambert = Invoice.objects.get(person=payers[1])
    write_off_create(invoice=lambert, kind="error", amount_cents=200, day=date(2025, 11, 5))

    expected = {
        date(2025, 11, 10): {"credited", "credit_note", "partly_paid", "paid", "open", "draft"},
        date(2026, 1, 10): {"credited", "credit_note", "overdue", "paid", "draft"},
    }
    for today, seen in expected.items():
        everything = list(with_balance(Invoice.objects.all()))
        statuses = {invoice.pk: status_of(invoice, today) for invoice in everything}
        assert set(statuses.values()) == seen
        for status in Status.LABELS:
            kept = with_status(with_balance(Invoice.objects.all()), status, today)
            wanted = {pk for pk, s in statuses.items() if s == status}
            assert set(kept.values_list("pk", flat=True)) == wanted, (today, status)


def test_the_invoice_list_filters_by_status_person_run_and_number(family, evening, finance):
    mum = family[0]
    dad = f.person("Martin", "Paul")
    attend(f.child("Zoé", last_name="Martin", parent=dad), evening, day=date(2025, 10, 9))
    run = run_post(run_create(new_run(evening)))
    url = reverse("billing:invoice-list")

    def numbers(**params):
        response = finance.get(url, params)
        return sorted(str(i) for i in response.context["object_list"])

    assert numbers() == ["FACT/2025/00001", "FACT/2025/00002"]
    assert numbers(q="marti") == [str(Invoice.objects.get(person=dad))]
    assert numbers(q="anne dupont") == [str(Invoice.objects.get(person=mum))]
    assert numbers(number="00002") == ["FACT/2025/00002"]
    assert numbers(run=run.pk) == ["FACT/2025/00001", "FACT/2025/00002"]
    assert numbers(status="draft") == []
    overdue = Status.OVERDUE if date.today() > run.due_date else Status.OPEN
    assert len(numbers(status=overdue)) == 2
    response = finance.get(url)
    assert response.context["totals"]["total"] == 250 + 200
    assert "FACT/2025/00001" in text(response)


# -- Invoices: detail and corrections ---------------------------------------------------------


def test_the_invoice_page_shows_references_lines_and_balance(family, evening, finance):
    """Person and address, number, dates, structured communication, a line per child, day
    and activity in euros, the balance and the two corrections; never an edit or a delete."""
    family[0].__class__.objects.filter(pk=family[0].pk).update(
        street="Rue Haute 5", postcode="5000", city="Namur"
    )
    invoice = posted(evening)
    response = finance.get(reverse("billing:invoice", args=[invoice.pk]))
    page = text(response)
    assert "Dupont Anne" in page and "Rue Haute 5" in page and "5000 Namur" in page
    assert invoice.number == "FACT/2025/00001" and invoice.number in page
    assert invoice.formatted_communication in page
    assert invoice.formatted_communication.startswith("+++101/0000/")
    assert "03/11/2025" in page and "03/12/2025" in page
    lines = list(response.context["lines"])
    assert [(x.child.first_name, x.quantity, x.amount_cents) for x in lines] == [
        ("Léa", 4, 200),
        ("Tom", 1, 50),
    ]
    assert "2,00 €" in page and "0,50 €" in page
    assert response.context["invoice"].open_cents == 250
    assert "Release (credit note)" in page and "Write off" in page
    assert "/edit" not in page and "delete" not in page.lower()


def test_releasing_an_invoice_asks_first_then_credits_it(family, evening, finance):
    """The credit note is made, the invoice shows credited and its attendances are billable."""
    invoice = posted(evening)
    url = reverse("billing:invoice-release", args=[invoice.pk])
    assert "A credit note cancels what is still due on this invoice (2,50 €)" in text(
        finance.get(url)
    )

    response = finance.post(url, follow=True)

    credit = Invoice.objects.get(kind=Kind.CREDIT_NOTE)
    assert credit.credit_of == invoice and credit.total_cents == 250
    assert f"Credit note {credit.number} created" in text(response)
    assert response.context["invoice"].status == Status.CREDITED
    assert set(Attendance.objects.values_list("status", flat=True)) == {DayStatus.VERIFIED}
    again = finance.post(url, follow=True)
    assert [str(m) for m in again.context["messages"]] == [
        f"Invoice {invoice.number} is already credited."
    ]
    assert Invoice.objects.filter(kind=Kind.CREDIT_NOTE).count() == 1


def test_writing_off_part_of_an_invoice_and_reversing_it(family, evening, finance):
    invoice = posted(evening)
    url = reverse("billing:invoice-write-off", args=[invoice.pk])
    form = finance.get(url).context["form"]
    assert form["amount_cents"].value() == "2,50"

    response = finance.post(
        url,
        {"kind": "social_aid", "amount_cents": "1,25", "date": "2025-12-01", "reason": "CPAS"},
        follow=True,
    )

    write_off = WriteOff.objects.get()
    assert (write_off.amount_cents, write_off.kind, write_off.reason) == (125, "social_aid", "CPAS")
    assert response.context["invoice"].open_cents == 125
    assert "1,25 € written off invoice FACT/2025/00001." in text(response)

    response = finance.post(reverse("billing:write-off-reverse", args=[write_off.pk]), follow=True)
    assert response.context["invoice"].open_cents == 250
    assert "reversed" in text(response)
    again = finance.post(reverse("billing:write-off-reverse", args=[write_off.pk]), follow=True)
    assert [m.level_tag for m in again.context["messages"]] == ["error"]
    assert WriteOff.objects.count() == 2


def test_a_write_off_above_the_open_amount_is_refused_on_the_form(family, evening, finance):
    invoice = posted(evening)
    response = finance.post(
        reverse("billing:invoice-write-off", args=[invoice.pk]),
        {"kind": "error", "amount_cents": "3,00", "date": "2025-12-01"},
    )
    assert response.status_code == 200
    assert "at most its open amount, 2,50 €" in str(response.context["form"].non_field_errors())
    assert not WriteOff.objects.exists()


def test_a_draft_invoice_offers_no_correction(family, evening, finance):
    run_create(new_run(evening))
    invoice = Invoice.objects.get()
    page = text(finance.get(reverse("billing:invoice", args=[invoice.pk])))
    assert "not numbered yet (draft)" in page
    assert "Release (credit note)" not in page
    response = finance.post(reverse("billing:invoice-release", args=[invoice.pk]), follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not Invoice.objects.filter(kind=Kind.CREDIT_NOTE).exists()


# -- Person account ---------------------------------------------------------------------------


def test_the_account_lists_items_in_date_order_with_a_running_balance(family, evening, finance):
    """Invoice +2,50, write-off −1,00, its reversal +1,00, payment −0,50, credit note −2,50:
    the person is owed 0,50 (a negative balance is the person's credit)."""
    mum = family[0]
    invoice = posted(evening)
    write_off = write_off_create(
        invoice=invoice, kind="error", amount_cents=100, day=date(2025, 11, 20)
    )
    write_off_reverse(write_off=write_off, day=date(2025, 11, 25))
    payment_create(person=mum, day=date(2025, 11, 28), amount_cents=50, mode="cash")
    invoice_release(invoice=invoice, day=date(2025, 12, 1))

    items = account_items(mum.pk)
    assert [(i.day, i.kind, i.amount_cents, i.balance_cents) for i in items] == [
        (date(2025, 11, 3), "invoice", 250, 250),
        (date(2025, 11, 20), "write_off", -100, 150),
        (date(2025, 11, 25), "write_off_reverse", 100, 250),
        (date(2025, 11, 28), "payment", -50, 200),
        (date(2025, 12, 1), "credit_note", -250, -50),
    ]
    response = finance.get(reverse("billing:account", args=[mum.pk]))
    assert response.context["balance"] == -50
    assert "-0,50 €" in text(response)
    assert "Credit note" in text(response) and "NC/2025/00001" in text(response)


def test_unbilled_attendances_go_to_the_named_billable_person_else_the_first(family, evening):
    """Léa's attendance names her father, billable: it is his; Tom's names nobody: Anne's."""
    mum, lea, tom = family
    dad = f.person("Dupont", "Marc")
    lea.links.create(person=dad, billable=True)
    Attendance.objects.filter(child=lea).update(person=dad)
    stranger = f.person("Autre", "Ann")
    Attendance.objects.filter(child=tom).update(person=stranger)

    assert [a.child for a in unbilled_attendances(mum.pk)] == [tom]
    assert [a.child for a in unbilled_attendances(dad.pk)] == [lea]
    assert list(unbilled_attendances(stranger.pk)) == []
    run_post(run_create(new_run(evening)))
    assert list(unbilled_attendances(mum.pk)) == []


def test_moving_unbilled_attendances_to_another_billable_person(family, evening, finance):
    mum, lea, tom = family
    dad = f.person("Dupont", "Marc")
    lea.links.create(person=dad, billable=True)
    leas = Attendance.objects.get(child=lea)
    url = reverse("billing:account", args=[mum.pk])
    form = finance.get(url).context["form"]
    assert list(form.fields["person"].queryset) == [dad]

    response = finance.post(
        reverse("billing:account-move", args=[mum.pk]),
        {"attendances": [leas.pk], "person": dad.pk},
        follow=True,
    )

    assert "1 attendance will be billed to Dupont Marc." in text(response)
    assert Attendance.objects.get(pk=leas.pk).person == dad
    assert [a.child for a in unbilled_attendances(dad.pk)] == [lea]


def test_moving_to_a_person_not_billable_for_the_child_is_refused(family, evening, finance):
    """Marc is billable for Léa only: moving Tom's attendance to him is refused, nothing moves."""
    mum, lea, tom = family
    dad = f.person("Dupont", "Marc")
    lea.links.create(person=dad, billable=True)
    toms = Attendance.objects.get(child=tom)

    response = finance.post(
        reverse("billing:account-move", args=[mum.pk]),
        {"attendances": [toms.pk], "person": dad.pk},
    )

    assert response.status_code == 200
    assert "not billable for every child" in str(response.context["form"].non_field_errors())
    assert Attendance.objects.get(pk=toms.pk).person is None


# -- Roles, navigation, admin -----------------------------------------------------------------


def test_finance_pages_are_refused_to_roles_without_finance_view(family, evening, as_role):
    staff = as_role(Role.STAFF)
    invoice = posted(evening)
    for url in (
        reverse("billing:run-list"),
        reverse("billing:run", args=[invoice.run_id]),
        reverse("billing:invoice-list"),
        reverse("billing:invoice", args=[invoice.pk]),
        reverse("billing:account", args=[family[0].pk]),
    ):
        assert staff.get(url).status_code == 403, url
    assert "/billing/" not in text(staff.get("/"))


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.AUDITOR])
def test_readers_see_the_screens_but_every_action_is_refused(family, evening, as_role, role):
    """Coordinators and auditors may look (finance.view) but neither act nor see the actions."""
    client = as_role(role)
    invoice = posted(evening)
    write_off = write_off_create(invoice=invoice, kind="error", amount_cents=10, day=date.today())
    before = (Invoice.objects.count(), WriteOff.objects.count(), BillingRun.objects.count())
    assert client.get(reverse("billing:invoice", args=[invoice.pk])).status_code == 200
    assert "Release (credit note)" not in text(
        client.get(reverse("billing:invoice", args=[invoice.pk]))
    )
    actions = [
        reverse("billing:run-create"),
        reverse("billing:run-delete", args=[invoice.run_id]),
        reverse("billing:run-post", args=[invoice.run_id]),
        reverse("billing:invoice-release", args=[invoice.pk]),
        reverse("billing:invoice-write-off", args=[invoice.pk]),
        reverse("billing:write-off-reverse", args=[write_off.pk]),
        reverse("billing:account-move", args=[family[0].pk]),
    ]
    for url in actions:
        assert client.post(url, run_form(evening, create="1")).status_code == 403, url
    assert (Invoice.objects.count(), WriteOff.objects.count(), BillingRun.objects.count()) == (
        before
    )


def test_the_menu_and_the_person_page_lead_to_billing(family, finance):
    home = text(finance.get("/"))
    assert f'href="{reverse("billing:run-list")}"' in home
    assert f'href="{reverse("billing:invoice-list")}"' in home
    person = text(finance.get(reverse("people:person-detail", args=[family[0].pk])))
    assert f'href="{reverse("billing:account", args=[family[0].pk])}"' in person


def test_billing_settings_are_in_the_admin_and_invoices_are_not(in_a, as_role):
    """The prefixes are configured in /config/; invoices have no admin page to change them."""
    from regie.core.admin_site import site

    assert Invoice not in site._registry
    admin = as_role(Role.ADMINISTRATOR)
    assert admin.get(reverse("admin:billing_billingsettings_add")).status_code == 200
    response = admin.post(
        reverse("admin:billing_billingsettings_add"),
        {
            "invoice_prefix": "201",
            "reminder_prefix": "202",
            "plan_prefix": "203",
            "prepayment_prefix": "204",
        },
    )
    assert response.status_code == 302
    assert admin.get(reverse("admin:billing_billingsettings_add")).status_code == 403


def test_billing_settings_refuse_malformed_or_shared_prefixes(in_a):
    form = BillingSettingsForm(
        {
            "invoice_prefix": "12a",
            "reminder_prefix": "102",
            "plan_prefix": "102",
            "prepayment_prefix": "104",
        }
    )
    assert not form.is_valid()
    assert set(form.errors) == {"invoice_prefix", "plan_prefix"}


def test_the_run_form_lists_only_this_organisations_categories(org_b, evening, finance):
    with scope(org_b):
        f.category("repas", "Repas B")
    choices = [c.name for c in RunForm().fields["categories"].queryset]
    assert choices == ["Accueil"]
