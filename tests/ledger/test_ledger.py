"""Specification of the ledger: balanced entries, immutability, the hash chain and its check."""

from __future__ import annotations

import doctest
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from tests import factories as f

from regie.core.errors import DomainError
from regie.core.tenancy import scope
from regie.ledger import rules
from regie.ledger.models import Entry, EntryLine, ImmutableError
from regie.ledger.rules import (
    AccountRole,
    EntryDraft,
    Journal,
    LineDraft,
    credit_note_entry,
    invoice_entry,
    write_off_entry,
)
from regie.ledger.services import chain_verify, entries_post

DAY = date(2026, 10, 31)


def invoice(document: str, person_id: int, amounts: dict[int, int]) -> EntryDraft:
    return invoice_entry(
        document=document, day=DAY, person_id=person_id, amounts_by_category=amounts
    )


def test_every_posting_rule_balances():
    """Invoice, credit note and write-off (and its reverse) give debits = credits."""
    amounts = {1: 150, 2: 325}
    drafts = [
        invoice_entry(document="F1", day=DAY, person_id=1, amounts_by_category=amounts),
        credit_note_entry(document="NC1", day=DAY, person_id=1, amounts_by_category=amounts),
        write_off_entry(document="NV1", day=DAY, person_id=1, amounts_by_category=amounts),
        write_off_entry(
            document="NV1R", day=DAY, person_id=1, amounts_by_category=amounts, reverse=True
        ),
    ]
    for draft in drafts:
        assert sum(x.debit for x in draft.lines) == sum(x.credit for x in draft.lines) == 475


def test_an_unbalanced_draft_is_refused(in_a):
    """A hand-made draft whose sides differ never reaches the database."""
    lines = (
        LineDraft(AccountRole.BANK, 100, 0),
        LineDraft(AccountRole.RECEIVABLE, 0, 99),
    )
    with pytest.raises(DomainError) as refused:
        entries_post([EntryDraft(Journal.BANK, DAY, "x", "X1", lines)])
    assert refused.value.code == "ledger.unbalanced"


@pytest.fixture
def posted(in_a):
    kind = f.category()
    parent = f.person()
    entries = entries_post(
        [
            invoice("FACT/2026/00001", parent.pk, {kind.pk: 150}),
            invoice("FACT/2026/00002", parent.pk, {kind.pk: 200}),
        ]
    )
    return entries


def test_posted_entries_are_numbered_and_chained(posted):
    """Entries get consecutive sequence numbers; each links to the previous hash."""
    first, second = Entry.objects.order_by("sequence")
    assert (first.sequence, second.sequence) == (1, 2)
    assert second.previous_hash == first.hash
    assert EntryLine.objects.count() == 4
    assert chain_verify() is None


def test_posted_rows_cannot_be_changed_or_deleted(posted):
    """save(), delete() and QuerySet.update/delete all refuse on ledger rows."""
    entry = Entry.objects.first()
    entry.label = "changed"
    with pytest.raises(ImmutableError):
        entry.save()
    with pytest.raises(ImmutableError):
        entry.delete()
    with pytest.raises(ImmutableError):
        EntryLine.objects.update(debit=1)
    with pytest.raises(ImmutableError):
        EntryLine.objects.filter(entry=entry).delete()
    with pytest.raises(ImmutableError):
        EntryLine.unscoped_objects.update(debit=1)


def test_tampering_with_raw_sql_is_found_by_ledger_verify(posted, capsys):
    """A line changed behind the application's back breaks the chain at its entry."""
    line = EntryLine.objects.filter(entry__sequence=2, debit__gt=0).get()
    with connection.cursor() as cursor:  # change both sides so the entry still balances
        cursor.execute("UPDATE ledger_entryline SET debit = 1 WHERE id = %s", [line.pk])
        cursor.execute(
            "UPDATE ledger_entryline SET credit = 1 WHERE entry_id = %s AND credit > 0",
            [line.entry_id],
        )
    broken = chain_verify()
    assert broken is not None
    assert (broken.sequence, broken.document) == (2, "FACT/2026/00002")
    assert broken.reason == "content changed after posting"
    with pytest.raises(CommandError):
        call_command("ledger", "verify")
    assert "BROKEN at entry #2 (FACT/2026/00002)" in capsys.readouterr().out


def tamper(*statements):
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)


def entry_id(sequence: int) -> int:
    return Entry.objects.get(sequence=sequence).pk


@pytest.fixture
def three_entries(posted):
    """The two invoices of ``posted``, then a third over two categories (four lines)."""
    parent = f.person("Martin")
    amounts = {f.category("repas", "Repas").pk: 300, f.category("plaine", "Plaine").pk: 700}
    entries_post([invoice("FACT/2026/00003", parent.pk, amounts)])


@pytest.mark.parametrize(
    "how, expected",
    [
        ("an entry deleted", (3, "sequence 2 is missing")),
        ("the last entry deleted", (3, "entries 3 to 3 are missing")),
        ("a balanced pair of lines deleted", (3, "content changed after posting")),
        ("a line moved to another account", (2, "content changed after posting")),
        ("an entry redated", (1, "content changed after posting")),
        ("a line given to another person", (3, "content changed after posting")),
    ],
)
def test_every_kind_of_tampering_is_found(three_entries, how, expected):
    """Raw SQL that keeps every entry balanced still breaks the chain where it happened."""
    statements = {
        "an entry deleted": [
            ("DELETE FROM ledger_entryline WHERE entry_id = %s", [entry_id(2)]),
            ("DELETE FROM ledger_entry WHERE id = %s", [entry_id(2)]),
        ],
        "the last entry deleted": [
            ("DELETE FROM ledger_entryline WHERE entry_id = %s", [entry_id(3)]),
            ("DELETE FROM ledger_entry WHERE id = %s", [entry_id(3)]),
        ],
        "a balanced pair of lines deleted": [
            (
                "DELETE FROM ledger_entryline WHERE entry_id = %s AND 300 IN (debit, credit)",
                [entry_id(3)],
            )
        ],
        "a line moved to another account": [
            (
                "UPDATE ledger_entryline SET account_id = "
                "(SELECT MAX(account_id) FROM ledger_entryline) WHERE entry_id = %s AND debit > 0",
                [entry_id(2)],
            )
        ],
        "an entry redated": [
            ("UPDATE ledger_entry SET date = %s WHERE id = %s", [date(2026, 1, 1), entry_id(1)])
        ],
        "a line given to another person": [
            (
                "UPDATE ledger_entryline SET person_id = %s WHERE entry_id = %s AND debit > 0",
                [f.person("Autre").pk, entry_id(3)],
            )
        ],
    }
    assert chain_verify() is None
    tamper(*statements[how])
    broken = chain_verify()
    assert broken is not None, how
    assert (broken.sequence, broken.reason) == expected


def test_each_organisation_has_its_own_chain(posted, org_b):
    """B's first entry starts B's chain at 1; A's chain stays intact."""
    with scope(org_b):
        kind = f.category()
        entries_post([invoice("FACT/2026/00001", f.person().pk, {kind.pk: 999})])
        assert chain_verify() is None
        assert list(Entry.objects.values_list("sequence", flat=True)) == [1]
    assert Entry.objects.count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL trigger")
def test_postgresql_refuses_an_unbalanced_entry_at_commit(posted):
    """The deferred trigger rejects raw SQL that leaves an entry unbalanced."""
    line = EntryLine.objects.filter(debit__gt=0).first()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_entryline SET debit = debit + 1 WHERE id = %s", [line.pk])
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_the_posting_rules_examples_hold():
    """The examples in the rules' docstrings (a set-aside, its reversal, a reminder's fee)."""
    assert doctest.testmod(rules).failed == 0
