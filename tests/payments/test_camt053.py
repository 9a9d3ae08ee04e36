"""The camt.053 parser: versions .02 and .08, references, batches and refusals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from regie.payments.parsers import camt053
from regie.payments.parsers.camt053 import Camt053Error

DATA = Path(__file__).resolve().parent / "data"
V02 = DATA / "camt053_v02_two_statements.xml"
V08 = DATA / "camt053_v08_overdrawn.xml"


def error_of(data: bytes) -> Camt053Error:
    """Return the error :func:`camt053.parse` raises for ``data``."""
    with pytest.raises(Camt053Error) as info:
        camt053.parse(data)
    return info.value


def test_two_statements_with_balances_and_booked_entries_only():
    """The pending entry of 999.00 is left out; the balances add up."""
    first, second = camt053.parse(V02.read_bytes()).statements
    assert first.account == "BE68539007547034"
    assert (first.old_balance, first.new_balance) == (Decimal("1250.00"), Decimal("1267.80"))
    assert (first.old_balance_date, first.new_balance_date) == (
        date(2024, 10, 1),
        date(2024, 10, 2),
    )
    assert first.sequence_number == 12
    assert first.holder_name == "Commune de Hévillers"
    assert first.bank_bic == "HBKABE22"
    assert len(first.movements) == 4
    assert first.total_credit == Decimal("117.80")
    assert first.total_debit == Decimal("100.00")
    assert second.movements[0].amount_cents == 1000


def test_formatted_structured_reference_is_recognised():
    movement = camt053.parse(V02.read_bytes()).statements[0].movements[0]
    assert movement.structured_reference == "090933755493"
    assert movement.counterparty_name == "Françoise Dupré-Lefèvre"
    assert movement.counterparty_account == "BE71096123456769"
    assert movement.counterparty_bic == "GKCCBEBB"
    assert movement.transaction_code == "PMNT/RCDT/ESCT"


def test_reference_with_wrong_check_digits_and_rf_stay_free_text():
    first, second = camt053.parse(V02.read_bytes()).statements
    assert (first.movements[1].structured_reference, first.movements[1].communication) == (
        "",
        "123456789003",
    )
    assert second.movements[0].communication == "RF18539007547034"
    assert first.movements[1].entry_date == date(2024, 10, 2)  # from a DtTm


def test_unstructured_lines_are_joined_and_debit_names_the_creditor():
    movement = camt053.parse(V02.read_bytes()).statements[0].movements[2]
    assert movement.amount == Decimal("-100.00")
    assert movement.communication == "Facture fournisseur 2024/117 merci"
    assert movement.counterparty_name == "Cantine Saint-Éloi ASBL"


def test_batch_entry_is_counted_once_with_its_transactions_as_details():
    batch = camt053.parse(V02.read_bytes()).statements[0].movements[3]
    assert batch.amount == Decimal("60.00")
    assert [(d.structured_reference, d.amount) for d in batch.details] == [
        ("123456789002", Decimal("25.00")),
        ("000001234526", Decimal("35.00")),
    ]


def test_version_08_nested_status_party_and_bicfi():
    (statement,) = camt053.parse(V08.read_bytes()).statements
    assert statement.new_balance == Decimal("-5.25")
    assert statement.sequence_number == 204
    (movement,) = statement.movements
    assert movement.counterparty_name == "Régie des eaux"
    assert movement.counterparty_bic == "GEBABEBB"
    assert movement.structured_reference == "090933755493"


def test_closing_balance_that_does_not_add_up_is_reported():
    data = V08.read_bytes().replace(b'<Amt Ccy="EUR">5.25</Amt>', b'<Amt Ccy="EUR">5.26</Amt>')
    result, errors = camt053.check(data)
    assert result is not None
    assert [e.code for e in errors] == ["camt.balance"]
    assert errors[0].params["expected"] == Decimal("-5.25")


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "camt.empty"),
        (b"<Document><BkToCstmrStmt>", "camt.malformed"),
        (b"\x00\xff garbage", "camt.malformed"),
        (b"<Document xmlns='urn:x'><Other/></Document>", "camt.not_a_statement"),
        (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e "x">]><Document>&e;</Document>',
            "camt.doctype",
        ),
    ],
)
def test_unreadable_documents_are_refused(data, code):
    assert error_of(data).code == code


def test_bad_amount_and_indicator_and_date_are_refused():
    text = V08.read_bytes()
    assert error_of(text.replace(b">25.25<", b">25,25<")).code == "camt.amount"
    assert (
        error_of(
            text.replace(b"<CdtDbtInd>DBIT</CdtDbtInd><Sts>", b"<CdtDbtInd>X</CdtDbtInd><Sts>")
        ).code
        == "camt.indicator"
    )
    assert error_of(text.replace(b"2024-11-01", b"2024-13-01")).code == "camt.date"


def test_missing_closing_balance_is_refused():
    text = V08.read_bytes().replace(b"<Cd>CLBD</Cd>", b"<Cd>ITBD</Cd>")
    error = error_of(text)
    assert error.code == "camt.missing"
    assert "CLBD" in error.english()
