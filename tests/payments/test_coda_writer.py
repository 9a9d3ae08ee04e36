"""The CODA writer: what it writes reads back as the same statements."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from tests.payments.payment_strategies import FUZZ, statements

from regie.payments.parsers import coda
from regie.payments.parsers.coda_writer import write_coda
from regie.payments.parsers.statement import Movement, Statement

FIXTURE = Path(__file__).resolve().parent / "data" / "two_statements_crlf.cod"


@FUZZ
@given(st.lists(statements(), min_size=1, max_size=3))
def test_parse_reads_back_what_write_wrote(written):
    assert coda.parse(write_coda(written)).statements == tuple(written)


def test_fixture_survives_a_write_and_a_read():
    """Rewriting the hand-made fixture keeps every parsed value."""
    original = coda.parse(FIXTURE.read_bytes())
    assert coda.parse(write_coda(original.statements)) == original


def test_written_lines_are_128_characters_with_crlf():
    statement = Statement(
        account="BE68539007547034",
        currency="EUR",
        old_balance=Decimal("10"),
        new_balance=Decimal("7.5"),
        movements=(Movement(sequence=1, amount=Decimal("-2.5"), communication="Repas"),),
    )
    lines = write_coda([statement]).split(b"\r\n")
    assert lines[-1] == b""
    assert {len(line) for line in lines[:-1]} == {128}
    assert lines[-2][16:22] == b"000003"  # records 1, 2.1 and 8
