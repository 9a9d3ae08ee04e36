"""Specification of PostgreSQL's own balance check: every touched entry balances at commit.

These tests commit for real (the check is deferred to the commit), so they use a transactional
database and run on PostgreSQL only.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction
from tests import factories as f
from tests.conftest import make_organisation

from regie.core.tenancy import scope
from regie.ledger.models import EntryLine
from regie.ledger.rules import invoice_entry
from regie.ledger.services import entries_post

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL trigger"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def ledger(transactional_db):
    """An organisation with 50 posted invoices (two categories each, four lines), committed."""
    org = make_organisation("Commune du grand livre")
    with scope(org):
        categories = [f.category("accueil", "Accueil").pk, f.category("repas", "Repas").pk]
        person = f.person()
        entries_post(
            [
                invoice_entry(
                    document=f"FACT/2026/{n:05d}",
                    day=date(2026, 10, 31),
                    person_id=person.pk,
                    amounts_by_category={categories[0]: 100 + n, categories[1]: 320},
                )
                for n in range(1, 51)
            ]
        )
        yield org


def sides(entry_id: int) -> tuple[int, int]:
    lines = EntryLine.objects.filter(entry_id=entry_id)
    return sum(x.debit for x in lines), sum(x.credit for x in lines)


def commit(sql: str, params: list) -> None:
    """Run one raw statement in a transaction of its own and commit it."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def pending_notes() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT COUNT(*) FROM ledger_balance_pending)"
            " + (SELECT COUNT(*) FROM ledger_balance_token)"
        )
        return cursor.fetchone()[0]


def test_posting_many_entries_commits_and_leaves_no_note_behind(ledger):
    """Given 50 entries posted in one statement per table, the check passes and clears up."""
    assert EntryLine.objects.count() == 200
    assert pending_notes() == 0


def test_an_entry_unbalanced_between_two_statements_commits_when_balanced_at_the_end(ledger):
    """The check waits for the commit: an entry may be unbalanced for a statement or two."""
    debit = EntryLine.objects.filter(debit__gt=0).order_by("pk").first()
    credit = EntryLine.objects.filter(entry_id=debit.entry_id, credit__gt=0).order_by("pk")[0]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_entryline SET debit = debit + 7 WHERE id = %s", [debit.pk])
        cursor.execute("UPDATE ledger_entryline SET credit = credit + 7 WHERE id = %s", [credit.pk])
    assert EntryLine.objects.get(pk=debit.pk).debit == debit.debit + 7
    total_debit, total_credit = sides(debit.entry_id)
    assert total_debit == total_credit
    assert pending_notes() == 0


def test_a_line_changed_behind_the_ledger_is_refused_at_commit(ledger):
    """Raw SQL that unbalances an entry fails at commit, naming the entry; nothing changes."""
    line = EntryLine.objects.filter(debit__gt=0).order_by("-pk").first()
    with pytest.raises(IntegrityError, match=f"ledger entry {line.entry_id} does not balance"):
        commit("UPDATE ledger_entryline SET debit = debit + 1 WHERE id = %s", [line.pk])
    assert EntryLine.objects.get(pk=line.pk).debit == line.debit
    assert pending_notes() == 0


def test_a_line_deleted_behind_the_ledger_is_refused_at_commit(ledger):
    """Deleting one side of an entry is refused too (the old rows are checked)."""
    line = EntryLine.objects.filter(credit__gt=0).order_by("pk").first()
    with pytest.raises(IntegrityError, match="does not balance"):
        commit("DELETE FROM ledger_entryline WHERE id = %s", [line.pk])
    assert EntryLine.objects.filter(pk=line.pk).exists()


def test_a_line_moved_to_another_entry_is_refused_at_commit(ledger):
    """Moving a line unbalances both entries: the one it left and the one it joined."""
    first, last = EntryLine.objects.order_by("pk")[0], EntryLine.objects.order_by("-pk")[0]
    with pytest.raises(IntegrityError, match="does not balance"):
        commit("UPDATE ledger_entryline SET entry_id = %s WHERE id = %s", [last.entry_id, first.pk])
    assert EntryLine.objects.get(pk=first.pk).entry_id == first.entry_id
