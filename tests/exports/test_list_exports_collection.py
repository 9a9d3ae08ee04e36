"""Payment plans, the lists for the board, complaints and the persons with a credit export
their current filter (issue 18, 2): the screen's columns and sums, dates as dates, amounts as
numbers, one organisation only."""

from datetime import date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from tests import factories as f
from tests.dunning.builders import invoice_of, parent, world
from tests.dunning.test_orders import noticed
from tests.dunning.test_plans import example_12, pay
from tests.exports.test_list_exports import csv_rows, sheet_rows

from regie.core.models import AuditLog, Role
from regie.core.tenancy import scope
from regie.dunning import listing
from regie.dunning.order_models import EnforcementOrder
from regie.dunning.orders import order_candidates, order_list_create, order_list_endorse
from regie.dunning.services import complaint_answer, complaint_record
from regie.payments.services import payment_create

pytestmark = pytest.mark.django_db


def test_payment_plans_export_their_sums_within_the_status_filter(org_a, org_b, login):
    with scope(org_a):
        *_rest, plan = example_12()
        pay(plan, 1667, date(2026, 4, 3), 1)
        sums = listing.plan_sums(plan, timezone.localdate())
    with scope(org_b):
        example_12()
    client = login(org_a, Role.FINANCE)
    url = reverse("dunning:plan-list")
    answer = client.get(url, {"status": "active", "export": "xlsx"})
    rows = sheet_rows(b"".join(answer.streaming_content))
    assert rows[0] == ["Personne", "Date", "Fréquence", "Statut", "Total", "Payé", "Reste dû",
                       "En retard"]  # fmt: skip
    assert rows[1:] == [
        [str(plan.person), datetime(2026, 3, 25), "mensuel", "actif", 50.0, 16.67,
         33.33, sums.late_cents / 100],
    ]  # fmt: skip
    assert (
        sheet_rows(
            b"".join(client.get(url, {"status": "cancelled", "export": "xlsx"}).streaming_content)
        )[1:]
        == []
    )  # the filter is kept
    lines = csv_rows(client.get(url, {"export": "csv"}))
    assert len(lines) == 2  # organisation B's plan never appears
    assert lines[1][1] == "2026-03-25" and lines[1][4:7] == ["50.00", "16.67", "33.33"]
    page = client.get(url, {"status": "active"}).content
    assert b'href="?status=active&amp;export=csv"' in page
    with scope(org_a):
        assert AuditLog.objects.filter(action="export", detail="plans.csv").exists()


def board_lists(names: tuple[str, ...], endorse: bool):
    noticed(*names)
    order_list = order_list_create(notices=order_candidates(date(2026, 5, 8)), day=date(2026, 5, 8))
    if endorse:
        order_list_endorse(
            order_list=order_list, decision_date=date(2026, 5, 20), reference="COL/2026/112"
        )
    return order_list


def test_lists_for_the_board_export_their_decision_debtors_and_total(org_a, org_b, login):
    with scope(org_a):
        board_lists(("Citizen", "Voisin"), endorse=True)
        total = sum(
            item.open_cents
            for order in EnforcementOrder.objects.all()
            for item in order.items.all()
        )
    with scope(org_b):
        board_lists(("Autre",), endorse=False)
    client = login(org_a, Role.FINANCE)
    url = reverse("dunning:order-lists")
    answer = client.get(url, {"export": "xlsx"})
    rows = sheet_rows(b"".join(answer.streaming_content))
    assert rows == [
        ["Date", "Statut", "Date de la décision", "Référence de la décision", "Débiteurs",
         "Total"],
        [datetime(2026, 5, 8), "visée par le collège", datetime(2026, 5, 20), "COL/2026/112",
         2, total / 100],
    ]  # fmt: skip
    lines = csv_rows(client.get(url, {"export": "csv"}))
    assert lines[1][:3] == ["2026-05-08", "visée par le collège", "2026-05-20"]
    assert lines[1][-1] == f"{total / 100:.2f}" and len(lines) == 2


def complaints(*names: str) -> list:
    setup, _policy = world()
    found = []
    for day, name in enumerate(names, start=5):
        invoice = invoice_of(setup, parent(name), 2500)
        received = date(2026, 3, day)
        found.append(complaint_record(invoice=invoice, received_on=received, text="Absent"))
    return found


def test_complaints_export_the_waiting_ones_first(org_a, org_b, login):
    with scope(org_a):
        answered, waiting = complaints("Boulanger", "Renard")
        complaint_answer(complaint=answered, answered_on=date(2026, 3, 20), answer="Corrigé")
    with scope(org_b):
        complaints("Autre")
    client = login(org_a, Role.AUDITOR)
    url = reverse("dunning:complaint-list")
    answer = client.get(url, {"export": "xlsx"})
    rows = sheet_rows(b"".join(answer.streaming_content))
    assert rows == [
        ["Reçue le", "Facture", "Personne", "Réclamation", "Répondue le", "Réponse"],
        [datetime(2026, 3, 6), waiting.invoice.number, "Renard Pierre", "Absent", None, None],
        [datetime(2026, 3, 5), answered.invoice.number, "Boulanger Pierre", "Absent",
         datetime(2026, 3, 20), "Corrigé"],
    ]  # fmt: skip
    lines = csv_rows(client.get(url, {"export": "csv"}))
    assert [line[4] for line in lines[1:]] == ["", "2026-03-20"]


def test_persons_with_a_credit_export_their_iban_and_credit(org_a, org_b, login):
    with scope(org_a):
        mum = f.person("Lambert", "Sophie")
        mum.iban = "BE71096123456769"
        mum.save()
        payment_create(person=mum, day=date(2025, 12, 5), amount_cents=7120, mode="transfer")
        f.person("Renard", "Tom")  # no credit: not in the list
    with scope(org_b):
        other = f.person("Lambert", "Sophie")
        payment_create(person=other, day=date(2025, 12, 6), amount_cents=999, mode="transfer")
    client = login(org_a, Role.AUDITOR)
    url = reverse("payments:refund-list")
    answer = client.get(url, {"export": "xlsx"})
    rows = sheet_rows(b"".join(answer.streaming_content))
    assert rows == [["Nom", "Prénom", "IBAN", "Crédit"],
                    ["Lambert", "Sophie", "BE71096123456769", 71.2]]  # fmt: skip
    lines = csv_rows(client.get(url, {"export": "csv"}))
    assert lines[1:] == [["Lambert", "Sophie", "BE71096123456769", "71.20"]]
    assert b'href="?export=xlsx"' in client.get(url).content


@pytest.mark.parametrize(
    "name",
    ["dunning:plan-list", "dunning:order-lists", "dunning:complaint-list", "payments:refund-list"],
)
def test_a_role_that_cannot_see_the_list_cannot_export_it(org_a, login, name):
    client = login(org_a, Role.STAFF)
    assert client.get(reverse(name), {"export": "xlsx"}).status_code == 403
    assert client.get(reverse(name), {"export": "csv"}).status_code == 403
