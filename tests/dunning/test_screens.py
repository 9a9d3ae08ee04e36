"""Collection screens: a finance officer saves a policy, previews and creates a run, reads and
cancels a reminder, records and answers a complaint (DOMAIN §7, worked example 11)."""

import uuid
from datetime import date

import pytest
from django.urls import reverse
from tests.conftest import with_token
from tests.dunning.builders import EXAMPLE_11, invoice_of, parent, world
from tests.payments.payment_builders import setup_create

from regie.core.models import Role
from regie.core.tenancy import scope
from regie.dunning.models import Complaint, Reminder, ReminderPolicy

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance(org_a, login):
    return login(org_a, Role.FINANCE)


def policy_post(setup, levels, name="Accueil"):
    data = {
        "name": name,
        "categories": [c.pk for c in setup.categories],
        "is_active": "on",
        "min_invoice": "1,00",
        "min_person": "5,00",
        "form-TOTAL_FORMS": str(len(levels) + 1),
        "form-INITIAL_FORMS": "0",
    }
    for n, level in enumerate(levels):
        data.update(
            {
                f"form-{n}-name": level["name"],
                f"form-{n}-delay_days": level["delay_days"],
                f"form-{n}-days_to_pay": level["days_to_pay"],
                f"form-{n}-fee": f"{level['fee_cents'] // 100},{level['fee_cents'] % 100:02d}",
                f"form-{n}-formal_notice": "on" if level.get("formal_notice") else "",
            }
        )
    return data


def test_a_policy_is_saved_from_the_form_with_its_levels_and_minimums(org_a, finance):
    with scope(org_a):
        setup = setup_create()
    response = finance.post(reverse("dunning:policy-create"), policy_post(setup, EXAMPLE_11))
    assert response.status_code == 302
    with scope(org_a):
        policy = ReminderPolicy.objects.get()
        assert [(lv.name, lv.fee_cents) for lv in policy.levels.all()] == [
            ("Rappel", 0),
            ("Second rappel", 500),
            ("Mise en demeure", 1000),
        ]
        assert (policy.min_invoice_cents, policy.min_person_cents) == (100, 500)
    page = finance.get(reverse("dunning:policy-list")).content.decode()
    assert "Second rappel" in page and "5,00 €" in page


def test_a_policy_breaking_book_xix_is_refused_naming_every_rule(org_a, finance):
    """Worked example 11: a level 1 fee of 2.00 is refused; nothing is saved."""
    with scope(org_a):
        setup = setup_create()
    levels = [{**EXAMPLE_11[0], "fee_cents": 200, "days_to_pay": 10}, *EXAMPLE_11[1:]]
    response = finance.post(reverse("dunning:policy-create"), policy_post(setup, levels))
    assert response.status_code == 200
    refusals = response.context["refusals"]
    assert len(refusals) == 2 and any("XIX.2" in r for r in refusals)
    with scope(org_a):
        assert not ReminderPolicy.objects.exists()


def test_editing_a_policy_keeps_the_levels_left_unchanged(org_a, finance):
    with scope(org_a):
        setup, policy = world()
    form = finance.get(reverse("dunning:policy-edit", args=[policy.pk])).context["levels"]
    assert form.total_form_count() == 4  # three levels and a blank one
    data = policy_post(setup, EXAMPLE_11, name="Accueil et repas")
    data["form-INITIAL_FORMS"] = "3"
    assert finance.post(reverse("dunning:policy-edit", args=[policy.pk]), data).status_code == 302
    with scope(org_a):
        policy.refresh_from_db()
        assert policy.name == "Accueil et repas" and policy.levels.count() == 3


def test_a_run_is_previewed_then_created_in_the_background(
    org_a, finance, django_capture_on_commit_callbacks
):
    """The preview lists who gets what and the problems; creating runs the job."""
    with scope(org_a):
        setup, policy = world()
        boulanger = parent()
        invoice_of(setup, boulanger, 2500)
        lost = parent("Sansadresse", delivery="post")
        lost.street = ""
        lost.save()
        invoice_of(setup, lost, 1800)
        level = policy.levels.get(number=1)
    form = {"level": level.pk, "run_date": "2026-03-11", "due_date": ""}
    preview = finance.post(reverse("dunning:run-create"), {**form, "preview": "1"})
    page = preview.content.decode()
    assert "Boulanger" in page and "25,00 €" in page
    assert [p["person_id"] for p in preview.context["problems"]] == [lost.pk]
    assert "Sansadresse" in page and "adresse postale" in page
    with scope(org_a):
        assert not Reminder.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        created = finance.post(
            reverse("dunning:run-create"), {**form, "create": "1", "once": uuid.uuid4().hex}
        )
    assert created.status_code == 302
    with scope(org_a):
        reminder = Reminder.objects.get()
        assert (reminder.person, reminder.total_cents) == (boulanger, 2500)
        assert reminder.due_date == date(2026, 3, 26)
    run_page = finance.get(reverse("dunning:run", args=[reminder.run_id])).content.decode()
    assert reminder.number in run_page and "Sansadresse" in run_page


def reminded(org_a):
    with scope(org_a):
        setup, policy = world()
        person = parent()
        invoice = invoice_of(setup, person, 2500)
        from tests.dunning.test_reminders import run

        run(policy, 1, date(2026, 3, 11))
        run(policy, 2, date(2026, 4, 1))
        return invoice, Reminder.objects.get(level__number=2)


def test_the_reminders_list_filters_by_status_and_level(org_a, finance):
    invoice, second = reminded(org_a)
    url = reverse("dunning:reminder-list")
    page = finance.get(url, {"level": "2"})
    assert [r.number for r in page.context["page_obj"].object_list] == [second.number]
    overdue = finance.get(url, {"status": "overdue"}).context["page_obj"].object_list
    assert {r.status for r in overdue} == {"overdue"} and len(overdue) == 2
    assert not finance.get(url, {"status": "paid"}).context["page_obj"].object_list


def test_cancelling_a_reminder_says_its_fee_is_reversed(org_a, finance):
    invoice, second = reminded(org_a)
    url = reverse("dunning:reminder-cancel", args=[second.pk])
    confirm = finance.get(url).context["explanation"]
    assert "5,00 €" in confirm and "extourné" in confirm
    assert finance.post(url, with_token()).status_code == 302
    with scope(org_a):
        second.refresh_from_db()
        assert second.cancelled_at is not None
    page = finance.get(reverse("dunning:reminder", args=[second.pk])).content.decode()
    assert 'data-status="cancelled"' in page


def test_a_complaint_suspends_the_invoice_until_answered(org_a, finance):
    invoice, second = reminded(org_a)
    url = reverse("dunning:invoice-complaint", args=[invoice.pk])
    finance.post(url, {"received_on": "2026-04-05", "text": "Jamais venu ce jour-là"})
    page = finance.get(reverse("dunning:reminder", args=[second.pk]))
    assert [i.suspended for i in page.context["invoices"]] == [True]
    assert "suspendue" in page.content.decode()
    with scope(org_a):
        complaint = Complaint.objects.get()
    answer = reverse("dunning:complaint-answer", args=[complaint.pk])
    assert finance.post(answer, {"answered_on": "2026-04-01"}).status_code == 200  # before
    assert (
        finance.post(answer, {"answered_on": "2026-04-09", "answer": "Vérifié"}).status_code == 302
    )
    with scope(org_a):
        complaint.refresh_from_db()
        assert complaint.answered_on == date(2026, 4, 9)


def test_an_auditor_reads_but_cannot_create(org_a, login):
    auditor = login(org_a, Role.AUDITOR)
    assert auditor.get(reverse("dunning:policy-list")).status_code == 200
    assert auditor.get(reverse("dunning:run-create")).status_code == 403
    assert auditor.get(reverse("dunning:policy-create")).status_code == 403
