"""The remaining lists export their current filter too (issue 18, 2): days, attendances,
payments, bank movements and reminders. Each keeps the filter, the columns shown, dates as dates,
amounts as numbers, and never another organisation's rows."""

from datetime import date, datetime

import pytest
from django.urls import reverse
from tests import factories as f
from tests.exports.test_list_exports import csv_rows, sheet_rows

from regie.attendance.models import Day, DayStatus
from regie.core.models import Role
from regie.core.tenancy import scope
from regie.payments.models import BankMovement, BankStatement, StatementFile
from regie.payments.services import payment_create

pytestmark = pytest.mark.django_db


def test_days_export_keeps_the_filter_and_never_shows_another_organisation(org_a, org_b, login):
    with scope(org_a):
        lea = f.child("Léa", "Lambert")
        tom = f.child("Tom", "Renard")
        Day.objects.create(child=lea, date=date(2025, 10, 1), status=DayStatus.VERIFIED)
        Day.objects.create(child=tom, date=date(2025, 10, 2), status=DayStatus.VERIFIED)
    with scope(org_b):
        other = f.child("Léa", "Lambert")
        Day.objects.create(child=other, date=date(2025, 10, 3), status=DayStatus.VERIFIED)
    client = login(org_a, Role.COORDINATOR)
    url = reverse("attendance:day-list")
    answer = client.get(url, {"status": "all", "q": "lamb", "export": "xlsx"})
    rows = sheet_rows(b"".join(answer.streaming_content))
    assert rows[0][:4] == ["Statut", "Date", "Nom", "Prénom"]
    assert rows[1:] == [["vérifiée", datetime(2025, 10, 1), "Lambert", "Léa", "3e primaire", None]]
    lines = csv_rows(client.get(url, {"status": "all", "export": "csv"}))
    assert [line[1:4] for line in lines[1:]] == [
        ["2025-10-02", "Renard", "Tom"],
        ["2025-10-01", "Lambert", "Léa"],
    ]
    page = client.get(url, {"status": "all", "q": "lamb"}).content
    assert b'href="?status=all&amp;q=lamb&amp;export=xlsx"' in page


def test_payments_export_amounts_in_euros_within_the_filter(org_a, org_b, login):
    with scope(org_a):
        mum = f.person("Lambert", "Sophie")
        payment_create(person=mum, day=date(2025, 12, 5), amount_cents=7120, mode="transfer")
        payment_create(person=mum, day=date(2025, 12, 20), amount_cents=500, mode="transfer")
    with scope(org_b):
        other = f.person("Lambert", "Sophie")
        payment_create(person=other, day=date(2025, 12, 6), amount_cents=999, mode="transfer")
    client = login(org_a, Role.FINANCE)
    url = reverse("payments:payment-list")
    answer = client.get(url, {"date_to": "2025-12-10", "export": "xlsx"})
    rows = sheet_rows(b"".join(answer.streaming_content))
    assert rows[0][0] == "Date" and rows[0][5] == "Montant"
    assert rows[1:] == [[datetime(2025, 12, 5), "Lambert", "Sophie", "virement", None, 71.2, None]]
    lines = csv_rows(client.get(url, {"export": "csv"}))
    assert sorted(line[5] for line in lines[1:]) == ["5.00", "71.20"]


def bank_movements(tag: str, *amounts: tuple[str, int, str]) -> None:
    """Import-free bank movements (status, cents, entry date) on one statement of account BE…"""
    statement = BankStatement.objects.create(
        file=StatementFile.objects.create(name=f"{tag}.cod", sha256=tag * 64, format="coda"),
        account=f"BE00{tag}",
        old_balance_cents=0,
        new_balance_cents=0,
    )
    for number, (status, cents, day) in enumerate(amounts, start=1):
        BankMovement.objects.create(
            statement=statement, key=f"{tag}{number}", sequence=number, amount_cents=cents,
            entry_date=day, status=status, reference="123456789012", counterparty_name="Lambert",
        )  # fmt: skip


def test_bank_movements_export_keeps_the_status_filter(org_a, org_b, login):
    with scope(org_a):
        bank_movements("a", ("rejected", 7120, "2025-12-05"), ("accepted", 500, "2025-12-06"))
    with scope(org_b):
        bank_movements("b", ("rejected", 999, "2025-12-05"))
    client = login(org_a, Role.FINANCE)
    url = reverse("payments:movement-list")
    answer = client.get(url, {"status": "rejected", "export": "xlsx"})
    rows = sheet_rows(b"".join(answer.streaming_content))
    assert rows[0][1:3] == ["Date", "Compte"] and rows[0][-1] == "Montant"
    assert rows[1:] == [
        ["Rejeté", datetime(2025, 12, 5), "BE00a", "+++123/4567/89012+++", None, "Lambert", 71.2]
    ]
    lines = csv_rows(client.get(url, {"export": "csv"}))
    assert sorted(line[-1] for line in lines[1:]) == ["5.00", "71.20"]
    page = client.get(url, {"status": "rejected"}).content
    assert b'href="?status=rejected&amp;export=csv"' in page


def test_reminders_export_keeps_the_filter_with_the_screen_status(org_a, org_b, login):
    from tests.dunning.test_screens import reminded

    _invoice, second = reminded(org_a)
    reminded(org_b)
    client = login(org_a, Role.FINANCE)
    url = reverse("dunning:reminder-list")
    shown = client.get(url, {"level": "2"}).context["page_obj"].object_list
    answer = client.get(url, {"level": "2", "export": "xlsx"})
    rows = sheet_rows(b"".join(answer.streaming_content))
    assert rows[0][0] == "Numéro" and rows[0][-1] == "Statut"
    total = (second.principal_cents + second.fee_cents) / 100
    assert [(r[0], r[2], r[3], r[7], r[8]) for r in rows[1:]] == [
        (second.number, 2, datetime.combine(second.issued_on, datetime.min.time()), total,
         str(shown[0].status_label))
    ]  # fmt: skip
    lines = csv_rows(client.get(url, {"export": "csv"}))
    assert len(lines) == 3  # organisation B's two reminders never appear
    assert {line[-1] for line in lines[1:]} == {"en retard"}
