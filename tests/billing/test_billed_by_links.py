"""An attendance is billed when a posted invoice's line bills it; its day when all of its are.

Posting writes no attendance (a month of a large commune would be 330,000 rows rewritten):
the links say what is billed, the attendance keeps its verification's status, and crediting
releases the links. The keys the database no longer checks on attendances and lines are
still protected by the ORM.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Exists, ProtectedError
from django.urls import reverse
from tests import factories as f
from tests.billing.conftest import posted
from tests.billing.test_runs import attend, new_run

from regie.attendance.models import Attendance, Day, DayStatus
from regie.billing.corrections import invoice_credit
from regie.billing.models import BilledAttendance, Invoice, InvoiceLine, posted_links
from regie.billing.runs import run_create, run_delete, run_post
from regie.core.models import Role

OCT = date(2025, 10, 1)


def billed_ids() -> set[int]:
    return set(Attendance.objects.filter(Exists(posted_links())).values_list("pk", flat=True))


def test_posting_bills_the_attendances_by_their_links_and_keeps_their_status(family, evening):
    run = run_create(new_run(evening))
    assert billed_ids() == set()  # a draft bills nothing yet
    assert set(Day.objects.values_list("status", flat=True)) == {DayStatus.VERIFIED}

    run_post(run)

    assert billed_ids() == set(Attendance.objects.values_list("pk", flat=True))
    assert set(Attendance.objects.values_list("status", flat=True)) == {DayStatus.VERIFIED}
    assert set(Day.objects.values_list("status", flat=True)) == {DayStatus.BILLED}


def test_a_day_is_billed_once_every_one_of_its_attendances_is_on_a_posted_invoice(evening):
    """Léa's evening is billed by a first run, her morning by a second one: her day is billed
    only when the second run is posted, not while its invoice is a draft."""
    morning = f.activity(
        "Accueil du matin", "07:00", "08:30", at=evening.place, kind=f.category("matin", "Matin")
    )
    f.price("0,60 / 30 min", [morning])
    lea = f.child("Léa", parent=f.person("Dupont", "Anne"))
    attend(lea, evening)
    attend(lea, morning, entry="07:30", leave="08:20")
    run_post(run_create(new_run(evening)))
    day = Day.objects.get()
    assert day.status == DayStatus.VERIFIED

    second = new_run(evening)
    second.categories.set([morning.category])
    second = run_create(second)
    day.refresh_from_db()
    assert day.status == DayStatus.VERIFIED  # the morning is on a draft

    run_post(second)
    day.refresh_from_db()
    assert day.status == DayStatus.BILLED
    assert len(billed_ids()) == 2


def test_crediting_releases_the_links_and_the_day(family, evening):
    invoice = posted(evening)
    invoice_credit(invoice=invoice)

    assert billed_ids() == set()
    assert set(Day.objects.values_list("status", flat=True)) == {DayStatus.VERIFIED}
    again = run_post(run_create(new_run(evening)))
    assert again.invoices.get().total_cents == invoice.total_cents
    assert len(billed_ids()) == Attendance.objects.count() == 2


def test_the_day_page_shows_which_attendances_are_billed(evening, org_a, login):
    lea = f.child("Léa", parent=f.person("Dupont", "Anne"))
    attend(lea, evening)
    clerk = login(org_a, Role.COORDINATOR)
    day = Day.objects.get()
    url = reverse("attendance:day", args=[day.pk])
    assert 'class="badge status-ok"' in clerk.get(url).content.decode()

    run_post(run_create(new_run(evening)))

    page = clerk.get(url).content.decode()
    assert page.count('class="badge status-billed"') == 2  # the day and its attendance


@pytest.mark.parametrize("parent", ["child", "activity", "place", "person"])
def test_the_keys_the_database_does_not_check_are_protected_from_deletion(family, evening, parent):
    """Attendances and lines name their child, activity, place and person without a database
    key check (one lookup less per row of a month): deleting any of them is still refused."""
    run_post(run_create(new_run(evening)))
    attendance = Attendance.objects.select_related("child", "activity", "place").first()
    if parent == "person":
        Attendance.objects.filter(pk=attendance.pk).update(person=family[0])
        attendance.refresh_from_db()
    target = getattr(attendance, parent)
    with pytest.raises(ProtectedError) as refused:
        target.delete()
    assert attendance in refused.value.protected_objects
    if parent in ("child", "activity"):  # a line copies them
        line = InvoiceLine.objects.filter(**{parent: target}).first()
        assert line in refused.value.protected_objects
    assert type(target).objects.filter(pk=target.pk).exists()


def test_links_go_with_their_lines_and_bill_an_attendance_once(family, evening):
    """The database checks no key of a link: deleting a draft run deletes its links, an
    invoice deleted through the ORM takes its lines' links with it, and the database still
    refuses a second unreleased link of one attendance."""
    run = run_create(new_run(evening))
    assert BilledAttendance.objects.count() == 2
    run_delete(run)
    assert BilledAttendance.objects.count() == InvoiceLine.objects.count() == 0

    run_create(new_run(evening))
    Invoice.objects.get().delete()  # a draft: the ORM cascades to lines and links
    assert BilledAttendance.objects.count() == 0

    run_create(new_run(evening))
    link = BilledAttendance.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        BilledAttendance.objects.create(attendance_id=link.attendance_id, line_id=link.line_id)
