"""The attendances list: filters by period, site, place, child, activity and status; its
export streams the same rows as XLSX or CSV; one organisation's attendances only."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from tests import factories as f

from regie.attendance.models import Attendance, Day, DayStatus
from regie.core.models import Role
from regie.core.tenancy import scope
from regie.people.models import SchoolSite

pytestmark = pytest.mark.django_db
URL = "attendance:attendance-list"


def attend(child, activity, day: date, *, minutes=30, status=DayStatus.VERIFIED):
    day_row = Day.objects.create(child=child, date=day, status=status)
    return Attendance.objects.create(
        day=day_row,
        child=child,
        date=day,
        activity=activity,
        place=activity.place,
        start="16:00",
        end="16:30",
        minutes=minutes,
        status=status,
    )


def world(org, last_name="Dupont"):
    with scope(org):
        site = SchoolSite.objects.create(name=f"École {last_name}")
        care = f.activity("Accueil du soir", "16:00", "18:00")
        lucie = f.child("Lucie", last_name=last_name)
        lucie.site = site
        lucie.save()
        tom = f.child("Tom", last_name=last_name)
        attend(lucie, care, date(2026, 3, 2))
        attend(lucie, care, date(2026, 3, 3), status=DayStatus.ERROR)
        attend(tom, care, date(2026, 3, 2))
        attend(tom, care, date(2026, 4, 7))
        return site, care


def test_filters_narrow_the_list(org_a, login):
    site, care = world(org_a)
    client = login(org_a, Role.COORDINATOR)
    march = {"date_from": "2026-03-01", "date_to": "2026-03-31"}
    page = client.get(reverse(URL), march).content.decode()
    assert "(3)" in page and "Lucie" in page and "07/04/2026" not in page
    page = client.get(reverse(URL), {**march, "site": site.pk}).content.decode()
    assert "(2)" in page and "Tom" not in page
    page = client.get(reverse(URL), {**march, "status": "error"}).content.decode()
    assert "(1)" in page and "03/03/2026" in page
    page = client.get(reverse(URL), {"q": "tom", "activity": care.pk}).content.decode()
    assert "(2)" in page and "Lucie" not in page


def test_export_streams_the_filtered_rows_as_xlsx_and_csv(org_a, login):
    world(org_a)
    client = login(org_a, Role.COORDINATOR)
    question = {"date_from": "2026-03-01", "date_to": "2026-03-31", "q": "lucie"}
    answer = client.get(reverse(URL), {**question, "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(answer.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Date", "Nom", "Prénom") and len(rows) == 3
    assert rows[1][0].date() == date(2026, 3, 2) and rows[1][3] == "École Dupont"
    answer = client.get(reverse(URL), {**question, "export": "csv"})
    text = b"".join(answer.streaming_content).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert len(lines) == 3 and lines[2][0] == "2026-03-03" and lines[2][-1] == "erreur"


def test_one_organisation_only_and_bad_input_is_no_error(org_a, org_b, login):
    world(org_a)
    world(org_b, last_name="Martin")
    client = login(org_a, Role.COORDINATOR)
    page = client.get(reverse(URL), {"date_from": "", "status": ""}).content.decode()
    assert "Dupont" in page and "Martin" not in page and "(4)" in page
    answer = client.get(reverse(URL), {"date_from": "2026-13-45", "site": "x", "child": "é"})
    assert answer.status_code == 200


def test_it_opens_on_the_current_month(org_a, login):
    with scope(org_a):
        care = f.activity("Accueil du soir", "16:00", "18:00", date_to=None)
        attend(f.child("Lucie"), care, date.today())
        attend(f.child("Tom"), care, date(2020, 1, 6))
    page = login(org_a, Role.COORDINATOR).get(reverse(URL)).content.decode()
    assert "Lucie" in page and "Tom" not in page
