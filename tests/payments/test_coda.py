"""The CODA 2.6 parser: real bank files, a hand-made fixture, and each validation rule."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from regie.core.errors import DomainError
from regie.payments.parsers import coda
from regie.payments.parsers.coda import CodaError

DATA = Path(__file__).resolve().parent / "data"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "coda"
FIXTURE = DATA / "two_statements_crlf.cod"


def shared_file(name: str) -> bytes:
    """Return a real CODA file of the shared corpus, skipping when the corpus is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"shared CODA corpus not found at {SHARED}")
    return (SHARED / name).read_bytes()


def fixture_lines() -> list[str]:
    """Return the records of the hand-made fixture, without line endings."""
    return FIXTURE.read_bytes().decode("cp1252").split("\r\n")[:-1]


def encode(lines: list[str]) -> bytes:
    """Return records joined into a CODA file."""
    return "".join(line + "\r\n" for line in lines).encode("cp1252")


def replace(line: str, position: int, text: str) -> str:
    """Return ``line`` with ``text`` written at 1-based ``position``."""
    return line[: position - 1] + text + line[position - 1 + len(text) :]


def error_of(data: bytes) -> CodaError:
    """Return the error :func:`coda.parse` raises for ``data``."""
    with pytest.raises(CodaError) as info:
        coda.parse(data)
    return info.value


# Real files: figures read from the records with awk/by eye, not from the parser.


def test_febelfin_sample_has_one_consistent_statement():
    """The Febelfin sample: 59 booked movements, 52 detail lines, trailer counts 260 records."""
    result = coda.parse(shared_file("febelfin-coda_CODA.txt"))
    (statement,) = result.statements
    assert statement.account == "435000000080"  # account structure 0: Belgian number
    assert statement.currency == "EUR"
    assert statement.old_balance == Decimal("0")
    assert statement.new_balance == Decimal("9405296.990")
    assert len(statement.movements) == 59
    assert sum(len(m.details) for m in statement.movements) == 52
    assert statement.total_debit == Decimal("3085871.600")
    assert statement.total_credit == Decimal("12491168.590")
    assert statement.creation_date == date(2006, 12, 6)
    assert statement.holder_name == "Testgebruiker21"


def test_pycoda_single_statement_with_crlf_balances_to_zero():
    """93 CRLF lines: 17 booked movements and 15 details, debits equal credits."""
    (statement,) = coda.parse(shared_file("pycoda_Coda_v2_3_single_statement.txt")).statements
    assert statement.account == "BE86407051416150"
    assert (statement.old_balance, statement.new_balance) == (0, 0)
    assert len(statement.movements) == 17
    assert sum(len(m.details) for m in statement.movements) == 15
    assert statement.total_debit == statement.total_credit == Decimal("64703.010")
    assert statement.sequence_number == 42


def test_oca_multi_statements_file_has_two_statements():
    """Statement 36 debits 122.40; statement 37 credits 100,000.00 globalised with one detail."""
    first, second = coda.parse(shared_file("oca_Coda_iban_v2_3_multi_statements.txt")).statements
    assert (first.sequence_number, second.sequence_number) == (36, 37)
    assert first.old_balance == Decimal("39698.090")
    assert first.new_balance == Decimal("39575.690")
    (debit,) = first.movements
    assert debit.amount == Decimal("-122.400")
    assert debit.counterparty_name == "VZW SOCIAAL SECRET.SECUREX"
    assert debit.counterparty_account == "BE11290006307748"
    assert debit.counterparty_bic == "GEBABEBB"
    assert debit.communication == "PREVENTION ET PROTECTION"
    assert second.old_balance == Decimal("39575.690")
    assert second.new_balance == Decimal("139575.690")
    (credit,) = second.movements
    assert credit.amount == Decimal("100000.000")
    assert [d.amount for d in credit.details] == [Decimal("100000.000")]
    assert second.total_credit == Decimal("100000.000")  # the detail is not counted twice


def test_globalisation_file_counts_details_once_but_its_account_changes():
    """The trailer sums 544.30 debit and 276,270.00 credit; record 8 names another account."""
    data = shared_file("pycoda_Coda_v2_3_globalisation.txt")
    result, errors = coda.check(data)
    assert [e.code for e in errors] == ["coda.account_mismatch"]
    assert (errors[0].line, errors[0].record) == (24, "8")
    (statement,) = result.statements
    assert len(statement.movements) == 4
    assert [len(m.details) for m in statement.movements] == [0, 0, 1, 0]
    assert statement.total_credit == Decimal("113135") * 2 + Decimal("50000")
    assert statement.total_debit == Decimal("544.300")
    assert statement.old_balance == Decimal("-455.170")
    assert statement.new_balance == Decimal("275270.530")
    assert error_of(data).code == "coda.account_mismatch"


def test_oca_hand_edited_file_is_refused_for_its_balances():
    """11,812.70 − 1,393.08 + 3,108.19 is 13,527.81, not the 13,646.05 of record 8."""
    data = shared_file("oca_Ontvangen_CODA.2012-01-11-18.59.15.txt")
    result, errors = coda.check(data)
    assert [e.code for e in errors] == ["coda.account_mismatch", "coda.balance"]
    assert errors[1].params["expected"] == Decimal("13527.810")
    (statement,) = result.statements
    assert len(statement.movements) == 5
    assert statement.total_debit == Decimal("1393.080")
    assert statement.total_credit == Decimal("3108.190")
    structured = [m for m in statement.movements if m.structured_reference]
    assert [(m.structured_reference, m.amount) for m in structured] == [
        ("240283842818", Decimal("3044.450"))
    ]


def test_faulty_version_file_is_refused_naming_the_version():
    """The header announces version 5."""
    error = error_of(shared_file("pycoda_Coda_faulty_version.txt"))
    assert (error.code, error.line, error.record) == ("coda.version", 1, "0")
    assert "version 5" in error.english()


# The hand-made fixture: two statements, CRLF, cp1252 names, structured communications.


def test_fixture_reads_both_statements_with_accents():
    """Names keep their cp1252 accents (é, ç, œ) and the € sign."""
    first, second = coda.parse(FIXTURE.read_bytes()).statements
    assert first.holder_name == "COMMUNE DE HÉVILLERS"
    assert first.account == "BE68539007547034"
    assert (first.old_balance, first.new_balance) == (Decimal("1250"), Decimal("1267.8"))
    assert (second.old_balance, second.new_balance) == (Decimal("1267.8"), Decimal("1277.8"))
    assert first.movements[1].counterparty_name == "Jean-Noël Cœur"
    assert "100,00 €" in first.movements[2].information
    assert first.messages == ("Relevé généré pour la régie communale",)
    assert second.movements[0].communication == "Stage été – Zoé Müller"
    assert first.old_balance_cents == 125000


def test_valid_structured_communication_becomes_the_reference():
    """Type 101 with correct check digits gives the 12 digits and no free text."""
    movement = coda.parse(FIXTURE.read_bytes()).statements[0].movements[0]
    assert movement.structured_reference == "090933755493"
    assert movement.communication == ""
    assert movement.amount_cents == 4550


def test_structured_communication_with_wrong_check_digits_stays_free_text():
    movement = coda.parse(FIXTURE.read_bytes()).statements[0].movements[1]
    assert movement.structured_reference == ""
    assert movement.communication == "123456789003"


def test_free_communication_is_joined_across_records():
    movement = coda.parse(FIXTURE.read_bytes()).statements[0].movements[2]
    assert movement.communication == (
        "Garderie septembre et octobre 2024, enfants Dupré: Léa et Noé, solde dû après rappel"
    )


def test_globalised_movement_is_counted_once_and_keeps_its_details():
    """60.00 collected in one amount; its two details carry the structured references."""
    first = coda.parse(FIXTURE.read_bytes()).statements[0]
    batch = first.movements[3]
    assert batch.amount == Decimal("60")
    assert [(d.structured_reference, d.amount) for d in batch.details] == [
        ("123456789002", Decimal("25")),
        ("000001234526", Decimal("35")),
    ]
    assert first.total_credit == Decimal("45.5") + Decimal("12.3") + Decimal("60")


def test_lf_line_endings_read_the_same():
    data = FIXTURE.read_bytes()
    assert coda.parse(data.replace(b"\r\n", b"\n")) == coda.parse(data)


def test_amount_with_a_third_decimal_has_no_cents():
    lines = fixture_lines()
    lines[2] = replace(lines[2], 33, "000000000045505")
    movement = coda.check(encode(lines))[0].statements[0].movements[0]
    with pytest.raises(DomainError) as info:
        movement.amount_cents  # noqa: B018
    assert info.value.code == "statement.sub_cent_amount"


# Each validation rule, broken on purpose.


def test_line_cut_inside_a_field_is_refused_with_its_number_and_record():
    """A 2.1 cut inside its entry date (positions 116–121) lost more than blanks."""
    lines = fixture_lines()
    lines[5] = lines[5][:118]
    error = error_of(encode(lines))
    assert (error.code, error.line, error.record) == ("coda.line_length", 6, "2.1")
    assert error.params["length"] == 118


def stripped(lines: list[str]) -> list[str]:
    """Return the records as a transfer tool that strips trailing blanks leaves them."""
    return [line.rstrip(" ") for line in lines]


def test_lines_stripped_of_their_trailing_blanks_read_as_the_original_with_a_warning():
    """Issue 12 item 6: the trailer of 57 characters (its figures all there), and every other
    line that lost its blanks, are read padded: the same statements, one warning naming them."""
    # Some banks leave the link code and the multiple-file code (position 128) blank.
    lines = [replace(line, 128, " ") if line[0] in "89" else line for line in fixture_lines()]
    original = coda.parse(encode(lines))
    short = stripped(lines)
    padded = [n for n, line in enumerate(short, start=1) if len(line) < 128]
    assert [len(short[n - 1]) for n in padded] == [63, 52, 63, 52]  # records 8 and 9

    result, errors = coda.check(encode(short))

    assert errors == []
    assert result.statements == original.statements
    (warning,) = result.warnings
    assert warning.code == "coda.trailing_blanks"
    assert warning.params["lines"] == ", ".join(map(str, padded))
    assert coda.parse(encode(lines)).warnings == ()


@pytest.mark.parametrize(
    ("cut", "why"),
    [
        (lambda line: line + " ", "ends with a blank: cut, not stripped"),
        (lambda line: line[:40], "cut inside the credit total (positions 38–52)"),
        (lambda line: line.ljust(129, "0"), "too long"),
    ],
    ids=["ends-with-blank", "inside-a-figure", "too-long"],
)
def test_a_trailer_cut_or_too_long_is_still_refused(cut, why):
    lines = fixture_lines()
    trailer = lines.index(next(line for line in lines if line[0] == "9"))
    lines[trailer] = cut(lines[trailer][:57].rstrip(" ") if "long" not in why else lines[trailer])
    error = error_of(encode(lines))
    assert (error.code, error.line, error.record) == ("coda.line_length", trailer + 1, "9"), why


def test_missing_header_is_refused():
    error = error_of(encode(fixture_lines()[1:]))
    assert (error.code, error.line, error.record) == ("coda.header_missing", 1, "1")


def test_version_1_is_refused():
    lines = fixture_lines()
    lines[0] = replace(lines[0], 128, "1")
    error = error_of(encode(lines))
    assert (error.code, error.line) == ("coda.version", 1)
    assert "version 1" in error.english()


def test_wrong_trailer_count_is_reported():
    lines = fixture_lines()
    lines[19] = replace(lines[19], 17, "000018")
    error = error_of(encode(lines))
    assert (error.code, error.line, error.record) == ("coda.trailer_count", 20, "9")
    assert (error.params["announced"], error.params["found"]) == (18, 17)


@pytest.mark.parametrize(
    ("position", "code"), [(23, "coda.trailer_debit"), (38, "coda.trailer_credit")]
)
def test_wrong_trailer_totals_are_reported(position, code):
    lines = fixture_lines()
    lines[19] = replace(lines[19], position, "000000000999999")
    error = error_of(encode(lines))
    assert (error.code, error.line) == (code, 20)


def test_new_balance_that_does_not_add_up_is_reported():
    lines = fixture_lines()
    lines[18] = replace(lines[18], 43, "000000001267801")
    error = error_of(encode(lines))
    assert (error.code, error.line, error.record) == ("coda.balance", 19, "8")


def test_all_inconsistencies_are_listed_at_once():
    lines = fixture_lines()
    lines[18] = replace(lines[18], 43, "000000001267801")
    lines[19] = replace(lines[19], 17, "000018")
    result, errors = coda.check(encode(lines))
    assert result is not None
    assert {e.code for e in errors} == {"coda.balance", "coda.trailer_count"}


def test_movement_out_of_sequence_is_refused():
    lines = fixture_lines()
    lines[5] = replace(lines[5], 3, "0003")
    error = error_of(encode(lines))
    assert (error.code, error.line, error.params["expected"]) == ("coda.sequence", 6, "0002/0000")


def test_continuation_without_its_movement_is_refused():
    lines = fixture_lines()
    del lines[2]
    error = error_of(encode(lines))
    assert (error.code, error.line, error.record) == ("coda.record_order", 3, "2.2")


def test_truncated_file_is_refused():
    error = error_of(encode(fixture_lines()[:10]))
    assert (error.code, error.line) == ("coda.trailer_missing", 10)


def test_undefined_cp1252_byte_is_refused():
    data = bytearray(FIXTURE.read_bytes())
    data[140] = 0x81
    error = error_of(bytes(data))
    assert (error.code, error.line) == ("coda.encoding", 2)


@pytest.mark.parametrize("data", [b"", b"\r\n", b"\n\n"])
def test_empty_file_is_refused(data):
    assert error_of(data).code in {"coda.empty", "coda.line_length"}


def test_bad_date_is_refused():
    lines = fixture_lines()
    lines[2] = replace(lines[2], 48, "310224")
    error = error_of(encode(lines))
    assert (error.code, error.line, error.params["field"]) == ("coda.invalid_date", 3, "value date")


def test_file_converted_to_utf8_is_refused_with_the_reason():
    """An accented name becomes two bytes in UTF-8, so the line no longer has 128 bytes."""
    data = FIXTURE.read_bytes().decode("cp1252").encode("utf-8")
    error = error_of(data)
    assert (error.code, error.line, error.record) == ("coda.encoding_utf8", 1, "0")
