"""Billing runs, reminder runs, bank files and the log of sendings export their current filter
(issue 18, 2): the columns shown, dates as dates, amounts as numbers, one organisation only,
and nobody exports a list that their role cannot see."""

from datetime import date, datetime

import pytest
from django.urls import reverse
from tests import factories as f
from tests.billing.test_runs import attend, new_run
from tests.certificates.builders import days, family, invoice_post, kinds_create
from tests.conftest import make_user
from tests.exports.test_list_exports import csv_rows, sheet_rows

from regie.billing.models import RunStatus
from regie.billing.runs import run_create
from regie.core.models import AuditLog, Role
from regie.core.tenancy import scope
from regie.documents.models import Sending
from regie.payments.models import StatementFile

pytestmark = pytest.mark.django_db


def xlsx(client, url, **params) -> list[list]:
    answer = client.get(url, {**params, "export": "xlsx"})
    assert answer.status_code == 200
    return sheet_rows(b"".join(answer.streaming_content))


def billing_run(evening_name: str):
    """A drafted run of October: one invoice of 2,00 € (Léa, 1 October, 16:10–17:45)."""
    activity = f.activity(evening_name, "16:00", "18:00")
    f.price("0,50 / 30 min", [activity])
    attend(f.child("Léa", parent=f.person("Dupont", "Anne")), activity)
    return run_create(new_run(activity)), activity


def test_billing_runs_export_their_columns_within_the_filter(org_a, org_b, login):
    with scope(org_a):
        run, activity = billing_run("Accueil du soir")
    with scope(org_b):
        billing_run("Accueil du soir")
    client = login(org_a, Role.FINANCE)
    url = reverse("billing:run-list")
    rows = xlsx(client, url, status=RunStatus.DRAFT)
    assert rows == [
        ["Début de la période", "Fin de la période", "Catégories d'activités",
         "Implantation scolaire", "Date de facture", "Échéance", "Statut", "Factures", "Total"],
        [datetime(2025, 10, 1), datetime(2025, 10, 31), activity.category.name,
         "Toutes les implantations", datetime(2025, 11, 3), datetime(2025, 12, 3),
         str(RunStatus.DRAFT.label), 1, 2.0],
    ]  # fmt: skip
    assert xlsx(client, url, status=RunStatus.POSTED)[1:] == []  # the filter is kept
    lines = csv_rows(client.get(url, {"export": "csv"}))
    assert lines[1][:2] == ["2025-10-01", "2025-10-31"] and lines[1][-2:] == ["1", "2.00"]
    assert len(lines) == 2  # organisation B's run never appears
    page = client.get(url, {"status": "draft"}).content
    assert b'href="?status=draft&amp;export=xlsx"' in page
    with scope(org_a):
        assert AuditLog.objects.filter(action="export", detail="facturiers.csv").exists()


def test_a_runs_page_exports_its_invoices_through_the_invoices_list(org_a, login):
    with scope(org_a):
        run, _activity = billing_run("Accueil du soir")
        other = new_run(f.activity("Accueil du matin", "07:00", "08:00"))  # billed nothing
    client = login(org_a, Role.FINANCE)
    page = client.get(reverse("billing:run", args=[run.pk])).content.decode()
    link = f'href="{reverse("billing:invoice-list")}?run={run.pk}&amp;export=xlsx"'
    assert link in page
    rows = xlsx(client, reverse("billing:invoice-list"), run=run.pk)
    assert len(rows) == 2 and rows[1][2:4] == ["Dupont", "Anne"] and rows[1][6] == 2.0
    assert xlsx(client, reverse("billing:invoice-list"), run=other.pk)[1:] == []


def test_reminder_runs_export_level_count_and_total(org_a, org_b, login):
    from tests.dunning.test_screens import reminded

    _invoice, second = reminded(org_a)
    reminded(org_b)
    client = login(org_a, Role.FINANCE)
    url = reverse("dunning:run-list")
    rows = xlsx(client, url)
    assert rows[0] == ["Date du lot", "Politique", "Niveau", "Échéance", "Statut",
                       "Rappels", "Total"]  # fmt: skip
    assert len(rows) == 3  # two runs of organisation A, none of B
    level = second.level
    assert rows[1][0] == datetime.combine(second.run.run_date, datetime.min.time())
    assert rows[1][1:3] == [level.policy.name, f"{level.number}. {level.name}"]
    assert rows[1][5:] == [1, (second.principal_cents + second.fee_cents) / 100]
    lines = csv_rows(client.get(url, {"export": "csv"}))
    assert lines[1][-1] == f"{(second.principal_cents + second.fee_cents) / 100:.2f}"


def test_a_reminder_runs_page_exports_its_reminders(org_a, org_b, login):
    from tests.dunning.test_screens import reminded

    _invoice, second = reminded(org_a)
    reminded(org_b)
    client = login(org_a, Role.FINANCE)
    url = reverse("dunning:run", args=[second.run.pk])
    assert 'href="?export=xlsx"' in client.get(url).content.decode()
    rows = xlsx(client, url)
    assert rows[0][:3] == ["Numéro", "Personne", "Niveau"]
    assert len(rows) == 2  # its one reminder: not the first run's, not organisation B's
    assert rows[1][0] == second.number and rows[1][2] == second.level.number
    assert rows[1][7] == (second.principal_cents + second.fee_cents) / 100
    assert len(csv_rows(client.get(url, {"export": "csv"}))) == 2
    name = f"rappels-{second.run.run_date.isoformat()}-niveau-{second.level.number}.csv"
    with scope(org_a):
        assert AuditLog.objects.filter(action="export", detail=name).exists()
    staff = login(org_a, Role.STAFF)
    assert staff.get(url, {"export": "csv"}).status_code == 403


def test_bank_files_export_the_importer_and_counts(org_a, org_b, login):
    with scope(org_a):
        clerk = make_user("clerk", org_a, Role.FINANCE)
        clerk.first_name, clerk.last_name = "Paul", "Caissier"
        clerk.save()
        StatementFile.objects.create(
            name="octobre.cod", sha256="a" * 64, format="coda", imported_by=clerk,
            movements_new=12, movements_known=3,
        )  # fmt: skip
    with scope(org_b):
        StatementFile.objects.create(name="autre.xml", sha256="b" * 64, format="camt")
    client = login(org_a, Role.AUDITOR)
    url = reverse("payments:file-list")
    rows = xlsx(client, url)
    assert rows[0] == ["Fichier", "Format", "Importé le", "Par", "Nouveaux mouvements",
                       "Déjà importés"]  # fmt: skip
    assert len(rows) == 2
    assert rows[1][:2] == ["octobre.cod", "coda"] and isinstance(rows[1][2], datetime)
    assert rows[1][3:] == ["Paul Caissier", 12, 3]
    lines = csv_rows(client.get(url, {"export": "csv"}))
    assert lines[1][0] == "octobre.cod" and lines[1][3:] == ["Paul Caissier", "12", "3"]


def test_sendings_export_numbers_and_keep_the_status_filter(org_a, org_b, login):
    with scope(org_a):
        kinds = kinds_create()
        parent, child = family()
        invoice = invoice_post(
            parent, child, [(d, kinds.care, 700) for d in days(date(2026, 1, 5), 1)]
        )
        for status, answer in (("sent", "250 OK"), ("failed", "")):
            Sending.objects.create(kind="invoice", document_id=invoice.pk, person=parent,
                                   channel="email", status=status, recipient="marie@example.be",
                                   answer=answer)  # fmt: skip
    with scope(org_b):
        other, _child = family()
        Sending.objects.create(
            kind="invoice", document_id=invoice.pk, person=other, channel="email",
            status="sent", recipient="autre@example.be",
        )  # fmt: skip
    client = login(org_a, Role.FINANCE)
    url = reverse("documents:sending-list")
    rows = xlsx(client, url, status="sent")
    assert rows[0][:3] == ["Document", "Type de document", "Personne"]
    assert len(rows) == 2  # the failed sending is outside the filter, B's is never shown
    assert rows[1][0] == invoice.number and rows[1][2] == "Dupont Marie"
    assert isinstance(rows[1][3], datetime) and rows[1][5] == "marie@example.be"
    lines = csv_rows(client.get(url, {"export": "csv"}))
    assert sorted(line[7] for line in lines[1:]) == ["envoyé", "échec"]
    page = client.get(url, {"status": "sent"}).content
    assert b'href="?status=sent&amp;export=csv"' in page


@pytest.mark.parametrize(
    "name", ["billing:run-list", "dunning:run-list", "payments:file-list", "documents:sending-list"]
)
def test_a_role_that_cannot_see_the_list_cannot_export_it(org_a, login, name):
    client = login(org_a, Role.STAFF)
    assert client.get(reverse(name), {"export": "xlsx"}).status_code == 403
    assert client.get(reverse(name), {"export": "csv"}).status_code == 403
