"""Specification of the billing run screens: the form, the preview and its problems, the jobs
that create and post a run, the run's page; roles, menu and admin of billing.

Pages are read in English (the user's language) so that wording can be asserted; codes and
amounts are asserted where they say more.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from tests import factories as f
from tests.billing.conftest import posted, run_form, text
from tests.billing.test_runs import attend, new_run
from tests.conftest import with_token

from regie.attendance.models import Day, DayStatus
from regie.billing import fixes
from regie.billing.admin import BillingSettingsForm
from regie.billing.corrections import write_off_create
from regie.billing.forms import RunForm, previous_month
from regie.billing.models import BillingRun, Invoice, RunStatus, WriteOff
from regie.billing.runs import run_create, run_post
from regie.core.errors import DomainError
from regie.core.models import Job, Role
from regie.core.tenancy import scope

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


def test_the_preview_counts_the_days_of_its_categories_left_out_and_links_to_them(
    family, evening, finance
):
    """DOMAIN §4: Léa's day touched again (not processed, one evening care) and Tom's day in
    error (scans outside every window, no attendance) are the run's days not verified; Zoé's
    meal day, not processed but of another category, is not. The link lists exactly those."""
    from regie.attendance.services import registration_create
    from regie.attendance.verifying import days_touch

    mum, lea, tom = family
    days_touch([(lea.pk, date(2025, 10, 1))])
    attend(tom, evening, day=date(2025, 10, 8), entry="19:00", leave="19:30")
    assert Day.objects.get(date=date(2025, 10, 8)).status == DayStatus.ERROR
    meal = f.activity("Repas", "12:00", "13:00", kind=f.category("repas", "Repas"))
    meal.encoding = "registration"
    meal.save()
    zoe = f.child("Zoé", parent=mum)
    registration_create(child=zoe, activity=meal, dates=[date(2025, 10, 9)])
    days_touch([(zoe.pk, date(2025, 10, 9))])

    response = finance.post(reverse("billing:run-create"), run_form(evening, preview="1"))

    left_out = response.context["preview"].left_out
    assert (left_out.days, left_out.attendances) == (2, 1)
    assert response.context["preview"].unverified == 1
    page = text(response)
    assert "2 days of the run's categories, period and schools are not verified." in page
    assert "1 attendance of these days is left out of this run." in page
    url = "/attendance/days/?date_from=2025-10-01&date_to=2025-10-31&category=" + str(
        evening.category_id
    )
    assert left_out.url == url
    assert f'href="{url.replace("&", "&amp;")}"' in page
    listed = finance.get(url).context["groups"]
    rows = [(row["child__first_name"], row["date"]) for group in listed for row in group["rows"]]
    assert sorted(rows) == [("Léa", date(2025, 10, 1)), ("Tom", date(2025, 10, 8))]


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
    assert add.url.startswith(reverse("activities:price-create") + "?")
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
    assert "A coordinator or an administrator changes the prices." in problem.hint
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
        reverse("activities:price-edit", args=[first.pk]),
        reverse("activities:price-edit", args=[second.pk]),
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
        response = finance.post(reverse(name, args=[run.pk]), with_token(), follow=True)
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
        response = finance.post(url, with_token())

    job = Job.objects.get(kind="billing.run_post")
    assert response["Location"] == reverse("job", args=[job.pk])
    assert job.status == "done"
    assert job.result["summary"] == "1 invoice posted, numbered FACT/2025/00001 to FACT/2025/00001."
    assert BillingRun.objects.get().status == RunStatus.POSTED
    page = text(finance.get(job.result["next_url"]))
    assert "FACT/2025/00001" in page and "+++101/0000/00" in page


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
        reverse("payments:invoice-release", args=[invoice.pk]),
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
            "fee_prefix": "205",
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
            "fee_prefix": "105",
        }
    )
    assert not form.is_valid()
    assert set(form.errors) == {"invoice_prefix", "plan_prefix"}


def test_the_run_form_lists_only_this_organisations_categories(org_b, evening, finance):
    with scope(org_b):
        f.category("repas", "Repas B")
    choices = [c.name for c in RunForm().fields["categories"].queryset]
    assert choices == ["Accueil"]
