"""Specification of the ledger screens: trial balance, receivables by category and month, their
XLSX exports, and the chart of accounts and entries in the configuration admin.

Wording is translated later, so these tests read figures, data attributes, codes and cells.
"""

from __future__ import annotations

import doctest
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook
from tests import factories as f

from regie.core.models import AuditLog, Role
from regie.core.tenancy import scope
from regie.exports import xlsx
from regie.ledger.chart import chart_complete
from regie.ledger.models import Account, Entry, EntryLine
from regie.ledger.rules import (
    allocation_entry,
    credit_note_entry,
    invoice_entry,
    payment_entry,
    write_off_entry,
)
from regie.ledger.selectors import receivables, trial_balance
from regie.ledger.services import account_name, entries_post

YEAR = (date(2026, 1, 1), date(2026, 12, 31))
PERIOD = {"date_from": "2026-01-01", "date_to": "2026-12-31"}


@pytest.fixture
def ledger(in_a):
    """Accueil and Repas invoiced over 2025 and 2026, with a credit note and a write-off.

    2025-12-15  FACT/2025/00009  Accueil 10.00          (before the 2026 period)
    2026-01-20  FACT/2026/00001  Accueil 12.50, Repas 30.00
    2026-02-03  NC/2026/00001    credits the Repas 30.00
    2026-02-10  FACT/2026/00001/NV1  writes off 2.50 of Accueil
    2026-02-11  FACT/2026/00001/NV1/R  reverses 1.00 of it (a smaller, hand-made reversal)
    """
    accueil = f.category("accueil", "Accueil")
    repas = f.category("repas", "Repas")
    parent = f.person()
    entries_post(
        [
            invoice_entry(
                document="FACT/2025/00009",
                day=date(2025, 12, 15),
                person_id=parent.pk,
                amounts_by_category={accueil.pk: 1000},
            ),
            invoice_entry(
                document="FACT/2026/00001",
                day=date(2026, 1, 20),
                person_id=parent.pk,
                amounts_by_category={accueil.pk: 1250, repas.pk: 3000},
            ),
            credit_note_entry(
                document="NC/2026/00001",
                day=date(2026, 2, 3),
                person_id=parent.pk,
                amounts_by_category={repas.pk: 3000},
            ),
            write_off_entry(
                document="FACT/2026/00001/NV1",
                day=date(2026, 2, 10),
                person_id=parent.pk,
                amounts_by_category={accueil.pk: 250},
            ),
            write_off_entry(
                document="FACT/2026/00001/NV1/R",
                day=date(2026, 2, 11),
                person_id=parent.pk,
                amounts_by_category={accueil.pk: 100},
                reverse=True,
            ),
        ]
    )
    return {"accueil": accueil, "repas": repas, "parent": parent}


def code_of(role: str, category=None) -> str:
    return Account.objects.get(role=role, category=category).code


def test_trial_balance_gives_opening_movements_and_closing_per_account(ledger):
    """2025's invoice is the opening balance of 2026; 2026's postings are debits and credits."""
    report = trial_balance(*YEAR)
    rows = {row.code: row for row in report.rows}
    receivable = rows[code_of("receivable", ledger["accueil"])]
    assert (receivable.opening, receivable.debit, receivable.credit) == (1000, 1250 + 100, 250)
    assert receivable.closing == 1000 + 1250 + 100 - 250
    revenue = rows[code_of("revenue", ledger["repas"])]
    assert (revenue.opening, revenue.debit, revenue.credit, revenue.closing) == (0, 3000, 3000, 0)
    write_off = rows[code_of("write_off")]
    assert (write_off.debit, write_off.credit, write_off.closing) == (250, 100, 150)
    assert report.total.debit == report.total.credit == 1250 + 3000 + 3000 + 250 + 100
    assert report.total.opening == report.total.closing == 0
    assert report.balances


def test_trial_balance_is_one_aggregate_query_however_many_lines(ledger, django_assert_num_queries):
    """The database sums the lines: one query for the sums, one for the accounts."""
    with django_assert_num_queries(2):
        trial_balance(*YEAR)


def test_receivables_by_category_and_month(ledger):
    """Invoiced, credited, written off (net of its reversal) and balance per category × month."""
    report = receivables(*YEAR)
    by_name = {c.category: c for c in report.categories}
    assert list(by_name) == ["Accueil", "Repas"]
    accueil = [
        (r.month, r.invoiced, r.credited, r.written_off, r.received, r.balance)
        for r in by_name["Accueil"].months
    ]
    assert accueil == [
        (date(2026, 1, 1), 1250, 0, 0, 0, 1250),
        (date(2026, 2, 1), 0, 0, 150, 0, -150),
    ]
    repas = [(r.month, r.invoiced, r.credited, r.balance) for r in by_name["Repas"].months]
    assert repas == [(date(2026, 1, 1), 3000, 0, 3000), (date(2026, 2, 1), 0, 3000, -3000)]
    total = report.total
    assert (total.invoiced, total.credited, total.written_off, total.balance) == (
        4250,
        3000,
        150,
        1100,
    )
    receivable_accounts = Account.objects.filter(role="receivable")
    in_year = EntryLine.objects.filter(account__in=receivable_accounts, date__gte=YEAR[0])
    assert total.balance == sum(x.debit - x.credit for x in in_year)


def test_payments_allocated_to_invoices_are_received_not_written_off(ledger):
    """A payment allocated to an invoice credits the receivable outside the sales journal, like
    a write-off; it counts as received, and its cancellation as received back."""
    march, april = date(2026, 3, 5), date(2026, 4, 2)
    accueil, parent = ledger["accueil"].pk, ledger["parent"].pk
    entries_post(
        [
            payment_entry(document="PAY1", day=march, person_id=parent, amount=800, via="bank"),
            allocation_entry(
                document="PAY1/A", day=march, person_id=parent, amounts_by_category={accueil: 800}
            ),
            allocation_entry(
                document="PAY1/A/R",
                day=april,
                person_id=parent,
                amounts_by_category={accueil: 300},
                reverse=True,
            ),
        ]
    )
    report = receivables(*YEAR)
    months = {r.month: r for r in report.categories[0].months}
    in_march, in_april = months[date(2026, 3, 1)], months[date(2026, 4, 1)]
    assert (in_march.received, in_march.written_off) == (800, 0)
    assert in_april.received == -300
    assert (report.total.written_off, report.total.received) == (150, 500)
    assert report.total.balance == 1100 - 500


@pytest.fixture
def finance(org_a, login):
    return login(org_a, Role.FINANCE)


def test_trial_balance_screen_shows_the_figures_and_that_they_balance(ledger, finance):
    page = finance.get(reverse("ledger:trial-balance"), PERIOD)
    assert page.status_code == 200
    html = page.content.decode()
    code = code_of("receivable", ledger["accueil"])
    row = html.split(f'data-account="{code}"')[1].split("</tr>")[0]
    assert [cell.split("</td>")[0] for cell in row.split('class="amount">')[1:]] == [
        "10,00",
        "13,50",
        "2,50",
        "21,00",
    ]
    assert 'id="balance-check"' in html and "status-ok" in html


def test_the_default_period_is_the_current_year(ledger, finance):
    page = finance.get(reverse("ledger:trial-balance"))
    year = timezone.localdate().year
    assert page.context["report"].date_from == date(year, 1, 1)
    assert page.context["report"].date_to == date(year, 12, 31)


def test_a_period_ending_before_it_starts_is_refused(ledger, finance):
    """The form shows the error; the export of that period goes back to the screen instead."""
    bad = {"date_from": "2026-12-31", "date_to": "2026-01-01"}
    page = finance.get(reverse("ledger:trial-balance"), bad)
    assert page.status_code == 200 and page.context["form"].errors
    export = finance.get(reverse("ledger:trial-balance-export"), bad)
    assert export.status_code == 302
    assert export["Location"].startswith(reverse("ledger:trial-balance"))
    assert not AuditLog.objects.exists()


def sheet_of(response):
    assert response["Content-Type"] == xlsx.CONTENT_TYPE
    assert response["Content-Disposition"].startswith("attachment;")
    return load_workbook(io.BytesIO(response.content)).active


def euros(cell) -> Decimal:
    """Read an amount cell: a number formatted with two decimals."""
    assert cell.data_type == "n" and cell.number_format == "#,##0.00", cell.coordinate
    return Decimal(str(cell.value)).quantize(Decimal("0.01"))


def test_trial_balance_export_has_the_screen_figures_and_is_audited(ledger, finance):
    response = finance.get(reverse("ledger:trial-balance-export"), PERIOD)
    sheet = sheet_of(response)
    report = trial_balance(*YEAR)
    rows = list(sheet.iter_rows(min_row=4))
    assert len(rows) == len(report.rows) + 1  # accounts, then totals
    for cells, row in zip(rows, report.rows, strict=False):
        assert cells[0].value == row.code
        amounts = [euros(cell) for cell in cells[2:]]
        assert amounts == [
            Decimal(v) / 100 for v in (row.opening, row.debit, row.credit, row.closing)
        ]
    totals = [euros(cell) for cell in rows[-1][2:]]
    assert totals == [Decimal("0.00"), Decimal("76.00"), Decimal("76.00"), Decimal("0.00")]
    log = AuditLog.objects.get()
    assert (log.action, log.detail) == ("export", "trial-balance 2026-01-01..2026-12-31")


@pytest.mark.parametrize(
    ("language", "receivable", "credits"),
    [
        ("fr", "Créances — Accueil", "Non-valeurs"),
        ("nl", "Vorderingen — Accueil", "Oninbare bedragen (non-valeurs)"),
        ("de", "Forderungen — Accueil", "Abschreibungen (non-valeurs)"),
    ],
)
def test_default_account_names_are_in_the_readers_language(
    ledger, finance, language, receivable, credits
):
    """The default chart's names are stored once, in English, and read in each language, on
    the screen and in the XLSX; a name the organisation wrote stays as written."""
    Account.objects.filter(role="revenue", category__code="repas").update(name="Cantines")
    finance.cookies["django_language"] = language
    html = finance.get(reverse("ledger:trial-balance"), PERIOD).content.decode()
    assert receivable in html and credits in html and "<td>Cantines</td>" in html
    assert "Receivables" not in html and "Write-offs" not in html
    sheet = sheet_of(finance.get(reverse("ledger:trial-balance-export"), PERIOD))
    names = {row[1].value for row in sheet.iter_rows(min_row=4)}
    assert receivable in names and credits in names


def test_receivables_export_has_months_subtotals_and_total(ledger, finance):
    response = finance.get(reverse("ledger:receivables-export"), PERIOD)
    sheet = sheet_of(response)
    values = [
        [cell.value if col < 2 else euros(cell) for col, cell in enumerate(row)]
        for row in sheet.iter_rows(min_row=4)
    ]
    january = values[0]
    assert january[0] == "Accueil" and january[1].date() == date(2026, 1, 1)
    assert sheet["B4"].number_format == "MM/YYYY"
    assert january[2:] == [Decimal("12.50"), 0, 0, 0, Decimal("12.50")]
    assert [row[1] for row in values] == [values[0][1], values[1][1], None] * 2 + [None]
    assert values[-1][2:] == [Decimal("42.50"), 30, Decimal("1.50"), 0, Decimal("11.00")]
    assert AuditLog.objects.get().detail == "receivables 2026-01-01..2026-12-31"


def test_receivables_screen_lists_categories_months_and_totals(ledger, finance):
    page = finance.get(reverse("ledger:receivables"), PERIOD)
    html = page.content.decode()
    assert html.count('data-month="2026-01"') == 2 and html.count('data-month="2026-02"') == 2
    assert 'id="totals"' in html and "11,00" in html


@pytest.mark.parametrize(
    "role, status",
    [(Role.FINANCE, 200), (Role.AUDITOR, 200), (Role.COORDINATOR, 200), (Role.STAFF, 403)],
)
def test_reports_need_the_finance_view_capability(org_a, login, role, status):
    client = login(org_a, role)
    for name in ("trial-balance", "receivables", "trial-balance-export", "receivables-export"):
        assert client.get(reverse(f"ledger:{name}")).status_code == status, name
    nav = client.get(reverse("home")).content.decode()
    assert (reverse("ledger:trial-balance") in nav) == (status == 200)


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get(reverse("ledger:trial-balance-export"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_each_organisation_sees_its_own_ledger_only(ledger, org_b, login):
    """B's report is empty although A's ledger has entries."""
    client = login(org_b, Role.FINANCE)
    page = client.get(reverse("ledger:trial-balance"), PERIOD)
    assert page.context["report"].rows == []
    assert client.get(reverse("ledger:receivables"), PERIOD).context["report"].categories == []


# -- Configuration admin ------------------------------------------------------------------------


def test_the_default_chart_gets_every_role_and_a_pair_per_category(in_a):
    accueil = f.category("accueil", "Accueil")
    f.category("repas", "Repas")
    created = chart_complete()
    roles = sorted((a.role, a.category_id is not None) for a in created)
    assert roles.count(("receivable", True)) == roles.count(("revenue", True)) == 2
    assert {"write_off", "bank", "cash", "person_credit", "suspense"} <= {r for r, _ in roles}
    assert chart_complete() == []  # nothing left to create
    Account.objects.filter(role="receivable", category=accueil).update(code="411100")
    assert chart_complete() == []  # a renamed account still serves its role


@pytest.mark.parametrize(
    ("language", "names"),
    [
        ("fr", ["Virements internes", "Frais bancaires", "Mouvements mis de côté"]),
        ("nl", ["Interne overboekingen", "Bankkosten", "Opzijgezette verrichtingen"]),
        ("de", ["Interne Umbuchungen", "Bankgebühren", "Zurückgestellte Bewegungen"]),
    ],
)
def test_the_accounts_of_movements_set_aside_are_in_the_default_chart(in_a, language, names):
    """Issue 14 item 9: a movement set aside goes to the internal transfers (5800), the bank
    charges (6570) or the movements set aside for another reason (4991), named in the
    reader's language."""
    roles = ("internal_transfer", "bank_charges", "set_aside")
    created = {account.role: account for account in chart_complete()}
    assert [created[role].code for role in roles] == ["5800", "6570", "4991"]
    with translation.override(language):
        assert [account_name(created[role]) for role in roles] == names


@pytest.fixture
def administrator(org_a, login):
    return login(org_a, Role.ADMINISTRATOR)


def test_admin_button_creates_the_default_chart(in_a, administrator):
    f.category()
    changelist = administrator.get(reverse("admin:ledger_account_changelist"))
    assert reverse("admin:ledger_account_default_chart") in changelist.content.decode()
    response = administrator.post(reverse("admin:ledger_account_default_chart"))
    assert response.status_code == 302
    assert Account.objects.count() == 14  # 12 roles + receivable and revenue for the category
    assert administrator.get(reverse("admin:ledger_account_default_chart")).status_code == 405


def test_an_auditor_cannot_create_the_chart(org_a, login):
    client = login(org_a, Role.AUDITOR)
    with scope(org_a):
        f.category()
    assert client.post(reverse("admin:ledger_account_default_chart")).status_code == 403
    with scope(org_a):
        assert not Account.objects.exists()


def account_form(account, **changes):
    data = {
        "code": account.code,
        "name": account.name,
        "role": account.role,
        "category": account.category_id or "",
        "is_active": "on",
    }
    return {**data, **changes}


def test_accounts_can_be_renamed_but_not_moved_once_they_have_entries(ledger, administrator):
    account = Account.objects.get(role="receivable", category=ledger["accueil"])
    url = reverse("admin:ledger_account_change", args=[account.pk])
    moved = administrator.post(url, account_form(account, category=ledger["repas"].pk))
    assert moved.status_code == 200 and moved.context["adminform"].form.errors
    renamed = administrator.post(url, account_form(account, code="411000", name="Débiteurs"))
    assert renamed.status_code == 302
    account.refresh_from_db()
    assert account.code == "411000"


def test_a_second_account_for_the_same_role_is_refused(ledger, administrator):
    bank = Account.objects.create(code="5500", name="Bank", role="bank")
    response = administrator.post(
        reverse("admin:ledger_account_add"),
        account_form(bank, code="5501", name="Other bank"),
    )
    assert response.status_code == 200 and response.context["adminform"].form.errors
    assert Account.objects.filter(role="bank").count() == 1


def test_entries_and_lines_are_read_only_in_the_admin(ledger, administrator):
    """Viewable; add, change and delete are refused and nothing changes."""
    entry = Entry.objects.first()
    line = EntryLine.objects.first()
    for model, obj in (("entry", entry), ("entryline", line)):
        view = administrator.get(reverse(f"admin:ledger_{model}_change", args=[obj.pk]))
        assert view.status_code == 200
        assert not view.context["has_change_permission"]
        assert administrator.get(reverse(f"admin:ledger_{model}_add")).status_code == 403
        delete = reverse(f"admin:ledger_{model}_delete", args=[obj.pk])
        assert administrator.post(delete, {"post": "yes"}).status_code == 403
        assert administrator.post(view.request["PATH_INFO"], {}).status_code == 403
    assert Entry.objects.count() == 5 and EntryLine.objects.count() == 12


def test_another_organisations_ledger_rows_look_missing_in_the_admin(ledger, org_a, org_b, login):
    """Account, entry and line pages with B's ids answer like a missing id; lists hide them."""
    with scope(org_b):
        kind = f.category("b", "Catégorie B")
        entries_post(
            [
                invoice_entry(
                    document="FACT-B",
                    day=date(2026, 3, 1),
                    person_id=f.person("ParentB").pk,
                    amounts_by_category={kind.pk: 777},
                )
            ]
        )
        b_rows = {
            "account": Account.objects.first(),
            "entry": Entry.objects.get(),
            "entryline": EntryLine.objects.first(),
        }
    client = login(org_a, Role.ADMINISTRATOR)
    for model, obj in b_rows.items():
        for view in ("change", "delete", "history"):
            got_b = client.get(reverse(f"admin:ledger_{model}_{view}", args=[obj.pk]))
            missing = client.get(reverse(f"admin:ledger_{model}_{view}", args=[987654321]))
            assert (got_b.status_code, got_b.get("Location")) == (
                missing.status_code,
                missing.get("Location"),
            ), (model, view)
        listing = client.get(reverse(f"admin:ledger_{model}_changelist")).content.decode()
        assert "FACT-B" not in listing and "Catégorie B" not in listing


def test_xlsx_module_examples():
    """The examples in the module's docstring hold."""
    assert doctest.testmod(xlsx).failed == 0
